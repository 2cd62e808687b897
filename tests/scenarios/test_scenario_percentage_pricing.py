"""Percentage and graduated percentage prices billed through full runs, to the cent.

Figures marked "Lago" are taken from getlago/lago-api's own specs (read, not copied):
- spec/scenarios/current_usage/by_charge_model/percentage_spec.rb (events sent one by one, usage after each),
- spec/services/charge_models/percentage_service_spec.rb (per-transaction min/max on events 10, 80, 10,000),
- spec/services/charge_models/graduated_percentage_service_spec.rb (three tiers with flat amounts).
Lago bills in cents; ours are the same amounts as decimal strings, each line rounded once, half up.
"""

from decimal import Decimal
from typing import Any

import pytest

from tests.scenarios.conftest import at

D = Decimal


def percentage(**fields: Any) -> dict[str, Any]:
    return {"feature": "payments", "model": "percentage", **fields}


def september(day: int, minute: int = 0) -> str:
    return f"2025-09-{day:02d}T12:{minute:02d}:00Z"


def payments_line(billing, customer, period: str = "2025-09"):
    billing.run(period)
    return next(line for line in billing.invoice(customer, period).line_items if line.feature == "payments")


def billed_after_each(billing, price: dict[str, Any], amounts: list[str]) -> list[Decimal]:
    """Send the events one by one (a minute apart) and bill September after each, as Lago's scenarios do."""
    customer = billing.customer(billing.plan(price))
    billed = []
    for minute, amount in enumerate(amounts):
        billing.usage(customer, "payments", amount, september(6, minute))
        billed.append(payments_line(billing, customer).amount)
    return billed


def test_a_percentage_of_summed_transaction_amounts(billing):
    customer = billing.customer(billing.plan(percentage(rate="2.9")))
    billing.usage(customer, "payments", "100.00", september(3))
    billing.usage(customer, "payments", "250.50", september(4))

    line = payments_line(billing, customer)

    assert (line.quantity, line.amount) == (D("350.50"), D("10.16"))  # 10.1645, rounded once
    assert line.description == "payments (percentage): 350.50 at 2.9 %"
    assert line.breakdown == (
        {
            "kind": "percentage",
            "units": "350.50",
            "free_units": "0",
            "paid_units": "350.50",
            "rate": "2.9",
            "amount": "10.16450",
        },
    )


def test_lago_free_units_per_events_with_a_fixed_fee(billing):
    # Lago: rate 1, fixed_amount 5, free_units_per_events 3; four events of 10 → 510 cents.
    price = percentage(rate="1", fixed_amount="5", free_units_per_events=3)

    assert billed_after_each(billing, price, ["10", "10", "10", "10"]) == [D("0.00"), D("0.00"), D("0.00"), D("5.10")]


def test_lago_free_units_per_total_aggregation_with_a_fixed_fee(billing):
    # Lago: rate 1, fixed_amount 5, free_units_per_total_aggregation 15; events 4, 4, 4, 4, 10 → 0, 0, 0, 501, 1011.
    # An event pays the fixed fee from the one whose running total reaches 15 on.
    price = percentage(rate="1", fixed_amount="5", free_units_per_total_aggregation="15.0")

    assert billed_after_each(billing, price, ["4", "4", "4", "4", "10"]) == [
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("5.01"),  # 1 over 15 at 1 % + 1 event at 5
        D("10.11"),  # 11 over 15 at 1 % + 2 events at 5
    ]


def test_lago_both_free_units_when_the_events_run_out_first(billing):
    # Lago "events overage": both free units set; four events of 1 → 0, 0, 0, 501.
    price = percentage(rate="1", fixed_amount="5", free_units_per_events=3, free_units_per_total_aggregation="15.0")

    assert billed_after_each(billing, price, ["1", "1", "1", "1"]) == [D("0.00"), D("0.00"), D("0.00"), D("5.01")]


def test_lago_both_free_units_when_the_total_runs_out_first(billing):
    # Lago "total_agg overage": both free units set; events of 10 → 0, 505, 1015.
    price = percentage(rate="1", fixed_amount="5", free_units_per_events=3, free_units_per_total_aggregation="15.0")

    assert billed_after_each(billing, price, ["10", "10", "10"]) == [D("0.00"), D("5.05"), D("10.15")]


def test_lago_per_transaction_min_and_max(billing):
    # Lago: rate 1, fixed_amount 1, min 1.75, max 12; events 100, 1,000, 10,000 → 200, 1300, 2500 cents.
    price = percentage(rate="1", fixed_amount="1", per_transaction_min_amount="1.75", per_transaction_max_amount="12")

    assert billed_after_each(billing, price, ["100", "1000", "10000"]) == [D("2.00"), D("13.00"), D("25.00")]


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        pytest.param({}, "16.14", id="min-and-max"),  # Lago 16.142: 1.75 (min) + 2.392 + 12 (max)
        pytest.param({"fixed_amount": "2.0"}, "18.69", id="with-fixed-amount"),  # Lago 18.691
        pytest.param({"free_units_per_events": 2}, "12.00", id="with-free-events"),  # Lago 12
        pytest.param({"free_units_per_total_aggregation": "30"}, "13.79", id="with-free-total"),  # Lago 13.794
        pytest.param(
            {"free_units_per_events": 3, "free_units_per_total_aggregation": "10000"}, "2.69", id="with-both"
        ),  # Lago 2.691
    ],
)
def test_lago_per_transaction_min_and_max_with_free_units(billing, fields, amount):
    price = percentage(rate="2.99", per_transaction_min_amount="1.75", per_transaction_max_amount="12", **fields)
    customer = billing.customer(billing.plan(price))
    for day, value in ((3, "10"), (4, "80"), (5, "10000")):
        billing.usage(customer, "payments", value, september(day))

    assert payments_line(billing, customer).amount == D(amount)


def test_free_events_are_the_first_in_event_time_not_in_arrival_order(billing):
    customer = billing.customer(billing.plan(percentage(rate="10", free_units_per_events=1)))
    billing.usage(customer, "payments", "100", september(20))
    billing.usage(customer, "payments", "10", september(5))  # sent later, happened first: this one is free

    assert payments_line(billing, customer).amount == D("10.00")  # 100 at 10 %


def test_a_percentage_of_counted_events_with_free_events(billing):
    price = percentage(rate="50", aggregation="count", free_units_per_events=2, fixed_amount="0.10")
    customer = billing.customer(billing.plan(price))
    for day in range(1, 6):
        billing.usage(customer, "payments", "999", september(day))

    line = payments_line(billing, customer)

    assert (line.quantity, line.amount) == (D(5), D("1.80"))  # 3 over 2 free at 50 % + 3 events at 0.10


def test_a_percentage_price_without_events_bills_nothing(billing):
    price = percentage(rate="1", fixed_amount="1", per_transaction_min_amount="1.75")
    customer = billing.customer(billing.plan(price))
    billing.usage(customer, "other", 1, september(3))

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"other": D("0.00")}


def test_late_payment_events_re_rate_a_finalized_period_in_event_time_order(billing):
    customer = billing.customer(billing.plan(percentage(rate="10", free_units_per_events=1)))
    billing.usage(customer, "payments", "100", september(20))
    billing.run("2025-09")
    assert billing.finalize(customer, "2025-09").total == D("0.00")  # the only event is free

    billing.usage(customer, "payments", "30", september(2))  # late, and now the first of September
    billing.usage(customer, "payments", "1", "2025-10-03T00:00:00Z")
    billing.run("2025-10")

    october = billing.invoice(customer, "2025-10")
    assert billing.lines(october) == [("usage", D("0.00")), ("adjustment", D("10.00"))]


GRADUATED_PERCENTAGE = {
    "feature": "payments",
    "model": "graduated_percentage",
    "tiers": [
        {"up_to": "10", "rate": "1", "flat_amount": "200"},
        {"up_to": "20", "rate": "2", "flat_amount": "300"},
        {"up_to": None, "rate": "3", "flat_amount": "400"},
    ],
}


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("1", "200.01"),
        ("10", "200.10"),
        ("11", "500.12"),
        ("12", "500.14"),
        ("21", "900.33"),  # 200 + 0.10 + 300 + 0.20 + 400 + 0.03
        ("10.5", "500.11"),  # 10 at 1 % + 200, 0.5 at 2 % + 300: a tier's flat once the value reaches it
    ],
)
def test_lago_graduated_percentage(billing, value, amount):
    customer = billing.customer(billing.plan(GRADUATED_PERCENTAGE))
    billing.usage(customer, "payments", value, september(3))

    assert payments_line(billing, customer).amount == D(amount)


def test_lago_graduated_percentage_bills_its_first_flat_amount_without_any_event(billing):
    billing.clock.now = at("2025-08-20T00:00:00Z")  # a customer since before September
    customer = billing.customer(billing.plan(GRADUATED_PERCENTAGE))

    billing.run("2025-09")

    line = next(iter(billing.invoice(customer, "2025-09").line_items))
    assert (line.feature, line.quantity, line.amount) == ("payments", D(0), D("200.00"))
    assert line.breakdown == (
        {
            "tier": 0,
            "from": "0",
            "up_to": "10",
            "units": "0",
            "unit_amount": "0.01",
            "flat_amount": "200",
            "amount": "200.00",
            "rate": "1",
        },
    )
