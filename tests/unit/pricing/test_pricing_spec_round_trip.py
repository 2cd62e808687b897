import json
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
