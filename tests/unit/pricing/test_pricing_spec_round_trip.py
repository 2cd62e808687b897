import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from billing.pricing import (
    MODELS,
    Aggregation,
    Graduated,
    GraduatedPercentage,
    Package,
    Percentage,
    PerUnit,
    Volume,
    plan_from_spec,
    plan_to_spec,
    price_from_spec,
)

D = Decimal

SPECS: list[dict[str, Any]] = [
    {
        "feature": "api_calls",
        "model": "graduated",
        "tiers": [
            {"up_to": "1000", "unit_amount": "0"},
            {"up_to": "10000", "unit_amount": "0.002"},
            {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"},
        ],
    },
    {
        "feature": "seats",
        "model": "volume",
        "aggregation": "max",
        "tiers": [{"up_to": 10, "unit_amount": 8}, {"up_to": None, "unit_amount": "6", "flat_amount": D(20)}],
    },
    {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.25", "aggregation": "latest"},
    {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "1.50"},
    {
        "feature": "active_users",
        "model": "per_unit",
        "unit_amount": "3",
        "aggregation": "unique_count",
        "property": "user_id",
    },
    {"feature": "payments", "model": "percentage", "rate": "2.9"},
    {
        "feature": "card_payments",
        "model": "percentage",
        "rate": "1.3",
        "fixed_amount": "0.30",
        "free_units_per_events": 3,
        "free_units_per_total_aggregation": "250.0",
        "per_transaction_min_amount": "0.50",
        "per_transaction_max_amount": "12",
    },
    {
        "feature": "payouts",
        "model": "graduated_percentage",
        "aggregation": "count",
        "tiers": [{"up_to": "10", "rate": "1", "flat_amount": "200"}, {"up_to": None, "rate": "0.5"}],
    },
    {"feature": "mms", "model": "package", "package_size": "10", "package_amount": "100", "free_units": "10"},
]


@pytest.mark.parametrize("spec", SPECS, ids=[spec["feature"] for spec in SPECS])
def test_given_price_when_spec_stored_as_json_and_read_back_then_equal_price(spec: dict[str, Any]) -> None:
    price = price_from_spec(spec)

    stored = json.loads(json.dumps(price.to_spec()))

    assert price_from_spec(stored) == price
    assert price_from_spec(stored).to_spec() == stored


def test_given_graduated_spec_when_canonicalised_then_defaults_are_explicit_and_decimals_strings() -> None:
    assert price_from_spec(SPECS[0]).to_spec() == {
        "feature": "api_calls",
        "model": "graduated",
        "aggregation": "sum",
        "tiers": [
            {"up_to": "1000", "unit_amount": "0", "flat_amount": "0"},
            {"up_to": "10000", "unit_amount": "0.002", "flat_amount": "0"},
            {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"},
        ],
    }


def test_given_amount_with_trailing_zeros_when_canonicalised_then_kept_as_written() -> None:
    assert price_from_spec(SPECS[3]).to_spec()["package_amount"] == "1.50"


def test_given_exponent_decimal_when_canonicalised_then_plain_digits() -> None:
    spec = {"feature": "x", "model": "per_unit", "unit_amount": D("1E+2")}

    assert price_from_spec(spec).to_spec()["unit_amount"] == "100"


def test_given_unique_count_price_when_canonicalised_then_property_is_kept() -> None:
    spec = price_from_spec(SPECS[4]).to_spec()

    assert (spec["aggregation"], spec["property"]) == ("unique_count", "user_id")


def test_given_registry_then_one_strategy_per_model_name() -> None:
    assert {
        "per_unit": PerUnit,
        "graduated": Graduated,
        "volume": Volume,
        "package": Package,
        "percentage": Percentage,
        "graduated_percentage": GraduatedPercentage,
    } == MODELS


def test_given_spec_with_aggregation_when_built_then_aggregation_is_the_enum() -> None:
    assert price_from_spec(SPECS[1]).aggregation is Aggregation.MAX


def test_given_percentage_spec_when_canonicalised_then_only_the_fields_given_and_counts_as_integers() -> None:
    assert price_from_spec(SPECS[6]).to_spec() == {"feature": "card_payments", "aggregation": "sum", **SPECS[6]}
    assert price_from_spec(SPECS[5]).to_spec() == {
        "feature": "payments",
        "model": "percentage",
        "aggregation": "sum",
        "rate": "2.9",
    }


def test_given_graduated_percentage_spec_when_canonicalised_then_flat_amounts_are_explicit() -> None:
    assert price_from_spec(SPECS[7]).to_spec()["tiers"] == [
        {"up_to": "10", "rate": "1", "flat_amount": "200"},
        {"up_to": None, "rate": "0.5", "flat_amount": "0"},
    ]


def test_given_package_without_free_units_when_canonicalised_then_free_units_are_left_out() -> None:
    assert "free_units" not in price_from_spec(SPECS[3]).to_spec()
    assert price_from_spec(SPECS[8]).to_spec()["free_units"] == "10"


def test_given_plan_with_fee_and_every_model_when_stored_as_json_and_read_back_then_equal_plan() -> None:
    created = datetime(2025, 9, 1, tzinfo=UTC)
    plan = plan_from_spec(
        plan_id="plan_1",
        name="Everything",
        currency="USD",
        amount="49.00",
        minimum_amount="100",
        grace_period_days=3,
        prices=SPECS,
        created_at=created,
    )

    stored = json.loads(json.dumps(plan_to_spec(plan)))
    again = plan_from_spec(plan_id="plan_1", created_at=created, **stored)

    assert again == plan
    assert plan_to_spec(again) == stored
    assert (stored["amount"], again.amount) == ("49.00", D("49.00"))


def test_given_plan_without_fee_then_its_fee_is_zero() -> None:
    plan = plan_from_spec(plan_id="p", name="n", currency="USD", created_at=datetime(2025, 9, 1, tzinfo=UTC))

    assert (plan.amount, plan_to_spec(plan)["amount"]) == (D(0), "0")
