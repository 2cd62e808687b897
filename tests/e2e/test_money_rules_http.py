"""Regressions of issue 15 over real HTTP on both backends: plan charges only for periods a customer existed in
or used (SPEC R1), and a draft keeps its unit price while runs report unpriced usage (SPEC R2).

Each test bills periods no other test of this module bills, so a run's counts are its own customer's."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def create_customer(gateway, email: str, plan_id: str | None = None) -> dict:
    body = {"name": email.partition("@")[0], "email": email, **({"plan_id": plan_id} if plan_id else {})}
    status, customer = gateway.request("POST", "/v1/customers", body)
    assert status == 201, customer
    return customer


def send(gateway, customer: dict, *events: dict) -> None:
    status, ingested = gateway.request("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    assert (status, ingested["accepted"]) == (200, len(events)), ingested


def invoice_of(gateway, customer: dict, period: str) -> dict:
    status, invoices = gateway.request("GET", f"/v1/customers/{customer['id']}/invoices")
    assert status == 200, invoices
    (invoice,) = [i for i in invoices if i["period"] == period]
    return invoice


def lines(invoice: dict) -> list[tuple[str, str]]:
    return [(line["type"], line["amount"]) for line in invoice["line_items"]]


def test_a_customer_created_today_owes_no_plan_charges_for_a_month_it_neither_existed_in_nor_used(gateway):
    # The sequence: created today on a 49.00 fee and a 26.00 minimum, September 2025 usage backfilled.
    plan = {
        "name": "Fee and minimum",
        "amount": "49.00",
        "minimum_amount": "26.00",
        "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "0.10"}],
    }
    status, plan = gateway.request("POST", "/v1/plans", plan)
    assert status == 201, plan
    customer = create_customer(gateway, f"backfill-{gateway.backend}@acme.example", plan["id"])
    send(gateway, customer, {"id": "sep-1", "feature": "api_calls", "quantity": 10, "ts": "2025-09-10T12:00:00Z"})

    gateway.run_billing("period=2025-09")
    september = invoice_of(gateway, customer, "2025-09")
    assert lines(september) == [("plan_fee", "49.00"), ("usage", "1.00")]  # it used September: fee owed
    status, finalized = gateway.request("POST", f"/v1/invoices/{september['id']}/finalize")
    assert (status, finalized["total"]) == (200, "50.00")
    send(gateway, customer, {"id": "sep-late", "feature": "api_calls", "quantity": 5, "ts": "2025-09-20T12:00:00Z"})
    gateway.run_billing("period=2025-10")

    october = invoice_of(gateway, customer, "2025-10")
    assert lines(october) == [("adjustment", "0.50")]  # no plan fee, no minimum: October had neither
    assert (october["subtotal"], october["total"]) == ("0.50", "0.50")
    status, finalized = gateway.request("POST", f"/v1/invoices/{october['id']}/finalize")
    assert (status, lines(finalized)) == (200, [("adjustment", "0.50")])


def test_a_run_without_a_unit_price_keeps_the_drafts_and_one_with_a_price_re_prices_it(gateway):
    customer = create_customer(gateway, f"keeps-{gateway.backend}@acme.example")
    send(gateway, customer, {"id": "s-1", "feature": "storage", "quantity": "1.5", "ts": "2025-06-10T12:00:00Z"})

    gateway.run_billing("period=2025-06&unit_price=0.01")
    priced = invoice_of(gateway, customer, "2025-06")
    assert [(line["description"], line["amount"]) for line in priced["line_items"]] == [
        ("storage: 1.5 units at 0.01 USD", "0.02")
    ]
    assert priced["unit_price"] == "0.01"

    run = gateway.run_billing("period=2025-06")
    assert invoice_of(gateway, customer, "2025-06") == priced  # not re-priced to 0.00, not even rewritten
    status, report = gateway.request("GET", f"/v1/billing-runs/{run['billing_run_id']}")
    assert (status, report["customers_with_unpriced_usage"], report["unpriced_usage"]) == (200, 0, [])

    gateway.run_billing("period=2025-06&unit_price=0.02")
    repriced = invoice_of(gateway, customer, "2025-06")
    assert [(line["description"], line["amount"]) for line in repriced["line_items"]] == [
        ("storage: 1.5 units at 0.02 USD", "0.03")
    ]
    gateway.run_billing("period=2025-06")
    kept = invoice_of(gateway, customer, "2025-06")
    assert (kept["total"], kept["unit_price"]) == ("0.03", "0.02")


def test_usage_with_no_price_anywhere_is_listed_at_zero_and_the_run_reports_it(gateway):
    customer = create_customer(gateway, f"unpriced-{gateway.backend}@acme.example")
    send(
        gateway,
        customer,
        {"id": "s-1", "feature": "storage", "quantity": "1.5", "ts": "2025-05-10T12:00:00Z"},
        {"id": "m-1", "feature": "sms", "quantity": 3, "ts": "2025-05-11T12:00:00Z"},
    )

    run = gateway.run_billing("period=2025-05")

    invoice = invoice_of(gateway, customer, "2025-05")
    assert [(line["description"], line["amount"]) for line in invoice["line_items"]] == [
        ("sms: 3 units (no price set)", "0.00"),
        ("storage: 1.5 units (no price set)", "0.00"),
    ]
    expected = [{"customer_id": customer["id"], "invoice_id": invoice["id"], "features": ["sms", "storage"]}]
    if gateway.backend == "sqlite":  # billed in the answer; with the SQS queue the workers bill after it
        assert run["unpriced_usage"] == expected
    status, report = gateway.request("GET", f"/v1/billing-runs/{run['billing_run_id']}")
    assert status == 200, report
    assert (report["customers_with_unpriced_usage"], report["unpriced_usage"]) == (1, expected)
    assert report["unpriced_usage_next_cursor"] is None
