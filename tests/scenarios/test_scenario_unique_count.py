"""unique_count is exact whatever the order of events, plans, meters and plan changes (issue 15, rule R6).

Storage counts distinct values only for the events checked for a property at ingest (the properties some
plan counts, cached a minute); its coverage says how many were. A period not wholly covered is counted from
its raw events, and a billing run or a finalization stores what it counted, so the next one reads it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from billing.services import NewEvent

from tests.scenarios.conftest import Billing, at

D = Decimal
ACTIVE_USERS = {
    "feature": "active_users",
    "model": "per_unit",
    "unit_amount": "3",
    "aggregation": "unique_count",
    "property": "user_id",
}
TEAMS = {**ACTIVE_USERS, "unit_amount": "10", "property": "team"}


class RawReads:
    """Counts the composer's reads of raw events (storage.usage.events)."""

    def __init__(self, billing: Billing, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        usage = billing.services.storage.usage
        read: Callable = usage.events

        def counted(*args, **kwargs):
            self.count += 1
            return read(*args, **kwargs)

        monkeypatch.setattr(usage, "events", counted)


def send_users(billing: Billing, customer, users: list[str | None], *, day: int = 5, feature: str = "active_users"):
    for n, user in enumerate(users):
        properties = {} if user is None else {"user_id": user}
        billing.usage(customer, feature, 1, f"2025-09-{day:02d}T{n % 24:02d}:00:00Z", **properties)


def exact_count(billing: Billing, customer, prop: str = "user_id", period: str = "2025-09") -> int | None:
    usage = billing.services.storage.usage.period_usage(customer.id, period)
    return usage.exact_distinct_count("active_users", prop)


def test_the_issues_steps_bill_every_distinct_user_sent_before_and_after_the_plan(billing, monkeypatch):
    # Given 8 September events of 4 users, sent before any plan counted user_id
    customer = billing.customer()
    send_users(billing, customer, ["u1", "u2", "u3", "u4"] * 2)
    # and a plan pricing active_users by unique user_id at 3.00, assigned, then 2 events of 2 new users
    billing.services.customers.assign_plan(customer.id, billing.plan(ACTIVE_USERS).id)
    send_users(billing, customer, ["u5", "u6"], day=20)  # within the ingest cache's minute: not checked either
    assert exact_count(billing, customer) is None

    # When September is billed
    reads = RawReads(billing, monkeypatch)
    billing.run("2025-09")

    # Then all 6 users are billed, counted from the raw events once, and stored for the next run
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"active_users": D("18.00")}
    assert reads.count == 1
    assert exact_count(billing, customer) == 6
    billing.run("2025-09")
    assert reads.count == 1  # covered: read from storage
    assert billing.invoice(customer, "2025-09").line_items[0].quantity == 6


def test_events_sent_within_the_minute_after_the_plan_was_created_count(billing):
    # Given the ingest service read the plans (none) a moment before the plan was created
    billing.usage(billing.customer(), "other", 1, "2025-09-01T00:00:00Z")
    customer = billing.customer()
    billing.services.customers.assign_plan(customer.id, billing.plan(ACTIVE_USERS).id)
    # When 3 users are sent within the cache's minute, and 2 more (one new) once it has passed
    send_users(billing, customer, ["u1", "u2", "u3"])
    assert exact_count(billing, customer) is None
    billing.clock.now += timedelta(minutes=2)
    send_users(billing, customer, ["u3", "u4"], day=6)
    usage = billing.services.storage.usage.period_usage(customer.id, "2025-09")
    assert usage.coverage == {("active_users", "user_id"): 2}

    billing.run("2025-09")

    # Then all 4 are billed, and September stays covered as more users arrive
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"active_users": D("12.00")}
    send_users(billing, customer, ["u5", None, "u1"], day=7)
    assert exact_count(billing, customer) == 5
    billing.run("2025-09")
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"active_users": D("15.00")}


def test_a_meters_events_keep_their_properties_for_a_plan_made_later(billing):
    # Given a meter turning `login` events into active_users, and logins before any plan counted users
    billing.services.meters.create(feature="active_users", event_type="login")
    customer = billing.customer()

    def login(event_id: str, user: str, day: int) -> NewEvent:
        ts = at(f"2025-09-{day:02d}T08:00:00Z")
        return NewEvent(ts=ts, id=event_id, customer_id=customer.id, type="login", properties={"user_id": user})

    billing.services.ingest.ingest_events([login("l1", "ada", 2), login("l2", "bob", 3), login("l3", "ada", 4)])
    # When a plan counting user_id is assigned, more logins arrive (one a duplicate), and September is billed
    billing.services.customers.assign_plan(customer.id, billing.plan(ACTIVE_USERS).id)
    billing.services.ingest.ingest_events([login("l4", "cy", 5), login("l3", "dan", 6)])
    billing.run("2025-09")

    # Then the three users of the stored logins are billed
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"active_users": D("9.00")}
    assert exact_count(billing, customer) == 3


def test_a_plan_change_mid_period_to_a_plan_counting_another_property_counts_it_from_the_start(billing):
    # Given a customer on a plan counting users, with events of users in teams
    customer = billing.customer(billing.plan(ACTIVE_USERS))
    for n, (user, team) in enumerate([("u1", "red"), ("u2", "red"), ("u3", "blue")]):
        billing.usage(customer, "active_users", 1, f"2025-09-0{n + 1}T00:00:00Z", user_id=user, team=team)
    # When the customer moves to a plan counting teams mid-September, and a user of a third team arrives
    billing.services.customers.assign_plan(customer.id, billing.plan(TEAMS).id)
    billing.usage(customer, "active_users", 1, "2025-09-20T00:00:00Z", user_id="u4", team="green")
    billing.run("2025-09")

    # Then September is billed by teams, all of them
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"active_users": D("30.00")}
    assert exact_count(billing, customer, "team") == 3
    assert exact_count(billing, customer, "user_id") == 4  # checked from the start: no raw read was needed


def test_two_plans_counting_different_properties_of_one_feature_each_bill_theirs(billing):
    by_users, by_teams = billing.customer(), billing.customer()
    for customer in (by_users, by_teams):
        for n, (user, team) in enumerate([("u1", "red"), ("u2", "red"), ("u3", "blue"), ("u1", "red")]):
            billing.usage(customer, "active_users", 1, f"2025-09-0{n + 1}T00:00:00Z", user_id=user, team=team)
    billing.services.customers.assign_plan(by_users.id, billing.plan(ACTIVE_USERS).id)
    billing.services.customers.assign_plan(by_teams.id, billing.plan(TEAMS).id)

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(by_users, "2025-09")) == {"active_users": D("9.00")}
    assert billing.usage_amounts(billing.invoice(by_teams, "2025-09")) == {"active_users": D("20.00")}


def test_events_without_the_property_and_duplicates_never_count(billing):
    customer = billing.customer()
    send_users(billing, customer, ["u1", None, "u2", None])
    billing.services.customers.assign_plan(customer.id, billing.plan(ACTIVE_USERS).id)
    billing.usage(customer, "active_users", 1, "2025-09-09T00:00:00Z", user_id="u3")
    billing._events -= 1  # the same event id sent again, with another user: a duplicate
    billing.usage(customer, "active_users", 1, "2025-09-09T00:00:00Z", user_id="u9")

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.usage_amounts(invoice) == {"active_users": D("9.00")}
    assert invoice.rated_events == 5


def test_late_usage_of_a_finalized_period_is_counted_exactly_in_the_adjustment(billing):
    # Given September billed at 2 users (sent before the plan) and finalized
    customer = billing.customer()
    send_users(billing, customer, ["u1", "u2", "u1"])
    billing.services.customers.assign_plan(customer.id, billing.plan(ACTIVE_USERS).id)
    billing.run("2025-09")
    september = billing.finalize(customer, "2025-09")
    assert billing.usage_amounts(september) == {"active_users": D("6.00")}

    # When late September events bring one new user and one known one, and October is billed
    send_users(billing, customer, ["u3", "u2"], day=28)
    billing.usage(customer, "active_users", 1, "2025-10-03T00:00:00Z", user_id="u1")
    billing.run("2025-10")

    # Then October bills its user and September's one new user (3 re-rated at 9.00, 6.00 billed)
    october = billing.invoice(customer, "2025-10")
    assert billing.lines(october) == [("usage", D("3.00")), ("adjustment", D("3.00"))]
    assert exact_count(billing, customer) == 3


def test_finalization_counts_and_covers_a_draft_made_before_the_users_arrived(billing):
    customer = billing.customer()
    billing.usage(customer, "active_users", 1, "2025-09-01T00:00:00Z", user_id="u1")
    billing.services.customers.assign_plan(customer.id, billing.plan(ACTIVE_USERS).id)
    billing.run("2025-09")
    send_users(billing, customer, ["u2", "u3"], day=15)  # after the run, not checked at ingest
    assert exact_count(billing, customer) is None

    finalized = billing.finalize(customer, "2025-09")

    assert billing.usage_amounts(finalized) == {"active_users": D("9.00")}
    assert exact_count(billing, customer) == 3


def test_previews_count_from_raw_events_and_write_nothing(billing, monkeypatch):
    customer = billing.customer()
    billing.clock.now = at("2025-09-20T12:00:00Z")
    send_users(billing, customer, ["u1", "u2", "u1"])
    plan = billing.plan(ACTIVE_USERS)
    billing.services.customers.assign_plan(customer.id, plan.id)
    reads = RawReads(billing, monkeypatch)

    upcoming = billing.services.previews.upcoming(customer.id).invoice
    estimate = billing.services.previews.estimate(customer.id, plan_id=plan.id)

    assert billing.usage_amounts(upcoming) == {"active_users": D("6.00")}
    assert billing.usage_amounts(estimate.estimate.invoice) == {"active_users": D("6.00")}
    assert reads.count == 3  # the upcoming invoice, then each side of the estimate
    assert exact_count(billing, customer) is None  # nothing stored
    assert billing.services.storage.usage.period_usage(customer.id, "2025-09").coverage == {}
