"""Issue 15's unique_count regression over real HTTP on both backends: every distinct value of the period
counts, whether it was sent before the plan counting it existed, in the minute after (the ingest's cache of
tracked properties), or through a meter."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import HttpClient

pytestmark = pytest.mark.e2e


def unique_users_price(feature: str) -> dict[str, Any]:
    return {
        "feature": feature,
        "model": "per_unit",
        "unit_amount": "3.00",
        "aggregation": "unique_count",
        "property": "user_id",
    }


def create_customer(gateway: HttpClient, name: str) -> dict[str, Any]:
    status, customer = gateway.request("POST", "/v1/customers", {"name": name, "email": f"{name}@unique.example"})
    assert status == 201, customer
    return customer


def assign_new_plan(gateway: HttpClient, customer: dict[str, Any], price: dict[str, Any]) -> None:
    status, plan = gateway.request("POST", "/v1/plans", {"name": f"Per user ({price['feature']})", "prices": [price]})
    assert status == 201, plan
    status, assigned = gateway.request("PUT", f"/v1/customers/{customer['id']}/plan", {"plan_id": plan["id"]})
    assert status == 200, assigned


def september_lines(gateway: HttpClient, customer: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    status, invoices = gateway.request("GET", f"/v1/customers/{customer['id']}/invoices")
    assert status == 200 and [invoice["period"] for invoice in invoices] == ["2025-09"], invoices
    return [(line["feature"], line["quantity"], line["amount"]) for line in invoices[0]["line_items"]]


def test_users_sent_before_and_just_after_the_plan_are_all_billed(gateway):
    # Given 8 September events of 4 users, sent before any plan counted user_id
    customer = create_customer(gateway, "early-users")
    events = [
        {"id": f"early-{n}", "feature": "active_users", "quantity": 1, "ts": f"2025-09-{n + 1:02d}T10:00:00Z",
         "properties": {"user_id": f"user-{n % 4}"}}
        for n in range(8)
    ]  # fmt: skip
    status, sent = gateway.request("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    assert (status, sent["accepted"]) == (200, 8)
    # When a plan pricing active_users as unique user_id at 3.00 is created and assigned, 2 events of 2 new
    # users follow (within the minute the ingest keeps its tracked properties), and September is billed
    assign_new_plan(gateway, customer, unique_users_price("active_users"))
    later = [
        {"id": f"later-{n}", "feature": "active_users", "quantity": 1, "ts": f"2025-09-2{n}T10:00:00Z",
         "properties": {"user_id": f"user-{4 + n}"}}
        for n in range(2)
    ]  # fmt: skip
    status, sent = gateway.request("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": later})
    assert (status, sent["accepted"]) == (200, 2)
    gateway.run_billing("period=2025-09")

    # Then the 6 distinct users are billed: 18.00, and a second run (the count now stored) says the same
    assert september_lines(gateway, customer) == [("active_users", "6", "18.00")]
    gateway.run_billing("period=2025-09")
    assert september_lines(gateway, customer) == [("active_users", "6", "18.00")]
    # and usage as billed says 6 for September, and for a range that is not one whole period
    for end in ("2025-10-01T00:00:00Z", "2025-10-02T00:00:00Z"):
        status, usage = gateway.request(
            "GET", f"/v1/customers/{customer['id']}/usage?start=2025-09-01T00:00:00Z&end={end}&aggregation=billed"
        )
        assert (status, usage) == (
            200,
            [{"feature": "active_users", "quantity": "6", "aggregation": "unique_count", "property": "user_id"}],
        )


def test_users_counted_through_a_meter_before_the_plan_existed_are_billed(gateway):
    # Given a meter turning `seat_login` events into seat_users, and logins of 2 users before any plan
    status, meter = gateway.request("POST", "/v1/meters", {"feature": "seat_users", "event_type": "seat_login"})
    assert status == 201, meter
    customer = create_customer(gateway, "metered-users")

    def logins(*users: tuple[str, str]) -> dict[str, Any]:
        return {
            "events": [
                {"id": event_id, "customer_id": customer["id"], "type": "seat_login", "ts": "2025-09-10T08:00:00Z",
                 "properties": {"user_id": user}}
                for event_id, user in users
            ]
        }  # fmt: skip

    status, sent = gateway.request("POST", "/v1/events", logins(("l1", "ada"), ("l2", "bob"), ("l3", "ada")))
    assert (status, sent["accepted"]) == (200, 3)
    # When a plan counting unique user_id of seat_users is assigned, a new user logs in, and one login is resent
    assign_new_plan(gateway, customer, unique_users_price("seat_users"))
    status, sent = gateway.request("POST", "/v1/events", logins(("l4", "cy"), ("l1", "zed")))
    assert (status, sent["accepted"], sent["duplicates"]) == (200, 1, 1)
    gateway.run_billing("period=2025-09")

    # Then the 3 users of the stored logins are billed
    assert september_lines(gateway, customer) == [("seat_users", "3", "9.00")]
