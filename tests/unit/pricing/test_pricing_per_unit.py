from decimal import Decimal

import pytest
from billing.domain.errors import InvalidPrice
from billing.pricing import PerUnit, TierCharge, price_from_spec

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("0", "0"), ("1", "0.25"), ("4", "1.00"), ("0.5", "0.125"), ("1000000", "250000")],
)
def test_given_per_unit_price_when_rated_then_quantity_times_unit_amount(quantity: str, expected: str) -> None:
    assert PerUnit(D("0.25")).rate(D(quantity)).amount == D(expected)


def test_given_per_unit_price_when_rated_then_amount_is_not_rounded() -> None:
    assert PerUnit(D("0.001")).rate(D("3")).amount.as_tuple() == D("0.003").as_tuple()


def test_given_per_unit_price_when_rated_then_one_open_ended_tier_in_breakdown() -> None:
    rating = PerUnit(D("0.25")).rate(D("12"))

    assert rating.breakdown == (
        TierCharge(
            tier=0, from_=D(0), up_to=None, units=D(12), unit_amount=D("0.25"), flat_amount=D(0), amount=D("3.00")
        ),
    )


def test_given_no_usage_when_rated_then_zero_and_empty_breakdown() -> None:
    rating = PerUnit(D("0.25")).rate(D(0))

    assert rating.amount == 0
    assert rating.breakdown == ()


def test_given_unique_count_per_unit_spec_when_built_then_price_keeps_property() -> None:
    price = price_from_spec(
        {
            "feature": "active_users",
            "model": "per_unit",
            "unit_amount": "3",
            "aggregation": "unique_count",
            "property": "user_id",
        }
    )

    assert price.property == "user_id"
    assert price.rate(D(7)).amount == D(21)


@pytest.mark.parametrize("quantity", [D("-1"), 1.5, True, "abc"])
def test_given_bad_quantity_when_rated_then_invalid_price_names_quantity(quantity: object) -> None:
    with pytest.raises(InvalidPrice) as error:
        PerUnit(D(1)).rate(quantity)  # type: ignore[arg-type]

    assert error.value.field == "quantity"
