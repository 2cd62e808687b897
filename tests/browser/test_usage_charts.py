"""The customer's usage charts and table show each feature as its plan bills it, and say which aggregation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import Dash, Gateway

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seated(gateway: Gateway) -> str:
    """A UTC customer whose plan bills seats at their max and active users by unique user_id, with usage on the
    first day of this month where the max (7) and the unique count (2) differ from the sums (10 and 3)."""
    plan = gateway.call(
        "POST",
        "/v1/plans",
        {
            "name": "Seats and users",
            "currency": "USD",
            "prices": [
                {"feature": "seats", "model": "per_unit", "aggregation": "max", "unit_amount": "8"},
                {
                    "feature": "active_users",
                    "model": "per_unit",
                    "aggregation": "unique_count",
                    "property": "user_id",
                    "unit_amount": "3",
                },
            ],
        },
    )
    customer = gateway.call("POST", "/v1/customers", {"name": "Seat Counters", "email": "seats@charts.example"})
    gateway.call("PUT", f"/v1/customers/{customer['id']}/plan", {"plan_id": plan["id"]})
    first = datetime.now(UTC).strftime("%Y-%m-01")
    events = [
        {"id": "s1", "feature": "seats", "quantity": 3, "ts": f"{first}T00:01:00Z"},
        {"id": "s2", "feature": "seats", "quantity": 7, "ts": f"{first}T00:02:00Z"},
        {
            "id": "u1",
            "feature": "active_users",
            "quantity": 1,
            "ts": f"{first}T00:01:00Z",
            "properties": {"user_id": "ada"},
        },
        {
            "id": "u2",
            "feature": "active_users",
            "quantity": 1,
            "ts": f"{first}T00:02:00Z",
            "properties": {"user_id": "bob"},
        },
        {
            "id": "u3",
            "feature": "active_users",
            "quantity": 1,
            "ts": f"{first}T00:03:00Z",
            "properties": {"user_id": "ada"},
        },
    ]
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    return customer["id"]


def test_the_charts_and_table_say_each_features_aggregation_and_show_the_billed_quantities(
    dash: Dash, seated: str
) -> None:
    dash.use_key()
    dash.go(f"#/customers/{seated}")
    charts = dash.page.locator("#usage-body")
    expect(charts.locator("figure[data-feature='seats'] figcaption")).to_have_text(
        "seats · max · 7 in the period · own scale"
    )
    expect(charts.locator("figure[data-feature='active_users'] figcaption")).to_have_text(
        "active_users · unique values (user_id) · 2 in the period · own scale"
    )
    expect(dash.page.get_by_role("img", name="seats, max: 7 in the period over", exact=False)).to_be_visible()
    table = dash.page.locator("#customer-usage-table")
    headers = table.locator("thead th")
    expect(headers).to_have_text(["Day", "active_users (unique values (user_id))", "seats (max)"])
    first_day = table.locator("tbody tr").first.locator("td")
    expect(first_day).to_have_text([datetime.now(UTC).strftime("%m-01"), "2", "7"])


def test_a_period_refused_as_billed_is_shown_summed_and_says_so(desktop: Dash, seated: str) -> None:
    def refuse(route: Route) -> None:
        fields = [{"field": "aggregation", "message": "too many events"}]
        body = {"error": {"code": "validation_error", "message": "aggregation: too many events", "fields": fields}}
        route.fulfill(status=400, content_type="application/json", body=json.dumps(body))

    desktop.console.allowed_statuses.add(400)
    desktop.page.route("**/usage?*aggregation=billed*", refuse)
    desktop.use_key()
    desktop.go(f"#/customers/{seated}")
    expect(desktop.page.locator("#usage-body")).to_contain_text("every feature is shown summed")
    expect(desktop.page.locator("#usage-body")).not_to_contain_text("as its plan bills it")
    expect(desktop.page.locator("figure[data-feature='seats'] figcaption")).to_have_text(
        "seats · sum · 10 in the period · own scale"
    )
