"""The seed's whole flow over real HTTP through the local gateway: customer, events, usage, billing, invoices."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e

SEPTEMBER = "start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z"


def test_the_seed_demo_bills_exact_totals(gateway):
    # Given a customer with September usage
    status, customer = gateway.request("POST", "/v1/customers", {"name": "Acme", "email": "demo@acme.example"})
    assert status == 201
    events = [
        {"id": f"call-{i}", "feature": "api_calls", "quantity": 10, "ts": f"2025-09-{i + 1:02d}T12:00:00Z"}
        for i in range(15)
    ]
    events += [
        {"id": "storage-1", "feature": "storage", "quantity": 1, "ts": "2025-09-10T00:00:00Z"},
        {"id": "storage-2", "feature": "storage", "quantity": "0.5", "ts": "2025-09-20T00:00:00+02:00"},
        {"id": "october", "feature": "api_calls", "quantity": 1000, "ts": "2025-10-01T00:00:00Z"},
    ]
    status, ingested = gateway.request("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    assert (status, ingested["accepted"], ingested["duplicates"]) == (200, 18, 0)

    # When we read its usage and bill September at 0.01 per unit
    status, usage = gateway.request("GET", f"/v1/customers/{customer['id']}/usage?{SEPTEMBER}")
    assert (status, usage) == (
        200,
        [{"feature": "api_calls", "quantity": "150"}, {"feature": "storage", "quantity": "1.5"}],
    )
    run = gateway.run_billing("period=2025-09&unit_price=0.01")
    assert run["status"] == "done" and run["customers_queued"] >= 1

    # Then its invoice has one exact line per feature
    status, invoices = gateway.request("GET", f"/v1/customers/{customer['id']}/invoices")
    assert status == 200 and len(invoices) == 1
    invoice = invoices[0]
    assert (invoice["period"], invoice["status"], invoice["currency"]) == ("2025-09", "draft", "USD")
    assert [(line["feature"], line["quantity"], line["amount"]) for line in invoice["line_items"]] == [
        ("api_calls", "150", "1.50"),
        ("storage", "1.5", "0.02"),
    ]  # 0.015 rounds half up
    assert (invoice["subtotal"], invoice["total"]) == ("1.52", "1.52")
    assert gateway.request("GET", f"/v1/invoices/{invoice['id']}") == (200, invoice)


def test_a_duplicate_event_id_is_never_counted_twice_over_http(gateway):
    _, customer = gateway.request("POST", "/v1/customers", {"name": "Dup", "email": "dup@acme.example"})
    batch = {
        "customer_id": customer["id"],
        "events": [{"id": "tx-1", "feature": "api_calls", "quantity": 7, "ts": "2025-09-05T08:00:00Z"}],
    }
    assert gateway.request("POST", "/v1/events/batch", batch)[1]["accepted"] == 1
    status, retry = gateway.request("POST", "/v1/events/batch", batch)
    assert (status, retry["accepted"], retry["duplicates"]) == (200, 0, 1)
    assert gateway.request("GET", f"/v1/customers/{customer['id']}/usage?{SEPTEMBER}")[1] == [
        {"feature": "api_calls", "quantity": "7"}
    ]


def test_re_running_billing_recomputes_the_same_invoice_instead_of_adding_one(gateway):
    _, customer = gateway.request("POST", "/v1/customers", {"name": "Rerun", "email": "rerun@acme.example"})
    send = {
        "customer_id": customer["id"],
        "events": [{"id": "r-1", "feature": "api_calls", "quantity": 100, "ts": "2025-08-05T08:00:00Z"}],
    }
    gateway.request("POST", "/v1/events/batch", send)
    first = gateway.run_billing("period=2025-08&unit_price=0.01")
    send["events"] = [{"id": "r-2", "feature": "api_calls", "quantity": 50, "ts": "2025-08-06T08:00:00Z"}]
    gateway.request("POST", "/v1/events/batch", send)
    second = gateway.run_billing("period=2025-08&unit_price=0.01")
    assert first["billing_run_id"] != second["billing_run_id"]  # two runs, one invoice:
    _, invoices = gateway.request("GET", f"/v1/customers/{customer['id']}/invoices")
    assert [(i["period"], i["total"]) for i in invoices] == [("2025-08", "1.50")]


def test_the_gateway_answers_like_api_gateway_without_or_with_a_wrong_key(gateway):
    assert gateway.request("GET", "/v1/customers", key="") == (401, {"message": "Unauthorized"})
    assert gateway.request("GET", "/v1/customers", key="wrong-key") == (403, {"message": "Forbidden"})
    assert gateway.request("GET", "/v1/nope") == (404, {"message": "Not Found"})
    assert gateway.request("GET", "/v1/health", key="") == (200, {"status": "ok"})


def test_invalid_json_and_duplicate_emails_get_clear_4xx_over_http(gateway):
    status, body = gateway.request("POST", "/v1/customers", raw=b"{oops")
    assert status == 400 and body["error"]["fields"][0]["field"] == "body"
    gateway.request("POST", "/v1/customers", {"name": "A", "email": "same@acme.example"})
    status, body = gateway.request("POST", "/v1/customers", {"name": "B", "email": "same@acme.example"})
    assert status == 409 and body["error"]["fields"][0]["field"] == "email"


def test_the_dashboard_is_served_at_the_root(gateway):
    status, page = gateway.request("GET", "/", key="")
    assert status == 200 and "<html" in page.lower() and "main.js" in page
