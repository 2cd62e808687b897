"""The local SQS event source: what Lambda's event-source mapping does for a function with an `SQS` event.

It receives up to BatchSize messages, invokes the function with a real SQS event (the shape Powertools'
`SQSEvent` and `BatchProcessor` parse), deletes the messages that succeeded and leaves the others to
become visible again after the queue's visibility timeout: with `ReportBatchItemFailures`, the ones the
reply lists in `batchItemFailures`; every message of the batch when the function raised (or when a reply
names a message that was not in the batch, as Lambda does). The redrive policy (maxReceiveCount → the
dead-letter queue) is applied by the queue itself: moto's SQS honours RedrivePolicy on receive, as SQS does.

One poller per event source, one invocation at a time (the runtime keeps one "container" per function), so
`ScalingConfig.MaximumConcurrency` is respected trivially.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from local_gateway.aws_resources import SqsEventSource
from local_gateway.events import ACCOUNT_ID, REGION

Invoke = Callable[[str, Mapping[str, Any]], Any]
MAX_RECEIVE = 10  # ReceiveMessage's limit


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    """One record of a Lambda SQS event from a ReceiveMessage message (AttributeNames=All)."""
    attributes = dict(message.get("Attributes") or {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: Iterable[Mapping[str, Any]], queue_arn: str, region: str = REGION) -> dict[str, Any]:
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def sample_sqs_event(
    body: str, queue_name: str, *, receive_count: int = 1, sent_at_ms: int = 1_759_327_200_000
) -> dict:
    """A one-message event as Lambda sends it (events/ samples, tests)."""
    message = {
        "MessageId": str(uuid.uuid5(uuid.NAMESPACE_URL, body)),
        "ReceiptHandle": "AQEB" + hashlib.sha256(body.encode()).hexdigest(),
        "Body": body,
        "Attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(sent_at_ms),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": str(sent_at_ms + 2),
        },
    }
    return sqs_event([message], f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_name}")


def failed_message_ids(reply: Any, batch_ids: Sequence[str], *, partial: bool) -> set[str]:
    """Which messages of the batch failed, from the function's reply (Lambda's rules for SQS)."""
    if not partial or not isinstance(reply, dict) or not reply.get("batchItemFailures"):
        return set()
    named = {str((failure or {}).get("itemIdentifier") or "") for failure in reply["batchItemFailures"]}
    if not named <= set(batch_ids):  # an empty or unknown identifier fails the whole batch
        return set(batch_ids)
    return named


@dataclass(frozen=True)
class PollResult:
    received: int
    deleted: int
    failed: int


class SqsPoller:
    """Polls one queue for one function (an event-source mapping)."""

    def __init__(
        self,
        client: Any,
        source: SqsEventSource,
        queue_url: str,
        queue_arn: str,
        invoke: Invoke,
        *,
        retry_after_seconds: int | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.client = client
        self.source = source
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self._invoke = invoke
        # None: failed messages wait out the queue's visibility timeout, as on AWS. Tests and `make run`
        # may shorten it (ChangeMessageVisibility) so a retry comes within seconds.
        self._retry_after = retry_after_seconds
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self, wait_seconds: int = 0) -> PollResult:
        reply = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, MAX_RECEIVE),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = reply.get("Messages") or []
        if not messages:
            return PollResult(0, 0, 0)
        ids = [message["MessageId"] for message in messages]
        try:
            result = self._invoke(self.source.function_id, sqs_event(messages, self.queue_arn))
            failed = failed_message_ids(result, ids, partial=self.source.report_batch_item_failures)
        except Exception as error:  # the function failed: Lambda retries the whole batch
            failed = set(ids)
            if self._on_error is not None:
                self._on_error(error)
        done = [message for message in messages if message["MessageId"] not in failed]
        self._settle(done, [message for message in messages if message["MessageId"] in failed])
        return PollResult(len(messages), len(done), len(failed))

    def _settle(self, done: list[Mapping[str, Any]], failed: list[Mapping[str, Any]]) -> None:
        if done:
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        if failed and self._retry_after is not None:
            self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": self._retry_after}
                    for i, m in enumerate(failed)
                ],
            )

    def drain(self, *, max_polls: int = 10_000) -> list[PollResult]:
        """Poll without waiting until a receive comes back empty (tests)."""
        results = []
        for _ in range(max_polls):
            result = self.poll_once()
            if not result.received:
                break
            results.append(result)
        return results

    # -- background ----------------------------------------------------------

    def start(self, *, wait_seconds: int = 1) -> None:
        self._thread = threading.Thread(target=self._loop, args=(wait_seconds,), daemon=True, name=self.name)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @property
    def name(self) -> str:
        return f"sqs:{self.source.queue_id}->{self.source.function_id}"

    def _loop(self, wait_seconds: int) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds)
            except Exception as error:  # the emulator going away at shutdown, mostly
                if self._stop.is_set():
                    return
                if self._on_error is not None:
                    self._on_error(error)
                self._stop.wait(1)
