"""The reference model (tests/model/reference.py) against the figures docs/pricing.md and issue 15 quote.

The model is what the state machine trusts, so it is held to the documented figures first, with no server:
if one of these fails, the model is wrong, not the product.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.model.reference import Event as ModelEvent
from tests.model.reference import Line, Model, Refused, period_bounds, period_of, price_amount, price_of, round_money

D = Decimal
BEFORE_EVERYTHING = datetime(2020, 1, 1, tzinfo=UTC)
GRADUATED = {
    "feature": "api_calls",
    "model": "graduated",
    "tiers": [
        {"up_to": "1000", "unit_amount": "0"},
        {"up_to": "10000", "unit_amount": "0.002"},
        {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"},
    ],
}


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def amount_of(spec: dict[str, Any], *quantities: str, feature: str = "f") -> Decimal:
    """One feature's unrounded amount for events of these quantities, a minute apart in September 2025."""
    price = price_of({"feature": feature, **spec})
    events = [
        ModelEvent(f"e{index:03d}", feature, D(q), datetime(2025, 9, 6, 12, index, tzinfo=UTC), {}, index)
        for index, q in enumerate(quantities)
    ]
    return price_amount(price, events)[1]


def usd(amount: Decimal) -> Decimal:
    return round_money(amount, "USD")


class World:
    """A model with a clock of creation dates, and short names for what a scenario does."""

    def __init__(self) -> None:
        self.model = Model()
        self._ids = 0

    def plan(self, *prices: dict[str, Any], **fields: Any) -> str:
        self._ids += 1
        plan_id = f"plan_{self._ids}"
        self.model.add_plan(plan_id, {"currency": "USD", **fields, "prices": list(prices)})
        return plan_id

    def customer(self, plan_id: str | None = None, zone: str = "UTC", created: datetime = BEFORE_EVERYTHING) -> str:
        self._ids += 1
        customer_id = f"cus_{self._ids}"
        self.model.add_customer(customer_id, zone, created, plan_id)
        return customer_id

    def usage(self, customer_id: str, feature: str, quantity: Any, at: str, **properties: str) -> None:
        self._ids += 1
        self.model.ingest(customer_id, [(f"evt_{self._ids}", feature, D(str(quantity)), ts(at), properties)])

    def lines(self, customer_id: str, period: str) -> list[tuple[str, Decimal]]:
        invoice = self.model.latest(customer_id, period)
        assert invoice is not None, f"no invoice for {period}"
        return [(line.type, line.amount) for line in invoice.content.lines]

    def finalize(self, customer_id: str, period: str) -> None:
        invoice = self.model.latest(customer_id, period)
        assert invoice is not None
        self.model.finalize(invoice.key, datetime(2025, 12, 1, tzinfo=UTC))


# --- money and periods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [("0.125", "USD", "0.13"), ("1.5", "JPY", "2"), ("0.0005", "KWD", "0.001"), ("23.001", "USD", "23.00")],
)
def test_each_line_is_rounded_half_up_to_the_minor_unit(amount, currency, rounded):
    assert str(round_money(D(amount), currency)) == rounded


def test_an_unknown_minor_unit_is_refused_not_guessed():
    with pytest.raises(KeyError):
        round_money(D(1), "XYZ")


@pytest.mark.parametrize(
    ("zone", "period", "start", "end"),
    [
        ("America/New_York", "2025-09", "2025-09-01T04:00:00Z", "2025-10-01T04:00:00Z"),
        ("America/New_York", "2025-11", "2025-11-01T04:00:00Z", "2025-12-01T05:00:00Z"),
        ("Europe/London", "2025-03", "2025-03-01T00:00:00Z", "2025-03-31T23:00:00Z"),
        ("Asia/Kolkata", "2025-09", "2025-08-31T18:30:00Z", "2025-09-30T18:30:00Z"),
    ],
)
def test_periods_are_local_calendar_months(zone, period, start, end):
    assert period_bounds(period, zone) == (ts(start), ts(end))


def test_an_event_belongs_to_the_local_month_holding_it():
    assert period_of(ts("2025-09-30T18:29:59.999999Z"), "Asia/Kolkata") == "2025-09"
    assert period_of(ts("2025-09-30T18:30:00Z"), "Asia/Kolkata") == "2025-10"


# --- pricing models ------------------------------------------------------------------------------------


def test_graduated_each_unit_at_its_tier_and_a_tier_flat_once():
    assert usd(amount_of(GRADUATED, "10000")) == D("18.00")
    assert usd(amount_of(GRADUATED, "10001")) == D("23.00")  # 23.001


def test_volume_all_units_at_one_tier():
    price = {
        "model": "volume",
        "tiers": [{"up_to": "10", "unit_amount": "8"}, {"up_to": None, "unit_amount": "6", "flat_amount": "20"}],
    }
    assert amount_of(price, "10") == D(80)
    assert amount_of(price, "11") == D(86)


def test_package_with_and_without_free_units():
    # docs/pricing.md says "10 per package of 10"; Lago's spec (and tests/scenarios) has 100 per package of 10
    assert amount_of({"model": "package", "package_size": "100", "package_amount": "1.50"}, "100") == D("1.50")
    assert amount_of({"model": "package", "package_size": "100", "package_amount": "1.50"}, "101") == D("3.00")
    assert amount_of(
        {"model": "package", "package_size": "100", "package_amount": "5", "free_units": "100"}, "201"
    ) == D(10)
    assert amount_of(
        {"model": "package", "package_size": "10", "package_amount": "100", "free_units": "10"}, "121"
    ) == D(1200)
    assert amount_of({"model": "package", "package_size": "10", "package_amount": "100"}, "121") == D(1300)


@pytest.mark.parametrize(
    ("value", "billed"),
    [("0", "200.00"), ("1", "200.01"), ("10", "200.10"), ("11", "500.12"), ("21", "900.33"), ("10.5", "500.11")],
)
def test_graduated_percentage_lagos_figures(value, billed):
    price = {
        "model": "graduated_percentage",
        "tiers": [
            {"up_to": "10", "rate": "1", "flat_amount": "200"},
            {"up_to": "20", "rate": "2", "flat_amount": "300"},
            {"up_to": None, "rate": "3", "flat_amount": "400"},
        ],
    }
    quantities = () if value == "0" else (value,)
    assert usd(amount_of(price, *quantities)) == D(billed)


def test_a_first_tier_flat_fee_is_owed_at_zero():
    graduated = {
        "model": "graduated",
        "tiers": [{"up_to": "10", "unit_amount": "10", "flat_amount": "2"}, {"up_to": None, "unit_amount": "5"}],
    }
    volume = {
        "model": "volume",
        "tiers": [{"up_to": "100", "unit_amount": "2", "flat_amount": "10"}, {"up_to": None, "unit_amount": "1"}],
    }
    assert amount_of(graduated) == D(2)
    assert (amount_of(volume), amount_of(volume, "1"), amount_of(volume, "100")) == (D(10), D(12), D(210))


PERCENTAGE_FIGURES = [  # docs/pricing.md's table: (price, events in time order, billed)
    ({"rate": "2.9"}, ["100.00", "250.50"], "10.16"),
    ({"rate": "1", "fixed_amount": "5", "free_units_per_events": 3}, ["10", "10", "10"], "0.00"),
    ({"rate": "1", "fixed_amount": "5", "free_units_per_events": 3}, ["10", "10", "10", "10"], "5.10"),
    ({"rate": "1", "fixed_amount": "5", "free_units_per_total_aggregation": "15"}, ["4", "4", "4"], "0.00"),
    ({"rate": "1", "fixed_amount": "5", "free_units_per_total_aggregation": "15"}, ["4", "4", "4", "4"], "5.01"),
    ({"rate": "1", "fixed_amount": "5", "free_units_per_total_aggregation": "15"}, ["4", "4", "4", "4", "10"], "10.11"),
    (
        {"rate": "1", "fixed_amount": "5", "free_units_per_events": 3, "free_units_per_total_aggregation": "15"},
        ["1", "1", "1"],
        "0.00",
    ),
    (
        {"rate": "1", "fixed_amount": "5", "free_units_per_events": 3, "free_units_per_total_aggregation": "15"},
        ["1", "1", "1", "1"],
        "5.01",
    ),
    (
        {"rate": "1", "fixed_amount": "5", "free_units_per_events": 3, "free_units_per_total_aggregation": "15"},
        ["10"],
        "0.00",
    ),
    (
        {"rate": "1", "fixed_amount": "5", "free_units_per_events": 3, "free_units_per_total_aggregation": "15"},
        ["10", "10"],
        "5.05",
    ),
    (
        {"rate": "1", "fixed_amount": "5", "free_units_per_events": 3, "free_units_per_total_aggregation": "15"},
        ["10", "10", "10"],
        "10.15",
    ),
    (
        {"rate": "1", "fixed_amount": "1", "per_transaction_min_amount": "1.75", "per_transaction_max_amount": "12"},
        ["100"],
        "2.00",
    ),
    (
        {"rate": "1", "fixed_amount": "1", "per_transaction_min_amount": "1.75", "per_transaction_max_amount": "12"},
        ["100", "1000"],
        "13.00",
    ),
    (
        {"rate": "1", "fixed_amount": "1", "per_transaction_min_amount": "1.75", "per_transaction_max_amount": "12"},
        ["100", "1000", "10000"],
        "25.00",
    ),
    (
        {"rate": "2.99", "per_transaction_min_amount": "1.75", "per_transaction_max_amount": "12"},
        ["10", "80", "10000"],
        "16.14",
    ),
    (
        {"rate": "2.99", "fixed_amount": "2", "per_transaction_min_amount": "1.75", "per_transaction_max_amount": "12"},
        ["10", "80", "10000"],
        "18.69",
    ),
    (
        {
            "rate": "2.99",
            "free_units_per_events": 2,
            "per_transaction_min_amount": "1.75",
            "per_transaction_max_amount": "12",
        },
        ["10", "80", "10000"],
        "12.00",
    ),
    (
        {
            "rate": "2.99",
            "free_units_per_total_aggregation": "30",
            "per_transaction_min_amount": "1.75",
            "per_transaction_max_amount": "12",
        },
        ["10", "80", "10000"],
        "13.79",
    ),
    (
        {
            "rate": "2.99",
            "free_units_per_events": 3,
            "free_units_per_total_aggregation": "10000",
            "per_transaction_min_amount": "1.75",
            "per_transaction_max_amount": "12",
        },
        ["10", "80", "10000"],
        "2.69",
    ),
]


@pytest.mark.parametrize(("price", "values", "billed"), PERCENTAGE_FIGURES)
def test_percentage_documented_figures(price, values, billed):
    assert usd(amount_of({"model": "percentage", **price}, *values)) == D(billed)


def test_percentage_free_events_are_the_first_in_event_time_not_arrival():
    world = World()
    customer = world.customer(
        world.plan({"feature": "payments", "model": "percentage", "rate": "10", "free_units_per_events": 1})
    )
    world.usage(customer, "payments", "100", "2025-09-20T12:00:00Z")
    world.usage(customer, "payments", "10", "2025-09-05T12:00:00Z")
    world.model.run("2025-09", None)
    assert world.lines(customer, "2025-09") == [("usage", D("10.00"))]


def test_percentage_counting_events_every_value_is_one():
    price = {
        "model": "percentage",
        "aggregation": "count",
        "rate": "50",
        "free_units_per_events": 2,
        "fixed_amount": "0.10",
    }
    assert usd(amount_of(price, "7", "8", "9", "10", "11")) == D("1.80")


# --- aggregations --------------------------------------------------------------------------------------


def test_latest_is_the_greatest_ts_not_the_last_to_arrive_and_unique_count_counts_distinct_values():
    world = World()
    plan = world.plan(
        {"feature": "storage", "model": "per_unit", "unit_amount": "1", "aggregation": "latest"},
        {
            "feature": "users",
            "model": "per_unit",
            "unit_amount": "3",
            "aggregation": "unique_count",
            "property": "user_id",
        },
        {"feature": "seats", "model": "per_unit", "unit_amount": "1", "aggregation": "max"},
    )
    customer = world.customer(plan)
    world.usage(customer, "storage", 7, "2025-09-20T00:00:00Z")
    world.usage(customer, "storage", 5, "2025-09-10T00:00:00Z")
    for index, user in enumerate(["a", "b", "a", "c"]):
        world.usage(customer, "users", 1, f"2025-09-0{index + 1}T00:00:00Z", user_id=user)
    world.usage(customer, "users", 1, "2025-09-09T00:00:00Z")  # no user_id: not counted
    world.usage(customer, "seats", 3, "2025-09-01T00:00:00Z")
    world.usage(customer, "seats", 2, "2025-09-02T00:00:00Z")
    world.model.run("2025-09", None)
    assert world.lines(customer, "2025-09") == [("usage", D("3.00")), ("usage", D("7.00")), ("usage", D("9.00"))]


def test_the_issues_unique_count_example_bills_every_distinct_user():
    world = World()
    customer = world.customer()
    for index in range(8):
        world.usage(customer, "active_users", 1, f"2025-09-0{index % 4 + 1}T10:0{index}:00Z", user_id=f"u{index % 4}")
    plan = world.plan(
        {
            "feature": "active_users",
            "model": "per_unit",
            "unit_amount": "3",
            "aggregation": "unique_count",
            "property": "user_id",
        }
    )
    world.model.set_plan(customer, plan)
    world.usage(customer, "active_users", 1, "2025-09-10T10:00:00Z", user_id="u4")
    world.usage(customer, "active_users", 1, "2025-09-10T10:01:00Z", user_id="u5")
    world.model.run("2025-09", None)
    assert world.lines(customer, "2025-09") == [("usage", D("18.00"))]


# --- invoices ------------------------------------------------------------------------------------------

FLAT_FIRST_TIER = {
    "feature": "api_calls",
    "model": "graduated",
    "tiers": [{"up_to": "10", "unit_amount": "10", "flat_amount": "2"}, {"up_to": None, "unit_amount": "5"}],
}


def test_plan_fees_and_first_tier_flat_fees_for_customers_who_existed():
    world = World()
    plan = world.plan(FLAT_FIRST_TIER, amount="49.00")
    using = world.customer(plan)
    idle = world.customer(plan)
    later = world.customer(plan, created=ts("2025-10-05T00:00:00Z"))
    world.usage(using, "api_calls", 3, "2025-09-10T00:00:00Z")
    world.model.run("2025-09", None)
    assert world.lines(using, "2025-09") == [("plan_fee", D("49.00")), ("usage", D("32.00"))]
    assert world.lines(idle, "2025-09") == [("plan_fee", D("49.00")), ("usage", D("2.00"))]
    assert world.model.latest(later, "2025-09") is None


def test_credit_pays_what_it_can_and_is_consumed_once():
    world = World()
    plan = world.plan(amount="25.00")
    customer = world.customer(plan)
    world.model.grant(customer, D("30.00"))
    world.model.run("2025-09", None)
    world.model.run("2025-09", None)  # a re-run spends nothing
    world.finalize(customer, "2025-09")
    world.model.run("2025-10", None)
    world.finalize(customer, "2025-10")
    september, october = world.model.latest(customer, "2025-09"), world.model.latest(customer, "2025-10")
    assert september is not None and october is not None
    assert (september.content.total, october.content.total) == (D("0.00"), D("20.00"))
    assert world.model.balance(customer, "USD") == D(0)
    world.model.void(september.key)
    assert world.model.balance(customer, "USD") == D("25.00")


def test_a_minimum_tops_the_fee_and_usage_up_lagos_commitment():
    world = World()
    plan = world.plan({"feature": "seats", "model": "per_unit", "unit_amount": "10"}, amount="50", minimum_amount="100")
    customer = world.customer(plan)
    world.usage(customer, "seats", 3, "2025-09-10T00:00:00Z")
    world.model.run("2025-09", None)
    assert world.lines(customer, "2025-09") == [("plan_fee", D(50)), ("usage", D("30")), ("minimum", D(20))]


def test_the_documented_late_usage_scenario():
    world = World()
    customer = world.customer(world.plan(GRADUATED, minimum_amount="25.00"), zone="America/New_York")
    world.usage(customer, "api_calls", 12500, "2025-09-15T12:00:00Z")
    world.model.run("2025-09", None)
    world.finalize(customer, "2025-09")
    september = world.model.latest(customer, "2025-09")
    assert september is not None and september.content.total == D("25.50")

    world.usage(customer, "api_calls", 1000, "2025-09-20T12:00:00Z")
    world.usage(customer, "api_calls", 2000, "2025-10-10T12:00:00Z")
    world.model.run("2025-09", None)
    world.model.run("2025-10", None)
    assert world.lines(customer, "2025-10") == [
        ("usage", D("2.00")),
        ("minimum", D("23.00")),
        ("adjustment", D("1.00")),
    ]

    world.finalize(customer, "2025-10")
    world.usage(customer, "api_calls", 500, "2025-09-25T12:00:00Z")
    world.usage(customer, "api_calls", 8000, "2025-10-20T12:00:00Z")
    world.model.run("2025-11", None)
    assert world.lines(customer, "2025-11") == [("minimum", D("25.00")), ("adjustment", D("0.50"))]
    assert world.model.rerated(customer, "2025-09") == D("27.00")


def test_an_adjustment_is_rated_at_its_invoices_unit_price_and_may_make_a_draft_of_its_own():
    world = World()
    customer = world.customer()
    world.usage(customer, "api_calls", 100, "2025-09-15T12:00:00Z")
    world.model.run("2025-09", D("0.10"))
    world.finalize(customer, "2025-09")
    world.usage(customer, "api_calls", 30, "2025-09-16T12:00:00Z")
    world.model.run("2025-10", D("0.20"))
    assert world.lines(customer, "2025-10") == [("adjustment", D("3.00"))]


def test_r1_the_issues_example_an_adjustment_draft_carries_nothing_else():
    # A customer created in December 2025 on a 49.00 fee and a 26.00 minimum, with backfilled September usage.
    world = World()
    plan = world.plan(GRADUATED, amount="49.00", minimum_amount="26.00")
    customer = world.customer(plan, created=ts("2025-12-02T10:00:00Z"))
    world.usage(customer, "api_calls", 3000, "2025-09-10T00:00:00Z")
    world.model.run("2025-09", None)
    assert world.lines(customer, "2025-09") == [("plan_fee", D("49.00")), ("usage", D("4.00"))]  # used: owes the fee
    world.finalize(customer, "2025-09")
    world.usage(customer, "api_calls", 1000, "2025-09-11T00:00:00Z")
    world.model.run("2025-10", None)
    assert world.lines(customer, "2025-10") == [("adjustment", D("2.00"))]
    world.model.run("2025-12", None)
    assert world.lines(customer, "2025-12") == [("plan_fee", D("49.00")), ("adjustment", D("2.00"))]


def test_r2_a_run_without_a_unit_price_keeps_the_drafts():
    world = World()
    customer = world.customer()
    world.usage(customer, "storage", "1.5", "2025-09-03T10:00:00Z")
    world.model.run("2025-09", D("0.01"))
    world.model.run("2025-09", None)
    assert world.lines(customer, "2025-09") == [("usage", D("0.02"))]
    assert world.model.unpriced(customer, "2025-09", None, None) == ["storage"]
    other = world.customer()
    world.usage(other, "storage", "1.5", "2025-10-03T10:00:00Z")
    world.model.run("2025-10", None)
    assert world.lines(other, "2025-10") == [("usage", D("0"))]


def test_r3_void_then_the_next_run_reissues_and_an_earlier_adjustment_is_given_back():
    world = World()
    customer = world.customer(world.plan(GRADUATED))
    world.usage(customer, "api_calls", 2000, "2025-09-15T12:00:00Z")  # 2.00
    world.model.run("2025-09", None)
    world.finalize(customer, "2025-09")
    world.usage(customer, "api_calls", 1000, "2025-09-16T12:00:00Z")  # +2.00 late
    world.model.run("2025-10", None)
    world.finalize(customer, "2025-10")
    assert world.lines(customer, "2025-10") == [("adjustment", D("2.00"))]

    september = world.model.latest(customer, "2025-09")
    assert september is not None
    world.model.void(september.key)
    world.model.run("2025-09", None)
    reissue = world.model.latest(customer, "2025-09")
    assert reissue is not None and (reissue.issue, reissue.replaces) == (1, september.key)
    assert world.lines(customer, "2025-09") == [("usage", D("4.00"))]  # all of September's usage
    world.finalize(customer, "2025-09")
    world.model.run("2025-11", None)
    assert world.lines(customer, "2025-11") == [("adjustment", D("-2.00"))]  # October's 2.00 given back


def test_r3_reissue_makes_the_replacement_once_and_refuses_what_is_not_void():
    world = World()
    customer = world.customer(world.plan(amount="10.00"))
    world.model.run("2025-09", None)
    september = world.model.latest(customer, "2025-09")
    assert september is not None
    with pytest.raises(Refused):
        world.model.reissue(september.key)
    world.finalize(customer, "2025-09")
    world.model.void(september.key)
    first = world.model.reissue(september.key)
    assert world.model.reissue(september.key) is first
    assert [line.key() for line in first.content.lines] == [Line("plan_fee", D("10.00")).key()]


def test_a_plan_in_another_currency_is_refused_once_money_moved():
    world = World()
    jpy = world.plan(currency="JPY", amount="1000")
    customer = world.customer()
    world.model.set_plan(customer, jpy)  # nothing billed yet: allowed
    world.model.grant(customer, D("500"))
    with pytest.raises(Refused):
        world.model.set_plan(customer, world.plan(currency="USD"))


def test_lines_below_zero_are_carried_over_to_the_balance_and_a_void_takes_them_back_unless_spent():
    world = World()
    plan = world.plan({"feature": "storage", "model": "per_unit", "unit_amount": "10", "aggregation": "latest"})
    customer = world.customer(plan)
    world.usage(customer, "storage", 5, "2025-09-20T00:00:00Z")
    world.model.run("2025-09", None)
    world.finalize(customer, "2025-09")  # 50.00
    world.usage(customer, "storage", 1, "2025-09-25T00:00:00Z")  # latest is now 1: 10.00, 40.00 to give back
    world.model.run("2025-10", None)
    assert world.lines(customer, "2025-10") == [("adjustment", D("-40.00"))]
    world.finalize(customer, "2025-10")
    october = world.model.latest(customer, "2025-10")
    assert october is not None and (october.content.total, october.content.carried_over) == (D(0), D("40.00"))
    assert world.model.balance(customer, "USD") == D("40.00")
    world.usage(customer, "storage", 3, "2025-11-05T00:00:00Z")
    world.model.run("2025-11", None)
    world.finalize(customer, "2025-11")  # 30.00, paid by the carried credit
    with pytest.raises(Refused):
        world.model.void(october.key)  # 40.00 carried over, 10.00 left
    november = world.model.latest(customer, "2025-11")
    assert november is not None
    world.model.void(november.key)
    world.model.void(october.key)
    assert world.model.balance(customer, "USD") == D(0)
