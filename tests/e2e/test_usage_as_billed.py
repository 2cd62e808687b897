"""Usage as billed over real HTTP on both backends: for a customer's billing period exactly, the usage route's
`aggregation=billed` quantities are the invoice's usage line quantities, for every aggregation, in a draft of
a past period and in the upcoming invoice of the current one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.e2e

PLAN = {
    "name": "Every aggregation",
    "currency": "USD",
    "amount": "10.00",
    "prices": [
        {"feature": "seats", "model": "per_unit", "unit_amount": "8", "aggregation": "max"},
        {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.25", "aggregation": "latest"},
        {"feature": "requests", "model": "per_unit", "unit_amount": "0.01", "aggregation": "count"},
        {
            "feature": "api_calls",
            "model": "graduated",
            "tiers": [{"up_to": "100", "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.002"}],
        },
        {
            "feature": "active_users",
            "model": "per_unit",
            "unit_amount": "3",
            "aggregation": "unique_count",
            "property": "user_id",
        },
        {"feature": "unused", "model": "graduated", "tiers": [{"up_to": None, "unit_amount": "1", "flat_amount": "2"}]},
    ],
}


def iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


def events_of_period(prefix: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Usage of every feature at the period's first instant, inside it and at its last second, plus events just
    outside it that must count nowhere."""
    last = end - timedelta(seconds=1)
    middle = start + (end - start) / 2
    spec = [
        ("seats", "4", start, {}),
        ("seats", "9", middle, {}),
        ("seats", "6", last, {}),
        ("seats", "50", start - timedelta(seconds=1), {}),  # the period before
        ("storage_gb", "7.5", middle, {}),
        ("storage_gb", "2.25", last, {}),  # the latest
        ("storage_gb", "99", end, {}),  # the next period
        ("requests", "100", start, {}),
        ("requests", "300", last, {}),
        ("api_calls", "120", start, {}),
        ("api_calls", "35.5", last, {}),
        ("active_users", "1", start, {"user_id": "ada"}),
        ("active_users", "1", middle, {"user_id": "bob"}),
        ("active_users", "1", last, {"user_id": "ada"}),
        ("active_users", "1", middle, {}),  # without the property: not counted
        ("active_users", "1", end, {"user_id": "eve"}),  # the next period
        ("extra", "1.5", middle, {}),  # a feature the plan does not price: summed
        ("extra", "2", last, {}),
    ]
    return [
        {"id": f"{prefix}-{i}", "feature": f, "quantity": q, "ts": iso(at), **({"properties": p} if p else {})}
        for i, (f, q, at, p) in enumerate(spec)
    ]


def billed(gateway, customer_id: str, start: str, end: str) -> dict[str, tuple[str, str]]:
    query = urlencode({"start": start, "end": end, "aggregation": "billed"})
    status, items = gateway.request("GET", f"/v1/customers/{customer_id}/usage?{query}")
    assert status == 200, items
    return {item["feature"]: (item["quantity"], item["aggregation"]) for item in items}


def usage_lines(invoice: dict[str, Any]) -> dict[str, str]:
    return {line["feature"]: line["quantity"] for line in invoice["line_items"] if line["type"] == "usage"}


def assert_billed_usage_is_the_invoices(usage: dict[str, tuple[str, str]], invoice: dict[str, Any]) -> None:
    lines = usage_lines(invoice)
    assert {feature: quantity for feature, (quantity, _) in usage.items()} == {
        feature: quantity for feature, quantity in lines.items() if feature != "unused"
    }
    assert lines["unused"] == "0"  # its first tier's flat fee makes a line without usage


def test_billed_usage_of_a_period_is_its_drafts_and_its_upcoming_invoices_line_quantities(gateway):
    status, plan = gateway.request("POST", "/v1/plans", PLAN)
    assert status == 201, plan
    status, customer = gateway.request(  # a half-hour zone: the periods start at 18:30 UTC
        "POST", "/v1/customers", {"name": "Billed", "email": "billed@acme.example", "timezone": "Asia/Kolkata"}
    )
    assert status == 201
    customer_id = customer["id"]
    assert gateway.request("PUT", f"/v1/customers/{customer_id}/plan", {"plan_id": plan["id"]})[0] == 200
    september = (
        datetime.fromisoformat("2025-08-31T18:30:00+00:00"),
        datetime.fromisoformat("2025-09-30T18:30:00+00:00"),
    )
    status, upcoming = gateway.request("GET", f"/v1/customers/{customer_id}/upcoming-invoice")
    assert status == 200
    current = (datetime.fromisoformat(upcoming["period_start"]), datetime.fromisoformat(upcoming["period_end"]))
    events = events_of_period("past", *september) + events_of_period("now", *current)
    status, ingested = gateway.request("POST", "/v1/events/batch", {"customer_id": customer_id, "events": events})
    assert (status, ingested["accepted"]) == (200, len(events))

    gateway.run_billing("period=2025-09")
    status, invoices = gateway.request("GET", f"/v1/customers/{customer_id}/invoices")
    assert status == 200
    draft = next(invoice for invoice in invoices if invoice["period"] == "2025-09")
    past = billed(gateway, customer_id, draft["period_start"], draft["period_end"])
    assert past == {
        "active_users": ("2", "unique_count"),
        "api_calls": ("155.5", "sum"),
        "extra": ("3.5", "sum"),
        "requests": ("2", "count"),
        "seats": ("9", "max"),
        "storage_gb": ("2.25", "latest"),
    }
    assert_billed_usage_is_the_invoices(past, draft)

    status, upcoming = gateway.request("GET", f"/v1/customers/{customer_id}/upcoming-invoice")
    assert status == 200
    now = billed(gateway, customer_id, upcoming["period_start"], upcoming["period_end"])
    assert now == past  # the same usage, sent to the current period
    assert_billed_usage_is_the_invoices(now, upcoming)
