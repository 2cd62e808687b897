"""Idempotency-Key when the record of a reply cannot be saved, over real HTTP on both backends.

The gateway runs in this process (the template's routes, real payload-2.0 events, loopback HTTP) so that the
idempotency store's `save_success` can be made to fail once per route: the write it guarded is done, only the
record of its reply is lost. Each function's Lambda context gives it 2 s, so the record's in-progress lock
ends 2 s after the request began (29 s on AWS) and a retry after that runs the route again.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from billing import bootstrap
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import Services, build_services
from billing.domain.errors import StorageUnavailable

from local_gateway import runtime
from local_gateway.server import LocalGateway
from tests.integration.dynamo import REGION, create_table, create_table_arguments, moto_dynamodb

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "idempotency-faults-admin-key-0123456789abc"
LOCK_SECONDS = 2.0


@pytest.fixture(params=["sqlite", "dynamodb"])
def served(request, tmp_path, monkeypatch) -> Iterator[tuple[str, Services]]:
    monkeypatch.setenv("BILLING_ADMIN_API_KEY", ADMIN_KEY)
    fresh_context = runtime.lambda_context
    monkeypatch.setattr(
        runtime,
        "lambda_context",
        lambda function: replace(fresh_context(function), _deadline=time.monotonic() + LOCK_SECONDS),
    )
    with moto_dynamodb() as client:
        if request.param == "sqlite":
            storage: Any = SqliteStorage(tmp_path / "billing.db")
        else:
            from billing.adapters.dynamodb import DynamoStorage

            storage = DynamoStorage(create_table(client, create_table_arguments()), region=REGION)
        services = build_services(storage)
        bootstrap.use(services)
        try:
            with LocalGateway(ROOT / "template.yaml") as gateway:
                yield gateway.url, services
        finally:
            bootstrap.use(None)


def call(url: str, method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any, Any]:
    request = urllib.request.Request(
        url + path, data=None if body is None else json.dumps(body).encode(), method=method
    )
    request.add_header("authorization", f"Bearer {ADMIN_KEY}")
    if body is not None:
        request.add_header("content-type", "application/json")
    if key is not None:
        request.add_header("idempotency-key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def lose_the_next_success_records(services: Services, monkeypatch, count: int) -> list[str]:
    """The store's next `count` save_success calls raise, as a full disk or a throttled table would."""
    lost: list[str] = []
    save_success = services.idempotency.save_success

    def failing(data: dict[str, Any], result: dict) -> None:
        if len(lost) < count:
            lost.append(data["key"]["route"])
            raise StorageUnavailable("disk I/O error")
        save_success(data=data, result=result)

    monkeypatch.setattr(services.idempotency, "save_success", failing)
    return lost


def test_a_lost_success_record_never_writes_twice_and_every_reply_tells_the_truth(served, monkeypatch):
    url, services = served
    status, customer, _ = call(url, "POST", "/v1/customers", {"name": "Acme", "email": "ops@acme.example"})
    assert status == 201
    creates = [
        ("/v1/customers", {"name": "Retry Ltd", "email": "retry@faults.example"}),
        ("/v1/plans", {"name": "Retry plan", "prices": []}),
        (f"/v1/customers/{customer['id']}/credits", {"amount": "10.00"}),
        ("/v1/meters", {"feature": "api_calls", "event_type": "request"}),
        ("/v1/api-keys", {"customer_id": customer["id"]}),
    ]
    lost = lose_the_next_success_records(services, monkeypatch, len(creates))
    first = [call(url, "POST", path, body, key=f"retry-{path}") for path, body in creates]
    assert len(lost) == len(creates)  # every success record was lost
    # The truth: each was created (not a 503 "storage unavailable" for a write that was done).
    assert [status for status, _, _ in first] == [201] * len(creates), first
    assert first[2][1]["balance"] == "10.00"

    time.sleep(LOCK_SECONDS + 0.2)  # every first attempt's lock began before its reply: they have all ended
    again = [call(url, "POST", path, body, key=f"retry-{path}") for path, body in creates]
    for (_, made, _), (status, found, headers), (path, _) in zip(first[:4], again[:4], creates, strict=False):
        assert (status, found) == (201, made), path  # what the first attempt made (the grant: balance 10.00)
        assert headers["idempotent-replayed"] == "true", path
    status, refused, _ = again[4]
    assert status == 409 and refused["error"]["code"] == "api_key_already_created"
    assert first[4][1]["id"] in refused["error"]["message"] and first[4][1]["key"] not in json.dumps(refused)

    # One of each, whatever the retries did; the credit granted once.
    status, ledger, _ = call(url, "GET", f"/v1/customers/{customer['id']}/credits")
    assert (ledger["balance"], len(ledger["entries"])) == ("10.00", 1)
    assert len(services.customers.search("retry@faults.example")) == 1
    assert [plan.name for plan in services.plans.list().items] == ["Retry plan"]
    assert [key.id for key in services.api_keys.list().items] == [first[4][1]["id"]]
    # And now the record is saved: a third attempt is a replay of the second.
    assert call(url, "POST", *creates[2], key=f"retry-{creates[2][0]}")[1] == first[2][1]
