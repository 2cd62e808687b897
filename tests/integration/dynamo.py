"""DynamoDB for the contract suite: moto in-process, the table created from template.yaml's own
BillingTable resource, so the tests cannot drift from what deploys."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from local_gateway.aws_resources import table_arguments
from local_gateway.template import load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TABLE_RESOURCE = "BillingTable"
REGION = "eu-west-1"


def create_table_arguments(template: Path = TEMPLATE, resource: str = TABLE_RESOURCE) -> dict[str, Any]:
    """CreateTable's arguments from the CloudFormation resource's Properties, read the way the local
    gateway reads them (local_gateway.aws_resources.table_arguments)."""
    return table_arguments(load_yaml(template)["Resources"][resource]["Properties"])


_serial = threading.RLock()  # re-entrant: nested mocks wrap process_request twice


def _serialized(process_request: Any) -> Any:
    @functools.wraps(process_request)
    def one_at_a_time(self: Any, request: Any) -> Any:
        with _serial:
            return process_request(self, request)

    return one_at_a_time


@contextmanager
def moto_dynamodb() -> Iterator[Any]:
    """moto's in-process mock, serving one request at a time: moto's DynamoDB has no locks (a transaction
    snapshots and restores whole tables), so concurrent threads would see states DynamoDB never shows.
    Serialized, every request is atomic, as DynamoDB's are; threads still interleave between requests."""
    import boto3
    from moto import mock_aws
    from moto.core.botocore_stubber import BotocoreStubber

    from local_gateway import moto_speedups

    moto_speedups.install()  # transactions without whole-table copies, key queries without whole-table sorts
    original = BotocoreStubber.process_request
    BotocoreStubber.process_request = _serialized(original)  # type: ignore[method-assign]
    try:
        with mock_aws():
            yield boto3.session.Session(region_name=REGION).client("dynamodb")
    finally:
        BotocoreStubber.process_request = original  # type: ignore[method-assign]


def create_table(client: Any, arguments: dict[str, Any]) -> str:
    name = f"billing-{uuid.uuid4().hex[:12]}"
    client.create_table(TableName=name, **arguments)
    return name
