"""Every refused price names the exact field, as the API reports it (`prices[i]...`)."""

from decimal import Decimal
from typing import Any

import pytest
from billing.domain.errors import InvalidInput, InvalidPrice
from billing.pricing import Graduated, Package, PerUnit, Price, Tier, Volume, price_from_spec

D = Decimal


def graduated(*tiers: object, **extra: Any) -> dict[str, Any]:
    return {"feature": "api_calls", "model": "graduated", "tiers": list(tiers), **extra}


OPEN = {"up_to": None, "unit_amount": "1"}


def field_of_error(spec: object, *, field: str = "prices[0]") -> str | None:
    with pytest.raises(InvalidPrice) as error:
        price_from_spec(spec, field=field)  # type: ignore[arg-type]
    assert error.value.field and error.value.field in error.value.message
    return error.value.field


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param(["not", "an", "object"], "prices[0]", id="spec-not-an-object"),
        pytest.param({"feature": "x", "unit_amount": "1"}, "prices[0].model", id="model-missing"),
        pytest.param({"feature": "x", "model": "tiered", "unit_amount": "1"}, "prices[0].model", id="model-unknown"),
        pytest.param({"feature": "x", "model": 3, "unit_amount": "1"}, "prices[0].model", id="model-not-a-string"),
        pytest.param({"model": "per_unit", "unit_amount": "1"}, "prices[0].feature", id="feature-missing"),
        pytest.param(
            {"feature": " ", "model": "per_unit", "unit_amount": "1"}, "prices[0].feature", id="feature-blank"
        ),
        pytest.param({"feature": 7, "model": "per_unit", "unit_amount": "1"}, "prices[0].feature", id="feature-number"),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "1", "aggregation": "avg"},
            "prices[0].aggregation",
            id="aggregation-unknown",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "1", "aggregation": "unique_count"},
            "prices[0].property",
            id="unique-count-without-property",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "1", "aggregation": "unique_count", "property": ""},
            "prices[0].property",
            id="unique-count-blank-property",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "1", "property": "user_id"},
            "prices[0].property",
            id="property-without-unique-count",
        ),
        pytest.param({"feature": "x", "model": "per_unit"}, "prices[0].unit_amount", id="per-unit-amount-missing"),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "1", "tiers": []},
            "prices[0].tiers",
            id="per-unit-with-tiers",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "1", "colour": "red"},
            "prices[0].colour",
            id="unknown-key",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "-0.01"},
            "prices[0].unit_amount",
            id="per-unit-negative",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": 0.25}, "prices[0].unit_amount", id="per-unit-float"
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "abc"},
            "prices[0].unit_amount",
            id="per-unit-not-a-number",
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": None}, "prices[0].unit_amount", id="per-unit-null"
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": True}, "prices[0].unit_amount", id="per-unit-bool"
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "NaN"}, "prices[0].unit_amount", id="per-unit-nan"
        ),
        pytest.param(
            {"feature": "x", "model": "per_unit", "unit_amount": "Infinity"},
            "prices[0].unit_amount",
            id="per-unit-infinite",
        ),
        pytest.param({"feature": "x", "model": "graduated"}, "prices[0].tiers", id="tiers-missing"),
        pytest.param(graduated(), "prices[0].tiers", id="tiers-empty"),
        pytest.param({"feature": "x", "model": "volume", "tiers": "1-10"}, "prices[0].tiers", id="tiers-not-a-list"),
        pytest.param(graduated({"up_to": "5", "unit_amount": "1"}, "open"), "prices[0].tiers[1]", id="tier-not-object"),
        pytest.param(graduated({"unit_amount": "1"}), "prices[0].tiers[0].up_to", id="tier-up-to-missing"),
        pytest.param(graduated({"up_to": None}), "prices[0].tiers[0].unit_amount", id="tier-unit-amount-missing"),
        pytest.param(
            graduated({"up_to": None, "unit_amount": "1", "price": "2"}),
            "prices[0].tiers[0].price",
            id="tier-extra-key",
        ),
        pytest.param(
            graduated({"up_to": "10", "unit_amount": "1"}, {"up_to": "10", "unit_amount": "1"}, OPEN),
            "prices[0].tiers[1].up_to",
            id="up-to-repeated",
        ),
        pytest.param(
            graduated({"up_to": "10", "unit_amount": "1"}, {"up_to": "5", "unit_amount": "1"}, OPEN),
            "prices[0].tiers[1].up_to",
            id="up-to-descending",
        ),
        pytest.param(graduated({"up_to": "0", "unit_amount": "1"}, OPEN), "prices[0].tiers[0].up_to", id="up-to-zero"),
        pytest.param(
            graduated({"up_to": "-5", "unit_amount": "1"}, OPEN), "prices[0].tiers[0].up_to", id="up-to-negative"
        ),
        pytest.param(
            graduated({"up_to": 10.0, "unit_amount": "1"}, OPEN), "prices[0].tiers[0].up_to", id="up-to-float"
        ),
        pytest.param(
            graduated({"up_to": "ten", "unit_amount": "1"}, OPEN), "prices[0].tiers[0].up_to", id="up-to-not-a-number"
        ),
        pytest.param(
            graduated({"up_to": "10", "unit_amount": "1"}, {"up_to": "20", "unit_amount": "1"}),
            "prices[0].tiers[1].up_to",
            id="last-tier-bounded",
        ),
        pytest.param(
            graduated(OPEN, {"up_to": None, "unit_amount": "2"}), "prices[0].tiers[0].up_to", id="open-tier-first"
        ),
        pytest.param(
            graduated({"up_to": "10", "unit_amount": "1"}, {"up_to": None, "unit_amount": "-2"}),
            "prices[0].tiers[1].unit_amount",
            id="tier-unit-amount-negative",
        ),
        pytest.param(
            graduated({"up_to": None, "unit_amount": "1", "flat_amount": "-5"}),
            "prices[0].tiers[0].flat_amount",
            id="tier-flat-amount-negative",
        ),
        pytest.param(
            graduated({"up_to": None, "unit_amount": "1", "flat_amount": 5.0}),
            "prices[0].tiers[0].flat_amount",
            id="tier-flat-amount-float",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_amount": "1.50"},
            "prices[0].package_size",
            id="package-size-missing",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_size": "100"},
            "prices[0].package_amount",
            id="package-amount-missing",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_size": "0", "package_amount": "1.50"},
            "prices[0].package_size",
            id="package-size-zero",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_size": "-100", "package_amount": "1.50"},
            "prices[0].package_size",
            id="package-size-negative",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_size": 100.0, "package_amount": "1.50"},
            "prices[0].package_size",
            id="package-size-float",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "-1.50"},
            "prices[0].package_amount",
            id="package-amount-negative",
        ),
        pytest.param(
            {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "1.50", "unit_amount": "1"},
            "prices[0].unit_amount",
            id="package-with-unit-amount",
        ),
    ],
)
def test_given_invalid_spec_when_built_then_invalid_price_names_the_field(spec: object, field: str) -> None:
    assert field_of_error(spec) == field


def test_given_third_tier_out_of_order_in_second_price_when_built_then_field_is_its_full_path() -> None:
    spec = graduated(
        {"up_to": "10", "unit_amount": "1"},
        {"up_to": "20", "unit_amount": "1"},
        {"up_to": "15", "unit_amount": "1"},
        OPEN,
    )

    assert field_of_error(spec, field="prices[1]") == "prices[1].tiers[2].up_to"


def test_given_invalid_price_then_it_is_an_invalid_input_for_the_http_error_map() -> None:
    with pytest.raises(InvalidInput):
        price_from_spec({"feature": "x", "model": "nope"})


@pytest.mark.parametrize("amount", ["0.25", 0, 3, D("0.25")], ids=["string", "int-zero", "int", "decimal"])
def test_given_string_int_or_decimal_amount_when_built_then_accepted_as_decimal(amount: object) -> None:
    price = price_from_spec({"feature": "x", "model": "per_unit", "unit_amount": amount})

    assert isinstance(price.model, PerUnit)
    assert price.model.unit_amount == D(str(amount))
    assert isinstance(price.model.unit_amount, Decimal)


def test_given_null_optional_fields_when_built_then_defaults_apply() -> None:
    price = price_from_spec(graduated({"up_to": None, "unit_amount": "1", "flat_amount": None}, aggregation=None))

    assert price.aggregation == "sum"
    assert price.model == Graduated((Tier(None, D(1)),))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: PerUnit(0.25), "unit_amount", id="per-unit-float"),  # type: ignore[arg-type]
        pytest.param(lambda: PerUnit(D(-1)), "unit_amount", id="per-unit-negative"),
        pytest.param(lambda: Tier(D(5), D(1), D(-1)), "flat_amount", id="tier-flat-negative"),
        pytest.param(lambda: Tier(5.0, D(1)), "up_to", id="tier-up-to-float"),  # type: ignore[arg-type]
        pytest.param(lambda: Graduated(()), "tiers", id="graduated-no-tiers"),
        pytest.param(lambda: Volume((Tier(D(5), D(1)),)), "tiers[0].up_to", id="volume-last-tier-bounded"),
        pytest.param(lambda: Volume(("tier",)), "tiers[0]", id="volume-tier-not-a-tier"),  # type: ignore[arg-type]
        pytest.param(lambda: Package(D(0), D(1)), "package_size", id="package-size-zero"),
        pytest.param(lambda: Price("x", PerUnit(D(1)), "avg"), "aggregation", id="price-aggregation"),  # type: ignore[arg-type]
        pytest.param(lambda: Price("", PerUnit(D(1))), "feature", id="price-feature"),
        pytest.param(lambda: Price("x", PerUnit(D(1)), property="user_id"), "property", id="price-property"),
    ],
)
def test_given_invalid_fields_when_constructed_directly_then_invalid_price_names_the_field(
    build: Any, field: str
) -> None:
    with pytest.raises(InvalidPrice) as error:
        build()

    assert error.value.field == field
