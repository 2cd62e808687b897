"""The storage contract suite runs every test against every adapter: `store` is a fresh SQLite file, or a
fresh DynamoDB table (moto, in-process) created from template.yaml's BillingTable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from billing.adapters.sqlite import SqliteStorage

from tests.integration.dynamo import REGION, create_table, create_table_arguments, moto_dynamodb

ADAPTERS = ["sqlite", "dynamodb"]


@pytest.fixture(scope="session")
def dynamodb_client() -> Iterator[Any]:
    """One moto mock per test session; each test gets a table of its own (a few ms to create)."""
    with moto_dynamodb() as client:
        yield client


@pytest.fixture(scope="session")
def table_arguments() -> dict[str, Any]:
    return create_table_arguments()


def dynamo_storage(client: Any, arguments: dict[str, Any]) -> Any:
    from billing.adapters.dynamodb import DynamoStorage

    return DynamoStorage(create_table(client, arguments), region=REGION, client=client)


@pytest.fixture(params=ADAPTERS)
def store(request, tmp_path) -> Iterator[Any]:
    if request.param == "sqlite":
        adapter = SqliteStorage(tmp_path / "nested" / "folder" / "billing.db")
        yield adapter
        adapter.close()
    else:
        yield dynamo_storage(request.getfixturevalue("dynamodb_client"), request.getfixturevalue("table_arguments"))


@pytest.fixture
def dynamo_store(dynamodb_client, table_arguments) -> Any:
    """The DynamoDB adapter alone, for its own tests (limits, request counts)."""
    return dynamo_storage(dynamodb_client, table_arguments)
