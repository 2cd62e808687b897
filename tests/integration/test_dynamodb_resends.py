"""A transaction botocore sends again after its first attempt was applied (the reply timed out, say) is
answered as applied, as DynamoDB does for a resend carrying the first one's ClientRequestToken (botocore fills
the token in itself: the parameter is an idempotency token in DynamoDB's service model). moto ignored it, so
on the local stack the resend was cancelled on its own conditions and a create that had succeeded answered
409; local_gateway.moto_speedups makes the emulator honour the token as DynamoDB does."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.builders import customer, every, usage_event


def resend_each_transaction_once(client: Any) -> list[dict[str, Any]]:
    """After each TransactWriteItems attempt that succeeded, ask botocore to send it again (its retry path,
    same request); returns the requests sent."""
    sent: list[dict[str, Any]] = []
    resent: set[int] = set()

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(params)

    def needs_retry(attempts: int, **_: Any) -> float | None:
        if attempts == 1 and len(sent) not in resent:
            resent.add(len(sent))
            return 0.0  # sleep 0 s, then send it again
        return None

    client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", record)
    client.meta.events.register_first("needs-retry.dynamodb.TransactWriteItems", needs_retry)
    return sent


@pytest.fixture
def resending(dynamodb_client: Any) -> Any:
    events = dynamodb_client.meta.events
    sent = resend_each_transaction_once(dynamodb_client)
    yield sent
    events.unregister("provide-client-params.dynamodb.TransactWriteItems")
    events.unregister("needs-retry.dynamodb.TransactWriteItems")


def test_a_resent_create_is_one_customer_and_no_conflict(dynamo_store: Any, resending: list) -> None:
    dynamo_store.customers.add(customer("c1", "ops@acme.example"))
    assert [c.id for c in every(dynamo_store.customers.list, limit=10)] == ["c1"]
    assert resending and all(request.get("ClientRequestToken") for request in resending)


def test_resent_events_are_stored_once(dynamo_store: Any, resending: list) -> None:
    dynamo_store.customers.add(customer("c1"))
    batch = [usage_event("e1", "5", 1_000), usage_event("e2", "1", 2_000)]
    assert dynamo_store.usage.record(batch).stored == (True, True)
    totals = dynamo_store.usage.period_aggregates("c1", "2025-09", "2025-10")
    assert [(feature, aggregate.count) for feature, _, aggregate in totals] == [("api", 2)]


def test_a_token_reused_with_other_items_is_refused(dynamodb_client: Any, dynamo_store: Any) -> None:
    table = dynamo_store.table.name
    put = {"Put": {"TableName": table, "Item": {"PK": {"S": "x"}, "SK": {"S": "1"}}}}
    dynamodb_client.transact_write_items(TransactItems=[put], ClientRequestToken="t-1")
    dynamodb_client.transact_write_items(TransactItems=[put], ClientRequestToken="t-1")  # a resend: fine
    other = {"Put": {"TableName": table, "Item": {"PK": {"S": "x"}, "SK": {"S": "2"}}}}
    with pytest.raises(ClientError) as refused:
        dynamodb_client.transact_write_items(TransactItems=[other], ClientRequestToken="t-1")
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
