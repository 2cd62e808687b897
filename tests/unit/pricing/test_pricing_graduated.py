from decimal import Decimal

import pytest
from billing.domain.money import round_money
from billing.pricing import Graduated, Rating, Tier, TierCharge, price_from_spec

from tests.sample_plans import API_CALLS_GRADUATED as API_CALLS

D = Decimal


def api_calls(quantity: str) -> Decimal:
    return price_from_spec(API_CALLS).rate(D(quantity)).amount


def test_given_example_plan_when_12500_api_calls_then_25_50() -> None:
    amount = api_calls("12500")

    assert amount == D("25.5")  # 0 + 9,000 × 0.002 + 2,500 × 0.001 + 5
    assert round_money(amount, "USD") == D("25.50")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", "0"),
        ("1", "0"),
        ("1000", "0"),  # exactly the first up_to: still free
        ("1001", "0.002"),  # first unit of the second tier
        ("1000.5", "0.001"),  # half a unit in the second tier
        ("10000", "18"),  # exactly the second up_to
        ("10001", "23.001"),  # one unit in the open tier brings its flat amount
        ("10000.25", "23.00025"),
    ],
)
def test_given_graduated_tiers_when_rated_at_boundaries_then_each_unit_priced_in_its_tier(
    quantity: str, expected: str
) -> None:
    assert api_calls(quantity) == D(expected)


def test_given_graduated_tiers_when_rated_then_breakdown_lists_only_tiers_with_units() -> None:
    rating = price_from_spec(API_CALLS).rate(D(12500))

    assert rating.breakdown == (
        TierCharge(tier=0, from_=D(0), up_to=D(1000), units=D(1000), unit_amount=D(0), flat_amount=D(0), amount=D(0)),
        TierCharge(
            tier=1,
            from_=D(1000),
            up_to=D(10000),
            units=D(9000),
            unit_amount=D("0.002"),
            flat_amount=D(0),
            amount=D(18),
        ),
        TierCharge(
            tier=2, from_=D(10000), up_to=None, units=D(2500), unit_amount=D("0.001"), flat_amount=D(5), amount=D("7.5")
        ),
    )
    assert rating.amount == sum(charge.amount for charge in rating.breakdown)


def test_given_flat_amount_on_every_tier_when_usage_reaches_second_tier_then_two_flats() -> None:
    price = Graduated((Tier(D(10), D(1), D(100)), Tier(D(20), D(2), D(200)), Tier(None, D(3), D(300))))

    assert price.rate(D(0)).amount == D(100)  # the first tier's flat fee is owed at zero usage
    assert price.rate(D("0.1")).amount == D("100.1")
    assert price.rate(D(10)).amount == D(110)
    assert price.rate(D(11)).amount == D(110) + D(2) + D(200)


def test_given_no_usage_when_rated_then_the_first_tiers_flat_amount_is_charged() -> None:
    """As Lago, Stripe ("always bills the first flat rate tier when quantity=0") and OpenMeter do."""
    rating = Graduated((Tier(None, D(1), D(50)),)).rate(D(0))

    assert rating.amount == D(50)
    assert rating.breakdown == (
        TierCharge(tier=0, from_=D(0), up_to=None, units=D(0), unit_amount=D(1), flat_amount=D(50), amount=D(50)),
    )
    assert rating.describe() == "0 at 1 + 50 flat"


def test_given_no_usage_and_no_first_flat_amount_when_rated_then_nothing_is_charged() -> None:
    """Lago's spec: a free first tier with a flat fee on the second tier costs 0 at zero usage."""
    price = Graduated((Tier(D("0.01"), D(0)), Tier(D(10), D(10), D(2)), Tier(None, D(5), D(3))))

    assert price.rate(D(0)) == Rating.of(())
