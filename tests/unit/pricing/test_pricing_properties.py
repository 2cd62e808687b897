"""Properties of the models, checked over a deterministic grid of quantities (hypothesis is not installed)."""

from decimal import Decimal
from itertools import pairwise

import pytest
from billing.pricing import Graduated, Package, PerUnit, Tier, Volume

D = Decimal

QUANTITIES = [D(0), D("0.001"), D("0.5"), D(1), D(9), D(10), D("10.01"), D(11), D(99), D(100), D(101), D(12345)]
UNIT_AMOUNTS = [D(0), D("0.001"), D("0.25"), D(3), D("19.99")]
TIERS = (Tier(D(10), D(5), D(1)), Tier(D(100), D(4)), Tier(None, D("2.5"), D(7)))


@pytest.mark.parametrize("unit_amount", UNIT_AMOUNTS)
def test_given_single_open_tier_then_graduated_and_volume_equal_per_unit(unit_amount: Decimal) -> None:
    open_tier = (Tier(None, unit_amount),)
    for quantity in QUANTITIES:
        expected = PerUnit(unit_amount).rate(quantity).amount
        assert Graduated(open_tier).rate(quantity).amount == expected
        assert Volume(open_tier).rate(quantity).amount == expected


def test_given_graduated_tiers_then_amount_is_sum_of_breakdown_and_units_add_up() -> None:
    for quantity in QUANTITIES:
        rating = Graduated(TIERS).rate(quantity)
        assert rating.amount == sum(charge.amount for charge in rating.breakdown)
        assert sum(charge.units for charge in rating.breakdown) == quantity


def test_given_graduated_tiers_then_amount_never_decreases_with_quantity() -> None:
    amounts = [Graduated(TIERS).rate(quantity).amount for quantity in QUANTITIES]

    assert amounts == sorted(amounts)


def test_given_volume_tiers_then_amount_is_monotone_within_each_tier() -> None:
    volume = Volume(TIERS)
    for quantities in ([D("0.5"), D(1), D(9), D(10)], [D("10.01"), D(11), D(99), D(100)], [D(101), D(12345)]):
        amounts = [volume.rate(quantity).amount for quantity in quantities]
        assert all(low <= high for low, high in pairwise(amounts))
        assert len({volume.rate(quantity).breakdown[0].tier for quantity in quantities}) == 1


def test_given_package_price_then_amount_is_a_whole_number_of_packages_covering_the_quantity() -> None:
    package = Package(package_size=D(10), package_amount=D("1.5"))
    for quantity in QUANTITIES:
        packages = package.rate(quantity).amount / D("1.5")
        assert packages == packages.to_integral_value()
        assert packages * 10 >= quantity > (packages - 1) * 10
