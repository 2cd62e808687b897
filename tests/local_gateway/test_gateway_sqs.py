"""The local SQS event source against moto's SQS, with the queues made from template.yaml: successes are
deleted, reported batch item failures and failed invocations come back, and the redrive policy moves a
message that keeps failing to the dead-letter queue."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.parser.models import SqsModel
from moto import mock_aws

from local_gateway.aws_resources import aws_resources, create_resources
from local_gateway.sqs import SqsPoller, failed_message_ids

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queues():
    with mock_aws():
        sqs = boto3.session.Session(region_name="us-east-1").client("sqs")
        resources = aws_resources(ROOT / "template.yaml")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        # unique names: another module's session-wide mock may be active in this worker, keeping its state
        created = create_resources(resources, dynamodb, sqs, prefix=f"t-{uuid.uuid4().hex[:8]}")
        source = next(s for s in resources.event_sources if s.queue_id == "BillingQueue")
        yield sqs, created, source


def poller(queues, invoke):
    sqs, created, source = queues
    url, arn = created.queue_urls["BillingQueue"], created.queue_arns["BillingQueue"]
    return SqsPoller(sqs, source, url, arn, invoke, retry_after_seconds=0)


def count(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_successes_are_deleted_and_reported_failures_come_back_until_the_redrive_policy_dead_letters_them(queues):
    sqs, created, source = queues
    url, dlq = created.queue_urls["BillingQueue"], created.queue_urls["BillingDeadLetterQueue"]
    seen: list[dict] = []

    def invoke(function_id, event):
        SqsModel.model_validate(event)  # a real SQS event, as Powertools parses it
        seen.append(event)
        failing = [r.message_id for r in SQSEvent(event).records if r.body == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failing]}

    sqs.send_message(QueueUrl=url, MessageBody="good")
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    results = poller(queues, invoke).drain()

    assert sum(r.deleted for r in results) == 1
    bad_deliveries = [r for e in seen for r in e["Records"] if r["body"] == "bad"]
    max_receive = aws_resources(ROOT / "template.yaml").queues["BillingQueue"].max_receive_count
    assert max_receive is not None  # then moto's SQS moves it to the dead-letter queue, as SQS does
    counts = [r["attributes"]["ApproximateReceiveCount"] for r in bad_deliveries]
    assert counts == [str(n + 1) for n in range(max_receive)]
    assert (count(sqs, url), count(sqs, dlq)) == (0, 1)
    assert all(r["eventSourceARN"] == created.queue_arns["BillingQueue"] for e in seen for r in e["Records"])
    assert source.function_id == "BillCustomersFunction"


def test_a_failed_invocation_returns_the_whole_batch(queues):
    sqs, created, _ = queues
    url = created.queue_urls["BillingQueue"]
    sqs.send_message(QueueUrl=url, MessageBody="one")

    def crash(function_id, event):
        raise RuntimeError("worker died")

    result = poller(queues, crash).poll_once()
    assert (result.received, result.deleted, result.failed) == (1, 0, 1)
    assert count(sqs, url) == 1


def test_an_unknown_item_identifier_fails_the_whole_batch_as_lambda_does():
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "x"}]}, ["a", "b"], partial=True) == {"a", "b"}
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ["a", "b"], partial=True) == {"a"}
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "a"}]}, ["a"], partial=False) == set()
