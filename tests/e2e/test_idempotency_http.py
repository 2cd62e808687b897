"""Idempotency-Key over real HTTP through the local gateway: retries replay, another body is refused,
keys are per caller, and an API key's secret is stored nowhere (not in the idempotency record either)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from local_gateway.aws_emulator import STATE_FILE_NAME, LocalAws
from tests.conftest import running_gateway
from tests.e2e.conftest import ADMIN_KEY, BACKENDS, HttpClient

pytestmark = pytest.mark.e2e


@dataclass
class GatewayWithData(HttpClient):
    data: Path = Path()


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def gateway(request, tmp_path_factory, dashboard_build) -> Iterator[GatewayWithData]:
    """The e2e gateway on each backend, logging all it may (DEBUG, and Powertools asked to log every event),
    with its data folder at hand (what it stores)."""
    data = tmp_path_factory.mktemp(f"idempotency-{request.param}")
    env = {**BACKENDS[request.param], "POWERTOOLS_LOG_LEVEL": "DEBUG", "POWERTOOLS_LOGGER_LOG_EVENT": "true"}
    with running_gateway(data, dashboard_build, ADMIN_KEY, env=env) as url:
        yield GatewayWithData(url, backend=request.param, data=data)


def stored_bytes(gateway: GatewayWithData) -> bytes:
    """Everything the backend holds: the SQLite files (database, -wal, -shm), or every item of every table."""
    if gateway.backend == "sqlite":
        return b"".join(path.read_bytes() for path in sorted(gateway.data.glob("billing.db*")))
    import boto3

    local = LocalAws.load(gateway.data / STATE_FILE_NAME)
    client = boto3.client(
        "dynamodb",
        endpoint_url=local.endpoint_url,
        region_name=local.region,
        aws_access_key_id=local.environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=local.environment["AWS_SECRET_ACCESS_KEY"],
    )
    items = [
        item
        for table in client.list_tables()["TableNames"]
        for page in client.get_paginator("scan").paginate(TableName=table)
        for item in page["Items"]
    ]
    return json.dumps(items, default=str).encode()


def post(gateway: HttpClient, path: str, body: Any, *, idempotency_key: str, key: str | None = None):
    request = urllib.request.Request(gateway.base_url + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("authorization", f"Bearer {key or gateway.key}")
    request.add_header("idempotency-key", idempotency_key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def test_a_retried_create_replays_the_first_reply_and_creates_one_customer(gateway):
    body = {"name": "Retry Ltd", "email": "retry@http.example"}
    first = post(gateway, "/v1/customers", body, idempotency_key="c-1")
    again = post(gateway, "/v1/customers", body, idempotency_key="c-1")
    assert first[0] == again[0] == 201 and first[1] == again[1]
    assert again[2]["idempotent-replayed"] == "true" and first[2]["idempotent-replayed"] is None
    status, found = gateway.request("GET", "/v1/customers?q=retry@http.example")
    assert status == 200 and [c["id"] for c in found["data"]] == [first[1]["id"]]


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(gateway):
    post(gateway, "/v1/plans", {"name": "A", "prices": []}, idempotency_key="p-1")
    status, error, _ = post(gateway, "/v1/plans", {"name": "B", "prices": []}, idempotency_key="p-1")
    assert status == 422 and error["error"]["code"] == "idempotency_key_reused"
    names = [plan["name"] for plan in gateway.request("GET", "/v1/plans")[1]["data"]]
    assert names.count("B") == 0 and names.count("A") == 1


def test_another_callers_key_cannot_replay_a_reply(gateway):
    status, customer = gateway.request("POST", "/v1/customers", {"name": "Scoped", "email": "scoped@http.example"})
    assert status == 201
    status, created, _ = post(gateway, "/v1/api-keys", {"customer_id": customer["id"]}, idempotency_key="shared")
    assert status == 201
    second_admin = gateway.request("POST", "/v1/api-keys", {"name": "second admin"})[1]["key"]
    status, other, _ = post(
        gateway, "/v1/api-keys", {"customer_id": customer["id"]}, idempotency_key="shared", key=second_admin
    )
    assert status == 201 and other["id"] != created["id"] and other["key"] != created["key"]


def test_an_api_keys_secret_is_stored_nowhere_and_a_retry_is_a_409_naming_the_key(gateway):
    status, customer = gateway.request("POST", "/v1/customers", {"name": "Secret", "email": "secret@http.example"})
    assert status == 201
    status, created, _ = post(gateway, "/v1/api-keys", {"customer_id": customer["id"]}, idempotency_key="sk-1")
    assert status == 201 and created["key"].startswith("sk_")
    secret = created["key"]
    assert gateway.request("GET", "/v1/whoami", key=secret) == (
        200,
        {"key_id": created["id"], "role": "customer", "customer_id": customer["id"]},
    )
    status, retried, headers = post(gateway, "/v1/api-keys", {"customer_id": customer["id"]}, idempotency_key="sk-1")
    assert status == 409 and retried["error"]["code"] == "api_key_already_created"
    assert created["id"] in retried["error"]["message"] and "create a new key" in retried["error"]["message"]
    assert headers["idempotent-replayed"] == "true" and secret not in json.dumps(retried)
    assert gateway.request("DELETE", f"/v1/api-keys/{created['id']}")[0] == 200
    status, revoked, _ = post(gateway, "/v1/api-keys", {"customer_id": customer["id"]}, idempotency_key="sk-1")
    assert status == 409 and secret not in json.dumps(revoked)

    stored = stored_bytes(gateway)
    assert hashlib.sha256(secret.encode()).hexdigest().encode() in stored  # the key and its hash are there
    assert b"api_key_already_created" in stored  # so is the idempotency record, holding the refusal
    assert secret.encode() not in stored and secret[len("sk_") :].encode() not in stored
    logs = b"".join((gateway.data / name).read_bytes() for name in ("gateway.out", "gateway.log"))
    assert b'"message":"request"' in logs.replace(b" ", b"")  # the request log ran, at DEBUG
    assert secret[len("sk_") :].encode() not in logs
