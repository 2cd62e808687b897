"""DynamoDB for the contract suite: moto in-process, the table created from template.yaml's own
BillingTable resource, so the tests cannot drift from what deploys."""

from __future__ import annotations

import copy
import functools
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from local_gateway.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TABLE_RESOURCE = "BillingTable"
REGION = "eu-west-1"


def create_table_arguments(template: Path = TEMPLATE, resource: str = TABLE_RESOURCE) -> dict[str, Any]:
    """CreateTable's arguments from the CloudFormation resource's Properties (what moto can create:
    keys, indexes, billing mode, encryption); PITR and deletion protection are set by CloudFormation
    after creation and have no bearing on behaviour."""
    properties = load_yaml(template)["Resources"][resource]["Properties"]
    arguments: dict[str, Any] = {
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties["BillingMode"],
    }
    if properties.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = [
            {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"], "Projection": index["Projection"]}
            for index in properties["GlobalSecondaryIndexes"]
        ]
    if (properties.get("SSESpecification") or {}).get("SSEEnabled"):
        arguments["SSESpecification"] = {"Enabled": True}
    return arguments


# Reentrant: moto_dynamodb() may be entered while a session-wide one is active (the bench inside the test run).
_serial = threading.RLock()


def _serialized(process_request: Any) -> Any:
    @functools.wraps(process_request)
    def one_at_a_time(self: Any, request: Any) -> Any:
        with _serial:
            return process_request(self, request)

    return one_at_a_time


class _OneSnapshotPerTable:
    """Stands in for the `copy` module inside moto's DynamoDB backend during a transaction: moto deep-copies
    the whole table once per item of a TransactWriteItems (to roll back), O(items × table). One snapshot
    per table per transaction rolls back the same; requests are serialized, so nothing changes between."""

    def __init__(self) -> None:
        self.snapshots: dict[int, Any] = {}

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if id(value) not in self.snapshots:
            self.snapshots[id(value)] = copy.deepcopy(value, memo)
        return self.snapshots[id(value)]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _one_snapshot(transact_write_items: Any) -> Any:
    @functools.wraps(transact_write_items)
    def transact(self: Any, transact_items: Any) -> Any:
        from moto.dynamodb import models

        models.copy = _OneSnapshotPerTable()  # type: ignore[attr-defined]
        try:
            return transact_write_items(self, transact_items)
        finally:
            models.copy = copy  # type: ignore[attr-defined]

    return transact


@contextmanager
def moto_dynamodb() -> Iterator[Any]:
    """moto's in-process mock, serving one request at a time: moto's DynamoDB has no locks (a transaction
    snapshots and restores whole tables), so concurrent threads would see states DynamoDB never shows.
    Serialized, every request is atomic, as DynamoDB's are; threads still interleave between requests.
    Its transactions snapshot each table once rather than once per item (see _OneSnapshotPerTable)."""
    import boto3
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.dynamodb.models import DynamoDBBackend

    original_process, original_transact = BotocoreStubber.process_request, DynamoDBBackend.transact_write_items
    BotocoreStubber.process_request = _serialized(original_process)  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _one_snapshot(original_transact)  # type: ignore[method-assign]
    try:
        with mock_aws():
            yield boto3.session.Session(region_name=REGION).client("dynamodb")
    finally:
        BotocoreStubber.process_request = original_process  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items = original_transact  # type: ignore[method-assign]


def create_table(client: Any, arguments: dict[str, Any]) -> str:
    name = f"billing-{uuid.uuid4().hex[:12]}"
    client.create_table(TableName=name, **arguments)
    return name
