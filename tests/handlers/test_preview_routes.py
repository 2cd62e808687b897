"""GET /v1/customers/{id}/upcoming-invoice and POST /v1/customers/{id}/estimate: invoices composed from the usage
so far and stored nowhere."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from billing.http.authorizer import Principal
from billing.services import NewEvent

from functions.estimate_invoice.app import lambda_handler as estimate_handler
from local_gateway.events import http_event

UPCOMING = "GET /v1/customers/{customer_id}/upcoming-invoice"
ESTIMATE = "POST /v1/customers/{customer_id}/estimate"
# Plan fee 10.00, 1,000 calls free then 0.002 each, at least 25.00 a period.
GROWTH = {
    "name": "Growth",
    "amount": "10.00",
    "minimum_amount": "25.00",
    "prices": [
        {
            "feature": "api_calls",
            "model": "graduated",
            "tiers": [{"up_to": "1000", "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.002"}],
        }
    ],
}
STARTER = {"name": "Starter", "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}]}


def plan(api, spec: dict[str, Any]) -> dict[str, Any]:
    reply = api("create_plan", "POST /v1/plans", "/v1/plans", spec)
    assert reply.status == 201, reply.body
    return reply.body


def customer(api, plan_id: str | None = None, timezone: str = "UTC") -> dict[str, Any]:
    body = {"name": "Ada", "email": f"ada.{uuid.uuid4().hex[:8]}@example.com", "timezone": timezone, "plan_id": plan_id}
    reply = api("create_customer", "POST /v1/customers", "/v1/customers", body)
    assert reply.status == 201, reply.body
    return reply.body


def calls(api, customer_id: str, *usage: tuple[str, int]) -> None:
    events = [
        NewEvent("api_calls", Decimal(quantity), datetime.fromisoformat(ts), f"evt_{ts}") for ts, quantity in usage
    ]
    assert api.services.ingest.ingest(customer_id, events).accepted == len(events)


def upcoming(api, customer_id: str):
    return api("get_upcoming_invoice", UPCOMING, f"/v1/customers/{customer_id}/upcoming-invoice")


def estimate(api, customer_id: str, body: Any):
    return api("estimate_invoice", ESTIMATE, f"/v1/customers/{customer_id}/estimate", body)


def amounts(invoice: dict[str, Any]) -> list[tuple[str, str]]:
    return [(line["type"], line["amount"]) for line in invoice["line_items"]]


def test_the_upcoming_invoice_is_the_current_periods_usage_so_far_with_fee_minimum_and_credit(api):
    """Given a customer on Growth with 5.00 of credit and 1,500 calls so far in October (and some in September),
    when it asks for its upcoming invoice on 2 October, then it sees October's invoice as it stands."""
    ada = customer(api, plan(api, GROWTH)["id"])
    calls(api, ada["id"], ("2025-09-20T12:00:00+00:00", 9000), ("2025-10-01T12:00:00+00:00", 1200))
    calls(api, ada["id"], ("2025-10-02T08:00:00+00:00", 300))
    api.services.credits.grant(ada["id"], Decimal("5.00"))

    reply = upcoming(api, ada["id"])

    assert reply.status == 200, reply.body
    invoice = reply.body
    assert (invoice["status"], invoice["period"], invoice["currency"]) == ("upcoming", "2025-10", "USD")
    assert (invoice["period_start"], invoice["period_end"]) == ("2025-10-01T00:00:00Z", "2025-11-01T00:00:00Z")
    assert amounts(invoice) == [("plan_fee", "10.00"), ("usage", "1.00"), ("minimum", "14.00"), ("credit", "-5.00")]
    assert (invoice["subtotal"], invoice["credits_applied"], invoice["total"]) == ("25.00", "5.00", "20.00")
    assert invoice["line_items"][1]["quantity"] == "1500"
    assert (invoice["plan_name"], invoice["as_of"], invoice["events_counted"]) == ("Growth", "2025-10-02T09:30:00Z", 2)
    assert "id" not in invoice


def test_the_upcoming_invoice_is_stored_nowhere_and_consumes_no_credit(api):
    ada = customer(api, plan(api, GROWTH)["id"])
    calls(api, ada["id"], ("2025-10-01T12:00:00+00:00", 1200))
    api.services.credits.grant(ada["id"], Decimal("5.00"))

    assert upcoming(api, ada["id"]).status == 200

    assert api.services.invoices.for_customer(ada["id"]) == []
    assert api.services.credits.ledger(ada["id"]).balance == Decimal("5.00")


def test_the_upcoming_period_is_the_month_holding_now_in_the_customers_timezone(api, clock):
    """At 12:00 UTC on 30 September it is already 1 October in Auckland (UTC+13): an Auckland customer's
    upcoming invoice is October's, and counts the event of 00:30 Auckland time on 1 October."""
    clock.now = datetime(2025, 9, 30, 12, tzinfo=UTC)
    kiwi = customer(api, timezone="Pacific/Auckland")
    london = customer(api, timezone="Europe/London")
    calls(api, kiwi["id"], ("2025-09-30T10:00:00+00:00", 7), ("2025-09-30T11:30:00+00:00", 5))

    kiwi_invoice, london_invoice = upcoming(api, kiwi["id"]).body, upcoming(api, london["id"]).body

    assert (kiwi_invoice["period"], kiwi_invoice["period_start"]) == ("2025-10", "2025-09-30T11:00:00Z")
    assert [line["quantity"] for line in kiwi_invoice["line_items"]] == ["5"]
    assert (london_invoice["period"], london_invoice["period_start"]) == ("2025-09", "2025-08-31T23:00:00Z")


def test_a_customer_without_plan_or_usage_has_an_empty_upcoming_invoice(api):
    reply = upcoming(api, customer(api)["id"])

    assert reply.status == 200
    assert (reply.body["line_items"], reply.body["total"], reply.body["plan_id"]) == ([], "0.00", None)


def test_an_unknown_customers_upcoming_invoice_is_404(api):
    reply = upcoming(api, "cus_missing")

    assert (reply.status, reply.body["error"]["code"]) == (404, "not_found")


def test_an_estimate_rates_the_periods_usage_under_another_plan_beside_the_customers_own(api):
    growth = plan(api, GROWTH)
    ada = customer(api, plan(api, STARTER)["id"])
    calls(api, ada["id"], ("2025-09-20T12:00:00+00:00", 3500), ("2025-10-01T12:00:00+00:00", 100))

    reply = estimate(api, ada["id"], {"period": "2025-09", "plan_id": growth["id"]})

    assert reply.status == 200, reply.body
    assert reply.body["period"] == "2025-09"
    current, other = reply.body["current"], reply.body["estimate"]
    assert (current["plan_name"], amounts(current), current["total"]) == ("Starter", [("usage", "35.00")], "35.00")
    assert (other["plan_id"], other["plan_name"]) == (growth["id"], "Growth")
    assert amounts(other) == [("plan_fee", "10.00"), ("usage", "5.00"), ("minimum", "10.00")]
    assert (other["status"], other["total"], other["period_end"]) == ("estimate", "25.00", "2025-10-01T00:00:00Z")


def test_an_estimate_leaves_out_credit_and_writes_nothing(api):
    ada = customer(api, plan(api, STARTER)["id"])
    calls(api, ada["id"], ("2025-09-20T12:00:00+00:00", 3500))
    api.services.credits.grant(ada["id"], Decimal("100.00"))
    plans_before = api.services.plans.list().items

    reply = estimate(api, ada["id"], {"period": "2025-09", "plan": GROWTH})

    assert reply.status == 200, reply.body
    assert (reply.body["current"]["total"], reply.body["estimate"]["total"]) == ("35.00", "25.00")
    assert reply.body["estimate"]["credits_applied"] == "0.00"
    assert (reply.body["estimate"]["plan_id"], reply.body["estimate"]["plan_name"]) == (None, "Growth")
    assert api.services.plans.list().items == plans_before
    assert api.services.invoices.for_customer(ada["id"]) == []
    assert api.services.credits.ledger(ada["id"]).balance == Decimal("100.00")


def test_an_inline_plan_is_rated_exactly_with_its_tier_breakdown(api):
    ada = customer(api)
    calls(api, ada["id"], ("2025-09-20T12:00:00+00:00", 1001))
    volume = {
        "name": "Volume",
        "currency": "EUR",
        "prices": [
            {
                "feature": "api_calls",
                "model": "volume",
                "tiers": [{"up_to": "1000", "unit_amount": "0.003"}, {"up_to": None, "unit_amount": "0.0015"}],
            }
        ],
    }

    reply = estimate(api, ada["id"], {"period": "2025-09", "plan": volume})

    other = reply.body["estimate"]
    assert (other["currency"], other["total"]) == ("EUR", "1.50")  # 1,001 × 0.0015 = 1.5015, half up to cents
    assert other["line_items"][0]["breakdown"][0]["units"] == "1001"
    assert reply.body["current"]["line_items"][0]["description"].endswith("(no price set)")


def test_without_a_period_the_estimate_is_of_the_current_period(api):
    ada = customer(api)

    reply = estimate(api, ada["id"], {"plan": STARTER})

    assert (reply.status, reply.body["period"]) == (200, "2025-10")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2025-09"}, "plan_id"),
        ({"period": "2025-09", "plan_id": "plan_missing"}, "plan_id"),
        ({"period": "2025-13", "plan": STARTER}, "period"),
        ({"period": "09/2025", "plan": STARTER}, "period"),
        ({"period": "2025-09", "plan": {"prices": []}}, "plan.name"),
        ({"period": "2025-09", "plan": {**STARTER, "currency": "XXX1"}}, "plan.currency"),
        ({"period": "2025-09", "plan": {**STARTER, "surprise": 1}}, "plan.surprise"),
        ({"period": "2025-09", "plan": {**STARTER, "prices": [{"feature": "a", "model": "nope"}]}}, "plan.prices[0]"),
        (
            {
                "period": "2025-09",
                "plan": {
                    **STARTER,
                    "prices": [
                        {"feature": "a", "model": "graduated", "tiers": [{"up_to": "5", "unit_amount": "0.001"}]}
                    ],
                },
            },
            "plan.prices[0].tiers",
        ),
    ],
)
def test_a_bad_estimate_request_is_400_naming_the_field(api, body, field):
    ada = customer(api, plan(api, STARTER)["id"])

    reply = estimate(api, ada["id"], body)

    assert reply.status == 400, reply.body
    assert reply.error_fields()[0].startswith(field), reply.body


def test_a_plan_id_and_an_inline_plan_together_are_400_naming_plan(api):
    growth = plan(api, GROWTH)
    ada = customer(api)

    reply = estimate(api, ada["id"], {"plan_id": growth["id"], "plan": GROWTH})

    assert (reply.status, reply.error_fields()) == (400, ["plan"])


def test_a_customer_key_estimates_with_inline_plans_or_its_own_but_never_sees_another_stored_plan(api, lambda_context):
    own, secret = plan(api, STARTER), plan(api, GROWTH)
    ada = customer(api, own["id"])
    calls(api, ada["id"], ("2025-09-20T12:00:00+00:00", 3500))

    def as_ada(body: dict[str, Any]) -> tuple[int, Any]:
        path = f"/v1/customers/{ada['id']}/estimate"
        event = http_event(
            "POST",
            path,
            route_key=ESTIMATE,
            body=body,
            path_parameters={"customer_id": ada["id"]},
            authorizer_context=Principal("key_ada", "customer", ada["id"]).as_context(),
        )
        reply = estimate_handler(event, lambda_context)
        return reply["statusCode"], json.loads(reply["body"])

    status, refused = as_ada({"period": "2025-09", "plan_id": secret["id"]})
    assert status == 400 and refused["error"]["fields"][0]["field"] == "plan_id"
    assert "Growth" not in json.dumps(refused) and "0.002" not in json.dumps(refused)
    assert as_ada({"period": "2025-09", "plan_id": own["id"]})[0] == 200
    status, inline = as_ada({"period": "2025-09", "plan": GROWTH})
    assert (status, inline["estimate"]["total"]) == (200, "25.00")


def test_stored_usage_that_cannot_be_rated_is_a_409_naming_the_feature_not_a_500(api):
    ada = customer(api, plan(api, STARTER)["id"])
    api.services.storage.db.connection().execute(  # a rollup from before input bounds existed
        "INSERT INTO usage_period (period, customer_id, feature, sum, count, max, latest_ts, latest_quantity)"
        " VALUES ('2025-10', ?, 'api_calls', '1e999999', 1, '1e999999', 0, '1e999999')",
        (ada["id"],),
    )

    reply = upcoming(api, ada["id"])

    assert (reply.status, reply.body["error"]["code"]) == (409, "conflict"), reply.body
    assert reply.body["error"]["message"].startswith("the stored usage of api_calls for 2025-10 cannot be rated")
