from decimal import Decimal

import pytest
from billing.pricing import TierCharge, Volume, price_from_spec

D = Decimal

SEATS = {
    "feature": "seats",
    "model": "volume",
    "aggregation": "max",
    "tiers": [
        {"up_to": "10", "unit_amount": "8"},
        {"up_to": None, "unit_amount": "6", "flat_amount": "20"},
    ],
}


def seats(quantity: str) -> Decimal:
    return price_from_spec(SEATS).rate(D(quantity)).amount


def test_given_example_plan_when_10_seats_then_80() -> None:
    assert seats("10") == D(80)


def test_given_example_plan_when_11_seats_then_all_at_second_tier_plus_flat_86() -> None:
    assert seats("11") == D(86)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("0", "0"), ("1", "8"), ("9.5", "76"), ("10.5", "83"), ("100", "620")],
)
def test_given_volume_tiers_when_rated_then_all_units_at_the_reached_tier(quantity: str, expected: str) -> None:
    assert seats(quantity) == D(expected)


def test_given_volume_tiers_when_rated_then_breakdown_is_the_one_reached_tier() -> None:
    rating = price_from_spec(SEATS).rate(D(11))

    assert rating.breakdown == (
        TierCharge(tier=1, from_=D(10), up_to=None, units=D(11), unit_amount=D(6), flat_amount=D(20), amount=D(86)),
    )


def test_given_flat_amount_on_first_tier_when_no_usage_then_the_flat_amount() -> None:
    price = price_from_spec(
        {"feature": "seats", "model": "volume", "tiers": [{"up_to": None, "unit_amount": "1", "flat_amount": "9"}]}
    )

    assert price.rate(D(0)).amount == D(9)
    assert price.rate(D(1)).amount == D(10)


def test_given_volume_price_when_quantity_crosses_a_tier_then_total_can_drop() -> None:
    # Volume pricing is not monotone across tiers: that is the point of a volume discount.
    price = price_from_spec(
        {
            "feature": "seats",
            "model": "volume",
            "tiers": [{"up_to": "10", "unit_amount": "10"}, {"up_to": None, "unit_amount": "5"}],
        }
    )

    assert price.rate(D(10)).amount == D(100)
    assert price.rate(D(11)).amount == D(55)
    assert isinstance(price.model, Volume)
