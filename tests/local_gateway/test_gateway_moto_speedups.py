"""local_gateway.moto_speedups: moto's transactions without whole-table copies, cancelled ones still undone; and
the emulator's requests served in arrival order."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.table import Table

from local_gateway.aws_emulator import FifoLock
from tests.integration.dynamo import create_table, moto_dynamodb

NOT_EXISTS = "attribute_not_exists(PK)"


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, str]]:
    with moto_dynamodb() as client:
        name = create_table(
            client,
            {
                "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
                "AttributeDefinitions": [
                    {"AttributeName": "PK", "AttributeType": "S"},
                    {"AttributeName": "SK", "AttributeType": "S"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
            },
        )
        for sort_key, count in (("b", "1"), ("c", "1"), ("d", "1")):
            client.put_item(TableName=name, Item={"PK": {"S": "p"}, "SK": {"S": sort_key}, "n": {"N": count}})
        yield client, name


@pytest.fixture
def table_copies(monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """Every deep copy moto makes of a whole table."""
    copies: list[Table] = []

    def counted(self: Table, memo: Any) -> Table:
        copies.append(self)
        clone = Table.__new__(Table)
        clone.__dict__.update({k: v for k, v in self.__dict__.items()})  # enough for a rollback to restore
        return clone

    monkeypatch.setattr(Table, "__deepcopy__", counted, raising=False)
    return copies


def everything(client: Any, name: str) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=name, ConsistentRead=True)["Items"], key=lambda item: item["SK"]["S"])


def put(name: str, sort_key: str, condition: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"TableName": name, "Item": {"PK": {"S": "p"}, "SK": {"S": sort_key}, "n": {"N": "9"}}}
    if condition:
        action["ConditionExpression"] = condition
    return {"Put": action}


def add_one(name: str, sort_key: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": name,
            "Key": {"PK": {"S": "p"}, "SK": {"S": sort_key}},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def delete(name: str, sort_key: str) -> dict[str, Any]:
    return {"Delete": {"TableName": name, "Key": {"PK": {"S": "p"}, "SK": {"S": sort_key}}}}


def test_a_transaction_cancelled_by_one_condition_of_several_leaves_every_item_as_it_was(
    dynamodb: tuple[Any, str], table_copies: list[Table]
) -> None:
    # moto applies the actions whose conditions hold (a new item, an update, a delete) before it cancels on
    # the one that fails: each must be undone, and without copying the table (the copy cost the whole table).
    client, name = dynamodb
    before = everything(client, name)

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                put(name, "a", NOT_EXISTS),
                add_one(name, "b"),
                put(name, "c", NOT_EXISTS),  # c exists: this one fails
                delete(name, "d"),
                add_one(name, "e"),  # a new item made by an update
            ]
        )

    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed", "None", "None"]
    assert everything(client, name) == before
    assert table_copies == []


def test_a_transaction_moto_refuses_half_way_is_undone_too(dynamodb: tuple[Any, str]) -> None:
    client, name = dynamodb
    before = everything(client, name)

    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=[add_one(name, "b"), delete(name, "c"), add_one(name, "b")])

    assert refused.value.response["Error"]["Code"] == "ValidationException"  # two actions on one item
    assert everything(client, name) == before


def test_a_transaction_whose_conditions_hold_writes_everything_without_copying_the_table(
    dynamodb: tuple[Any, str], table_copies: list[Table]
) -> None:
    client, name = dynamodb

    client.transact_write_items(
        TransactItems=[put(name, "a", NOT_EXISTS), add_one(name, "b"), delete(name, "d"), add_one(name, "e")]
    )

    assert [(item["SK"]["S"], item["n"]["N"]) for item in everything(client, name)] == [
        ("a", "9"),
        ("b", "2"),
        ("c", "1"),
        ("e", "1"),
    ]
    assert table_copies == []


def test_the_emulators_requests_take_turns_in_arrival_order() -> None:
    # threading.Lock is not fair: under 8 writers one request waited past the client's read timeout.
    lock = FifoLock()
    order: list[int] = []
    lock.__enter__()
    waiters = []
    for number in range(5):
        waiter = threading.Thread(target=lambda n=number: (lock.__enter__(), order.append(n), lock.__exit__()))
        waiter.start()
        waiters.append(waiter)
        while len(lock._waiting) < number + 1:  # this one is queued before the next starts
            time.sleep(0.001)
    lock.__exit__()
    for waiter in waiters:
        waiter.join(timeout=10)

    assert order == [0, 1, 2, 3, 4]
