"""Percentage and graduated percentage: Lago's fields, its free-unit rules, exact Decimals, fields named on error.

Figures from getlago/lago-api spec/services/charge_models/percentage_service_spec.rb: events 50, 100, 250, 400
(running totals 50, 150, 400, 800), rate 1.3, fixed_amount 2.
"""

from decimal import Decimal
from typing import Any

import pytest
from billing.domain.errors import InvalidPrice
from billing.pricing import GraduatedPercentage, Percentage, PercentTier, PeriodEvents, Rating, price_from_spec

D = Decimal
LAGO_EVENTS = [D(50), D(100), D(250), D(400)]


def percentage(aggregation: str = "sum", **fields: Any):
    return price_from_spec({"feature": "payments", "model": "percentage", "aggregation": aggregation, **fields})


def rated(price, values: list[Decimal]) -> Rating:
    events = PeriodEvents(len(values), values if price.reads_event_values() else None)
    return price.rate(sum(values, D(0)), events)


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        pytest.param({}, "18.4", id="no-free-units"),  # 800 at 1.3 % + 4 × 2
        pytest.param({"free_units_per_total_aggregation": "250.0"}, "11.15", id="free-total"),  # 550 × 1.3 % + 2 × 2
        pytest.param({"free_units_per_events": 3}, "7.2", id="free-events"),  # 400 × 1.3 % + 1 × 2
        pytest.param(
            {"free_units_per_events": 3, "free_units_per_total_aggregation": "250.0"}, "11.15", id="both-total-first"
        ),
        pytest.param(
            {"free_units_per_events": 3, "free_units_per_total_aggregation": "500.0"}, "7.2", id="both-events-first"
        ),
        pytest.param({"free_units_per_events": 5}, "0", id="more-free-events-than-events"),
    ],
)
def test_lago_percentage_figures(fields, amount):
    assert rated(percentage(rate="1.3", fixed_amount="2.0", **fields), LAGO_EVENTS).amount == D(amount)


def test_rate_alone_is_a_percentage_of_the_value():
    assert percentage(rate="2.9").rate(D(4)).amount == D("0.116")  # Lago: 4 × 2.9 %


def test_rate_zero_with_a_fixed_fee_bills_the_fee_per_event():
    assert rated(percentage(rate="0", fixed_amount="2.0"), [D(200)] * 4).amount == D(8)  # Lago: 8


def test_no_fixed_fee_on_a_zero_value_even_with_events():
    rating = rated(percentage(rate="1", fixed_amount="5"), [D(0), D(0)])

    assert rating.amount == 0


def test_a_percentage_breakdown_names_free_and_paid_parts():
    rating = rated(percentage(rate="1.3", fixed_amount="2.0", free_units_per_total_aggregation="250.0"), LAGO_EVENTS)

    assert rating.describe() == "550.0 at 1.3 % (250.0 free), 2 events at 2.0 (2 free)"
    assert [charge.to_dict() for charge in rating.breakdown] == [
        {
            "kind": "percentage",
            "units": "800",
            "free_units": "250.0",
            "paid_units": "550.0",
            "rate": "1.3",
            "amount": "7.1500",
        },
        {"kind": "fixed_fee", "events": 4, "free_events": 2, "paid_events": 2, "fixed_amount": "2.0", "amount": "4.0"},
    ]


def test_which_prices_read_each_events_value():
    assert not percentage(rate="1").reads_event_values()
    assert not percentage(rate="1", fixed_amount="1").reads_event_values()
    assert not percentage(rate="1", free_units_per_total_aggregation="10").reads_event_values()  # min(total, 10)
    assert percentage(rate="1", fixed_amount="1", free_units_per_total_aggregation="10").reads_event_values()
    assert percentage(rate="1", free_units_per_events=2).reads_event_values()
    assert percentage(rate="1", per_transaction_max_amount="3").reads_event_values()
    assert not percentage("count", rate="1", free_units_per_events=2).reads_event_values()  # values are all 1


def test_count_aggregation_needs_no_event_values():
    price = percentage("count", rate="50", free_units_per_events=2, fixed_amount="0.10")

    assert price.rate(D(5), PeriodEvents(5)).amount == D("1.80")  # 3 × 50 % + 3 × 0.10


def test_a_price_that_needs_values_refuses_to_guess_without_them():
    with pytest.raises(ValueError, match="each event's value"):
        percentage(rate="1", free_units_per_events=2).rate(D(10), PeriodEvents(2))
    with pytest.raises(ValueError, match="event count"):
        percentage(rate="1", fixed_amount="1").rate(D(10))


def test_the_rate_is_exact_decimal_arithmetic():
    price = percentage(rate="0.1")

    assert price.rate(D("0.3")).amount == D("0.0003")
    assert isinstance(price.model, Percentage) and price.model.percent == D("0.1")


LAGO_TIERS = GraduatedPercentage(
    (PercentTier(D(10), D(1), D(200)), PercentTier(D(20), D(2), D(300)), PercentTier(None, D(3), D(400)))
)


@pytest.mark.parametrize(
    ("value", "amount"),
    [("0", "200"), ("1", "200.01"), ("10", "200.1"), ("11", "500.12"), ("12", "500.14"), ("21", "900.33")],
)
def test_lago_graduated_percentage_figures(value, amount):
    assert LAGO_TIERS.rate(D(value)).amount == D(amount)


def test_graduated_percentage_without_a_first_flat_costs_nothing_at_zero():
    price = GraduatedPercentage((PercentTier(D("0.01"), D(0)), PercentTier(None, D(1), D(200))))

    assert price.rate(D(0)) == Rating.of(())


def test_graduated_percentage_describes_each_slice():
    assert LAGO_TIERS.rate(D("12.5")).describe() == "10 at 1 % + 200 flat, 2.5 at 2 % + 300 flat"


def spec_field(spec: dict[str, Any]) -> str | None:
    with pytest.raises(InvalidPrice) as error:
        price_from_spec({"feature": "payments", **spec}, field="prices[0]")
    assert error.value.field and error.value.field in error.value.message
    return error.value.field


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param({"model": "percentage"}, "prices[0].rate", id="rate-missing"),
        pytest.param({"model": "percentage", "rate": "-1"}, "prices[0].rate", id="rate-negative"),
        pytest.param({"model": "percentage", "rate": 2.9}, "prices[0].rate", id="rate-float"),
        pytest.param({"model": "percentage", "rate": "abc"}, "prices[0].rate", id="rate-not-a-number"),
        pytest.param({"model": "percentage", "rate": "1", "fixed_amount": "-1"}, "prices[0].fixed_amount", id="fixed"),
        pytest.param(
            {"model": "percentage", "rate": "1", "free_units_per_events": 0},
            "prices[0].free_units_per_events",
            id="free-events-zero",
        ),
        pytest.param(
            {"model": "percentage", "rate": "1", "free_units_per_events": "1.5"},
            "prices[0].free_units_per_events",
            id="free-events-fraction",
        ),
        pytest.param(
            {"model": "percentage", "rate": "1", "free_units_per_total_aggregation": "-5"},
            "prices[0].free_units_per_total_aggregation",
            id="free-total-negative",
        ),
        pytest.param(
            {"model": "percentage", "rate": "1", "per_transaction_min_amount": "5", "per_transaction_max_amount": "4"},
            "prices[0].per_transaction_max_amount",
            id="max-below-min",
        ),
        pytest.param(
            {"model": "percentage", "rate": "1", "per_transaction_min_amount": "x"},
            "prices[0].per_transaction_min_amount",
            id="min-not-a-number",
        ),
        pytest.param({"model": "percentage", "rate": "1", "tiers": []}, "prices[0].tiers", id="unknown-field"),
        pytest.param(
            {"model": "percentage", "rate": "1", "aggregation": "latest"}, "prices[0].aggregation", id="latest"
        ),
        pytest.param(
            {"model": "percentage", "rate": "1", "aggregation": "max", "free_units_per_events": 1},
            "prices[0].free_units_per_events",
            id="free-events-need-values",
        ),
        pytest.param(
            {"model": "percentage", "rate": "1", "aggregation": "max", "per_transaction_max_amount": "1"},
            "prices[0].per_transaction_max_amount",
            id="min-max-need-values",
        ),
        pytest.param({"model": "graduated_percentage"}, "prices[0].tiers", id="tiers-missing"),
        pytest.param({"model": "graduated_percentage", "tiers": []}, "prices[0].tiers", id="tiers-empty"),
        pytest.param(
            {"model": "graduated_percentage", "tiers": [{"up_to": None}]}, "prices[0].tiers[0].rate", id="tier-rate"
        ),
        pytest.param(
            {"model": "graduated_percentage", "tiers": [{"up_to": "10", "rate": "1"}, {"up_to": None, "rate": "-2"}]},
            "prices[0].tiers[1].rate",
            id="tier-rate-negative",
        ),
        pytest.param(
            {"model": "graduated_percentage", "tiers": [{"up_to": None, "rate": "1", "flat_amount": "-1"}]},
            "prices[0].tiers[0].flat_amount",
            id="tier-flat-negative",
        ),
        pytest.param(
            {"model": "graduated_percentage", "tiers": [{"up_to": "5", "rate": "1"}, {"up_to": "4", "rate": "1"}]},
            "prices[0].tiers[1].up_to",
            id="tiers-not-ascending",
        ),
        pytest.param(
            {"model": "graduated_percentage", "tiers": [{"up_to": None, "rate": "1", "unit_amount": "1"}]},
            "prices[0].tiers[0].unit_amount",
            id="tier-unknown-field",
        ),
        pytest.param(
            {"model": "graduated_percentage", "aggregation": "latest", "tiers": [{"up_to": None, "rate": "1"}]},
            "prices[0].aggregation",
            id="graduated-percentage-latest",
        ),
        pytest.param(
            {"model": "package", "package_size": "10", "package_amount": "1", "free_units": "-1"},
            "prices[0].free_units",
            id="package-free-units-negative",
        ),
    ],
)
def test_bad_percentage_and_package_fields_are_named(spec, field):
    assert spec_field(spec) == field


def test_a_percentage_model_built_directly_checks_its_fields_too():
    with pytest.raises(InvalidPrice) as error:
        Percentage(D(1), free_units_per_events=0)
    assert error.value.field == "free_units_per_events"
    with pytest.raises(InvalidPrice):
        Percentage(2.9)  # type: ignore[arg-type]
