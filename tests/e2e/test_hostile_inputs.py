"""Issue 8's hostile inputs over real HTTP through the local gateway: a 4xx naming the field (404 for a
path), never a 5xx, nothing half-written, and the gateway keeps serving."""

from __future__ import annotations

import json

import pytest

from tests.hostile_inputs import HOSTILE, LARGEST_QUANTITY, SMALL_REPLY_BYTES, TS, Hostile

pytestmark = pytest.mark.e2e

SEPTEMBER = "start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z"


@pytest.fixture(scope="module")
def customer_id(gateway) -> str:
    status, customer = gateway.request("POST", "/v1/customers", {"name": "Target", "email": "hostile@acme.example"})
    assert status == 201, customer
    return customer["id"]


def _send(gateway, case: Hostile, customer_id: str) -> tuple[int, object]:
    payload = case.payload(customer_id)
    raw = payload.encode() if isinstance(payload, str) else payload if isinstance(payload, bytes) else None
    body = None if raw is not None else payload
    return gateway.request(case.method, case.path_with_query(customer_id), body, raw=raw)


@pytest.mark.parametrize("case", HOSTILE, ids=lambda case: case.name)
def test_each_hostile_input_is_a_4xx_naming_its_field(gateway, customer_id, case: Hostile):
    status, reply = _send(gateway, case, customer_id)

    assert 400 <= status < 500, reply
    if status == 413:  # the gateway's body limit may answer first
        return
    assert status == 400, reply
    assert case.field in [item["field"] for item in reply["error"]["fields"]], reply


def test_nothing_was_half_written_by_the_hostile_inputs(gateway, customer_id):
    for case in HOSTILE:
        _send(gateway, case, customer_id)

    assert [c["id"] for c in gateway.request("GET", "/v1/customers")[1]["data"]] == [customer_id]
    assert gateway.request("GET", "/v1/plans") == (200, {"data": [], "next_cursor": None})
    assert gateway.request("GET", f"/v1/customers/{customer_id}/usage?{SEPTEMBER}") == (200, [])
    assert gateway.request("GET", f"/v1/customers/{customer_id}/credits")[1]["entries"] == []
    assert gateway.request("GET", f"/v1/customers/{customer_id}/invoices") == (200, [])
    assert gateway.request("GET", "/v1/api-keys") == (200, {"data": [], "next_cursor": None})


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
