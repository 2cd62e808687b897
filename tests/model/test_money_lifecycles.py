"""Scripted lifecycles through the money machine, on both backends: the issue's three bugs, a chain of late-usage
adjustments through credit, void and reissue, month edges in half-hour and DST zones, and currencies with 0 and
3 decimals.

The random machine (test_money_machine.py) finds what nobody thought of, but a handful of examples rarely walks
a path of eight precise steps; these walk them on every run. Every step is checked against the reference model
exactly as the machine checks it (every invoice, the credit ledger, the upcoming invoice, finalized periods adding
up), and a few figures of the issue are asserted as written, so that the model itself is held to them.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.model.conftest import Deployment
from tests.model.reference import period_bounds
from tests.model.test_money_machine import MoneyMachine, Sent

pytestmark = pytest.mark.e2e

D = Decimal
GRADUATED_CALLS = {
    "feature": "calls",
    "model": "graduated",
    "tiers": [
        {"up_to": "1000", "unit_amount": "0"},
        {"up_to": "10000", "unit_amount": "0.002"},
        {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"},
    ],
}


class Script:
    """A machine driven by hand: every act is followed by the machine's invariant."""

    def __init__(self, deployment: Deployment) -> None:
        self.machine = MoneyMachine(deployment)
        self.periods = self.machine.periods  # three months before the current one, the current one, the next
        self.check()

    def check(self) -> None:
        self.machine.every_invoice_is_the_models()

    def plan(self, **spec: Any) -> str:
        plan_id = self.machine.create_plan({"name": "scripted", "currency": "USD", "prices": [], **spec})
        self.check()
        return plan_id

    def customer(self, zone: str, plan_id: str | None = None) -> str:
        customer_id = self.machine.create_customer(zone, plan_id)
        self.check()
        return customer_id

    def at(self, customer: str, period: str, where: str = "inside") -> Any:
        """An instant of the customer's local month: its first or last microsecond, or the 10th at noon."""
        start, end = period_bounds(period, self.machine.model.customers[customer].timezone)
        if where == "first":
            return start
        if where == "last":
            return end - timedelta(microseconds=1)
        return start + timedelta(days=9, hours=12)

    def events(self, customer: str, *events: tuple[str, str, Any] | tuple[str, str, Any, str]) -> None:
        """(feature, quantity, instant[, user]) each, new ids."""
        sent = [Sent(self.machine.new_event_id(), *event) for event in events]
        self.machine.post_events(customer, sent)
        self.check()

    def again(self, customer: str, event_id: str, feature: str, quantity: str, ts: Any) -> None:
        """An event sent again with the same id (and another quantity): a duplicate."""
        self.machine.post_events(customer, [Sent(event_id, feature, quantity, ts)])
        self.check()

    def run(self, period: str, unit_price: str | None = None) -> None:
        self.machine.run_period(period, unit_price)
        self.check()

    def close(self, period: str) -> None:
        self.machine.finalize_period(period)
        self.check()

    def key(self, customer: str, period: str) -> tuple[str, str, int]:
        invoice = self.machine.model.latest(customer, period)
        assert invoice is not None, f"no invoice for {period}"
        return invoice.key

    def void(self, customer: str, period: str) -> None:
        self.machine.void_one(self.key(customer, period))
        self.check()

    def reissue(self, customer: str, period: str) -> None:
        self.machine.reissue_one(self.key(customer, period))
        self.check()

    def served_lines(self, customer: str, period: str) -> list[tuple[str, str | None, Decimal]]:
        """The latest served invoice of the period, as (type, feature, amount)."""
        invoices = self.machine.ok("GET", f"/v1/customers/{customer}/invoices", expected=(200,))
        of_period = sorted((i for i in invoices if i["period"] == period), key=lambda i: i.get("issue", 0))
        assert of_period, f"no invoice for {period}"
        return [(line["type"], line.get("feature"), D(line["amount"])) for line in of_period[-1]["line_items"]]

    def upcoming_lines(self, customer: str) -> list[tuple[str, str | None, Decimal]]:
        upcoming = self.machine.ok("GET", f"/v1/customers/{customer}/upcoming-invoice", expected=(200,))
        return [(line["type"], line.get("feature"), D(line["amount"])) for line in upcoming["line_items"]]

    def finish(self) -> None:
        self.machine.teardown()


@pytest.fixture
def script(deployment: Deployment):
    scripted = Script(deployment)
    yield scripted
    scripted.finish()


def test_a_fee_is_not_billed_for_a_month_the_customer_neither_existed_in_nor_used(script: Script) -> None:
    # The R1 example: a plan with a 49.00 fee and a 26.00 minimum, a customer created now with backfilled
    # usage three months ago; that month is billed and finalized, one late event arrives, the next month is billed.
    early, next_one = script.periods[0], script.periods[1]
    plan = script.plan(amount="49.00", minimum_amount="26.00", prices=[GRADUATED_CALLS])
    customer = script.customer("America/New_York", plan)
    script.events(customer, ("calls", "3000", script.at(customer, early)))
    script.run(early)
    assert script.served_lines(customer, early) == [("plan_fee", None, D("49.00")), ("usage", "calls", D("4.00"))]
    script.close(early)
    script.events(customer, ("calls", "1000", script.at(customer, early, "last")))
    script.run(next_one)
    assert script.served_lines(customer, next_one) == [("adjustment", None, D("2.00"))]  # and nothing else
    script.run(script.periods[2])  # a month it neither existed in nor used: no invoice (the model says so too)


def test_unique_count_counts_the_users_sent_before_the_plan_counted_them(script: Script) -> None:
    # The R6 example: 8 events of 4 users, then the plan, then 2 events of 2 new users: 6 users, 18.00.
    current = script.periods[3]
    customer = script.customer("Asia/Kolkata")
    before = [("users", "1", script.at(customer, current) + timedelta(minutes=i), f"u{i % 4 + 1}") for i in range(8)]
    script.events(customer, *before)
    plan = script.plan(
        prices=[
            {
                "feature": "users",
                "model": "per_unit",
                "unit_amount": "3",
                "aggregation": "unique_count",
                "property": "user_id",
            }
        ]
    )
    script.machine.change_plan(customer, plan)
    script.check()
    script.events(
        customer,
        ("users", "1", script.at(customer, current) + timedelta(hours=1), "u5"),
        ("users", "1", script.at(customer, current) + timedelta(hours=2), "u6"),
    )
    script.run(current)
    assert script.served_lines(customer, current) == [("usage", "users", D("18.00"))]


def test_a_run_without_a_unit_price_keeps_the_drafts_and_reports_unpriced_usage(script: Script) -> None:
    # The R2 example: storage 1.5 billed at 0.01 is 0.02, and a run without a unit price keeps it.
    current = script.periods[3]
    priced = script.customer("UTC")
    script.events(priced, ("storage", "1.5", script.at(priced, current)))
    script.run(current, "0.01")
    assert script.served_lines(priced, current) == [("usage", "storage", D("0.02"))]
    script.run(current)
    assert script.served_lines(priced, current) == [("usage", "storage", D("0.02"))]
    unpriced = script.customer("Europe/London")
    script.events(unpriced, ("storage", "2", script.at(unpriced, current)))
    script.run(current)  # the machine checks the run's report of unpriced usage
    assert script.served_lines(unpriced, current) == [("usage", "storage", D("0"))]


def test_late_usage_through_credit_void_and_reissue_adds_up(script: Script) -> None:
    first, second, third = script.periods[:3]
    plan = script.plan(minimum_amount="25.00", prices=[GRADUATED_CALLS])
    customer = script.customer("Europe/London", plan)
    script.machine.grant(customer, "30.00")
    script.check()
    script.events(customer, ("calls", "12500", script.at(customer, first)))
    script.run(first)
    script.close(first)  # 25.50, paid by credit
    script.events(customer, ("calls", "1000", script.at(customer, first, "first")))
    script.run(second)
    script.close(second)  # adjusts the first month by 1.00
    script.events(customer, ("calls", "500", script.at(customer, first, "last")))
    script.run(third)  # 27.00 − 25.50 − 1.00
    assert ("adjustment", None, D("0.50")) in script.served_lines(customer, third)
    script.void(customer, second)  # its credit comes back; its 1.00 adjustment no longer counts
    script.run(third)
    script.reissue(customer, second)
    script.close(second)
    script.void(customer, first)
    script.run(first)  # the next issue of the first month, with all its usage: 27.00
    script.close(first)
    script.run(third)  # the 1.50 the reissued second month adjusted is given back
    assert ("adjustment", None, D("-1.50")) in script.upcoming_lines(customer)
    script.close(third)  # its lines sum to -1.50: carried over to the credit balance
    current = script.periods[3]
    script.events(customer, ("calls", "2000", script.at(customer, current)))
    script.run(current)
    script.close(current)  # its minimum spends the credit, the 1.50 carried over included
    script.void(customer, third)  # refused: what it carried over is spent
    assert script.machine.model.invoices[script.key(customer, third)].status == "finalized"
    script.void(customer, current)  # gives the credit back
    script.void(customer, third)  # now it can take its 1.50 back
    assert script.machine.model.invoices[script.key(customer, third)].status == "void"


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "Pacific/Kiritimati"])
def test_events_at_the_edges_of_local_months_fall_in_the_right_period(script: Script, zone: str) -> None:
    month = script.periods[1]
    plan = script.plan(
        prices=[
            {"feature": "calls", "model": "per_unit", "unit_amount": "1"},
            {"feature": "seats", "model": "per_unit", "unit_amount": "1", "aggregation": "latest"},
        ]
    )
    customer = script.customer(zone, plan)
    utc_start, utc_end = period_bounds(month, "UTC")
    script.events(
        customer,
        ("calls", "1", script.at(customer, month, "first")),
        ("calls", "2", script.at(customer, month, "last")),
        ("calls", "4", script.at(customer, month, "last") + timedelta(microseconds=1)),  # the next month's first
        ("calls", "8", utc_start),  # the UTC month's edges: another local month here
        ("calls", "16", utc_end - timedelta(microseconds=1)),
    )
    script.again(customer, "evt-1", "calls", "1000", script.at(customer, month))
    # latest: the greatest ts; on a tie, the last to arrive (in a batch, then across batches)
    script.events(customer, ("seats", "3", script.at(customer, month)), ("seats", "5", script.at(customer, month)))
    script.run(month)
    script.events(
        customer, ("seats", "4", script.at(customer, month)), ("seats", "9", script.at(customer, month, "first"))
    )
    for period in script.periods[:3]:
        script.run(period)


@pytest.mark.parametrize("currency", ["JPY", "KWD"])
def test_currencies_with_zero_and_three_decimals_round_each_line_once(script: Script, currency: str) -> None:
    month = script.periods[3]
    plan = script.plan(
        currency=currency,
        amount={"JPY": "999", "KWD": "7.125"}[currency],
        prices=[
            {"feature": "calls", "model": "per_unit", "unit_amount": "0.0125"},
            {
                "feature": "payments",
                "model": "percentage",
                "rate": "2.9",
                "fixed_amount": "0.30",
                "free_units_per_events": 1,
            },
            {"feature": "sms", "model": "package", "package_size": "2.5", "package_amount": "0.5", "free_units": "1"},
            {
                "feature": "storage",
                "model": "graduated_percentage",
                "aggregation": "max",
                "tiers": [{"up_to": "10", "rate": "1", "flat_amount": "0.5"}, {"up_to": None, "rate": "2.5"}],
            },
            {
                "feature": "seats",
                "model": "volume",
                "aggregation": "latest",
                "tiers": [
                    {"up_to": "5", "unit_amount": "0.333"},
                    {"up_to": None, "unit_amount": "0.005", "flat_amount": "2"},
                ],
            },
        ],
    )
    customer = script.customer("America/New_York", plan)
    script.machine.grant(customer, {"JPY": "500", "KWD": "1.250"}[currency])
    script.check()
    at = script.at(customer, month)
    script.events(
        customer,
        ("calls", "12.125", at),
        ("payments", "99.995", at),
        ("payments", "250.50", at + timedelta(minutes=1)),
        ("sms", "7", at),
        ("storage", "12.125", at),
        ("seats", "7", at + timedelta(minutes=2)),
        ("seats", "3", at + timedelta(minutes=1)),
    )
    script.run(month)
    script.close(month)


def test_previews_of_a_reissued_period_use_the_reissues_unit_price(script: Script) -> None:
    # A period billed at 0.5, finalized, voided, then billed again by a run without a unit price: the new issue
    # has none (R2), so the upcoming invoice and the estimate, like a run, must not price it at the void one's.
    current = script.periods[3]
    customer = script.customer("UTC")
    script.events(customer, ("storage", "3", script.at(customer, current)))
    script.run(current, "0.5")
    script.close(current)
    script.void(customer, current)
    script.run(current)
    assert script.served_lines(customer, current) == [("usage", "storage", D("0"))]
    assert script.upcoming_lines(customer) == [("usage", "storage", D("0"))]
    script.machine.compare_estimate(customer, current, spec={"name": "other", "currency": "USD", "prices": []})
