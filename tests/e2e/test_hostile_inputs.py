"""Hostile inputs over real HTTP through the local gateway, on both backends: each case of tests/hostile_inputs.py
is a 4xx naming its field (404 for a path), never a 5xx, nothing half-written, and the gateway keeps serving; every
operation of the OpenAPI document (the drop-in routes included) takes the generic hostile bodies and crafted
cursors without a 5xx, refusing them where it reads them."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.hostile_inputs import (
    CRAFTED_CURSORS,
    DROP_IN,
    GENERIC_BODIES,
    HOSTILE,
    LARGEST_QUANTITY,
    METER,
    SMALL_REPLY_BYTES,
    TARGET,
    TS,
    Hostile,
    named_fields,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SEPTEMBER = "start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z"
EVERY_INSTANT = "start=2000-01-01T00:00:00Z&end=2100-01-01T00:00:00Z"
# The shipped document, which tests/handlers/test_openapi.py proves is what the routes declare and the template serves.
DOCUMENT = json.loads((ROOT / "functions/openapi/openapi.json").read_text())
OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item]


@pytest.fixture(scope="module")
def customer_id(gateway) -> str:
    status, customer = gateway.request("POST", "/v1/customers", TARGET)
    assert status == 201, customer
    status, meter = gateway.request("POST", "/v1/meters", METER)
    assert status == 201, meter
    return customer["id"]


def _send(gateway, case: Hostile, customer_id: str) -> tuple[int, object]:
    payload = case.payload(customer_id)
    raw = payload.encode() if isinstance(payload, str) else payload if isinstance(payload, bytes) else None
    body = None if raw is not None else payload
    headers = {"content-type": case.content_type}
    return gateway.request(case.method, case.path_with_query(customer_id), body, raw=raw, headers=headers)


@pytest.mark.parametrize("case", HOSTILE + DROP_IN, ids=lambda case: case.name)
def test_each_hostile_input_is_a_4xx_naming_its_field(gateway, customer_id, case: Hostile):
    status, reply = _send(gateway, case, customer_id)

    assert 400 <= status < 500, reply
    if status == 413:  # the gateway's body limit may answer first
        return
    assert status == case.status, reply
    assert case.field in named_fields(reply), reply


def test_nothing_was_half_written_by_the_hostile_inputs(gateway, customer_id):
    for case in HOSTILE + DROP_IN:
        _send(gateway, case, customer_id)

    assert [c["id"] for c in gateway.request("GET", "/v1/customers")[1]["data"]] == [customer_id]
    assert gateway.request("GET", "/v1/plans") == (200, {"data": [], "next_cursor": None})
    assert gateway.request("GET", f"/v1/customers/{customer_id}/usage?{EVERY_INSTANT}") == (200, [])
    assert gateway.request("GET", f"/v1/customers/{customer_id}/credits")[1]["entries"] == []
    assert gateway.request("GET", f"/v1/customers/{customer_id}/invoices") == (200, [])
    assert gateway.request("GET", "/v1/api-keys") == (200, {"data": [], "next_cursor": None})


def _concrete(path: str, customer_id: str) -> str:
    return path.replace("{customer_id}", customer_id).replace("{", "").replace("}", "")


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_takes_the_generic_hostile_bodies_without_a_5xx(gateway, customer_id, method, path):
    declared = DOCUMENT["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    for content_type in declared or ["application/json"]:
        for name, body in GENERIC_BODIES.items():
            raw = body.encode() if isinstance(body, str) else body
            status, reply = gateway.request(
                method, _concrete(path, customer_id), raw=raw, headers={"content-type": content_type}
            )
            assert status < 500, (name, content_type, reply)
            if not declared:
                continue  # a body where none is read: whatever the route answers without one
            assert status in (400, 422), (name, content_type, reply)
            assert len(json.dumps(reply)) < 2_000, name  # never echoed back
            if "json" in content_type:
                assert "body" in named_fields(reply), (name, content_type, reply)


CURSOR_PARAMETERS = [
    (path, parameter["name"])
    for path, item in DOCUMENT["paths"].items()
    for parameter in item.get("get", {}).get("parameters", [])
    if parameter["in"] == "query" and parameter["name"].endswith("cursor")
]


def test_every_listing_refuses_a_crafted_cursor_naming_it(gateway, customer_id):
    run = gateway.run_billing("period=2025-08")
    ids = {"run_id": run["billing_run_id"], "customer_id": customer_id}
    assert {path for path, _ in CURSOR_PARAMETERS} >= {"/v1/customers", "/v1/invoices", "/v1/billing-runs/{run_id}"}
    for path, parameter in CURSOR_PARAMETERS:
        concrete = path.format(**ids)
        for name, cursor in CRAFTED_CURSORS.items():
            status, reply = gateway.request("GET", f"{concrete}?{urlencode({parameter: cursor})}")
            assert (status, named_fields(reply)) == (400, [parameter]), (path, name, reply)


def test_a_customer_key_gets_a_400_for_a_crafted_cursor_on_its_own_invoices(gateway, customer_id):
    status, key = gateway.request("POST", "/v1/api-keys", {"customer_id": customer_id})
    assert status == 201, key
    for name, cursor in CRAFTED_CURSORS.items():
        query = urlencode({"customer_id": customer_id, "cursor": cursor})
        status, reply = gateway.request("GET", f"/v1/invoices?{query}", key=key["key"])
        assert (status, named_fields(reply)) == (400, ["cursor"]), (name, reply)


def test_a_static_path_of_5000_segments_is_a_404(gateway):
    status, reply = gateway.request("GET", "/a" * 5_000, key="")
    assert status == 404, reply
    status, _ = gateway.request("GET", "/v1/health", key="")
    assert status == 200


def test_the_largest_quantity_bills_and_reads_back_small_and_exact(gateway):
    status, customer = gateway.request("POST", "/v1/customers", {"name": "Big", "email": "big@acme.example"})
    assert status == 201
    events = [{"id": f"big-{i}", "feature": "bytes", "quantity": LARGEST_QUANTITY, "ts": TS} for i in range(1_000)]
    status, _ = gateway.request("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    assert status == 200

    status, usage = gateway.request("GET", f"/v1/customers/{customer['id']}/usage?{SEPTEMBER}")
    assert status == 200 and len(json.dumps(usage)) < SMALL_REPLY_BYTES
    assert usage == [{"feature": "bytes", "quantity": "999999999999999999.999999000"}]
    assert gateway.run_billing("period=2025-09&unit_price=0.000000000001")["status"] == "done"
    status, invoices = gateway.request("GET", f"/v1/customers/{customer['id']}/invoices")
    assert status == 200 and invoices[0]["total"] == "1000000.00"
