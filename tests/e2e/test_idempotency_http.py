"""Idempotency-Key over real HTTP through the local gateway: retries replay, another body is refused
and keys are per caller."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import HttpClient

pytestmark = pytest.mark.e2e


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
