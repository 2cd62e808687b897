"""The billing queue on SQS: shards become messages a worker function (functions/bill_customers) drains.

A standard queue (not FIFO): billing is idempotent in storage (one invoice per customer and period, one
outcome per run and customer), so SQS's at-least-once delivery is all it needs, and a standard queue has no
throughput ceiling per message group. On a FIFO queue (a URL ending in .fifo) each message also carries a
deduplication id derived from its content, so a resent shard is dropped within SQS's 5-minute window.

Message body: {"run_id", "period", "unit_price" (decimal string or null), "customer_ids": [...]}.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from billing.domain.billing_runs import BillingShard, CustomerOutcome, shard_message
from billing.domain.errors import QueueUnavailable

MAX_BATCH = 10  # SendMessageBatch's limit
_SEND_ATTEMPTS = 3  # entries SQS reports as failed (sender faults excepted) are sent again


def deduplication_id(shard: BillingShard) -> str:
    """Same shard, same id (FIFO queues only)."""
    return hashlib.sha256(shard_message(shard).encode()).hexdigest()


class SqsBillingQueue:
    def __init__(
        self, queue_url: str, *, endpoint_url: str | None = None, region: str | None = None, max_attempts: int = 5
    ) -> None:
        self.queue_url = queue_url
        self._endpoint_url = endpoint_url
        self._region = region
        self._max_attempts = max_attempts
        self.fifo = queue_url.endswith(".fifo")

    @cached_property
    def _client(self) -> Any:
        # Built on first use: nothing touches AWS at import, and a mock started before the first send works.
        import boto3
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": self._max_attempts}, connect_timeout=3, read_timeout=10
        )
        return boto3.session.Session().client(
            "sqs", endpoint_url=self._endpoint_url, region_name=self._region, config=config
        )

    def send(self, shards: Sequence[BillingShard]) -> list[CustomerOutcome]:
        for start in range(0, len(shards), MAX_BATCH):
            self._send_batch(shards[start : start + MAX_BATCH])
        return []  # billed later, by the workers

    def _send_batch(self, shards: Sequence[BillingShard]) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        pending = {str(index): self._entry(str(index), shard) for index, shard in enumerate(shards)}
        for _ in range(_SEND_ATTEMPTS):
            try:
                reply = self._client.send_message_batch(QueueUrl=self.queue_url, Entries=list(pending.values()))
            except (BotoCoreError, ClientError) as error:
                raise QueueUnavailable(f"billing queue unavailable: {error}") from error
            failed = reply.get("Failed") or []
            if any(entry.get("SenderFault") for entry in failed):
                raise QueueUnavailable(f"billing queue refused a shard: {failed[0].get('Message')}")
            pending = {entry["Id"]: pending[entry["Id"]] for entry in failed}
            if not pending:
                return
        raise QueueUnavailable(f"billing queue kept failing {len(pending)} shard(s)")

    def _entry(self, entry_id: str, shard: BillingShard) -> dict[str, Any]:
        entry: dict[str, Any] = {"Id": entry_id, "MessageBody": shard_message(shard)}
        if self.fifo:
            # A group per shard: one group per run would bill a run's shards one after another.
            entry["MessageGroupId"] = entry["MessageDeduplicationId"] = deduplication_id(shard)
        return entry
