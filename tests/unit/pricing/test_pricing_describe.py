from decimal import Decimal

from billing.pricing import Package, PerUnit, Rating, price_from_spec

from tests.sample_plans import API_CALLS_GRADUATED as API_CALLS

D = Decimal


def test_given_graduated_rating_when_described_then_free_tier_units_rates_and_flat() -> None:
    rating = price_from_spec(API_CALLS).rate(D(12500))

    assert rating.describe() == "1,000 free, 9,000 at 0.002, 2,500 at 0.001 + 5 flat"


def test_given_usage_inside_first_tier_when_described_then_only_that_tier() -> None:
    assert price_from_spec(API_CALLS).rate(D(250)).describe() == "250 free"


def test_given_zero_unit_amount_with_flat_when_described_then_not_called_free() -> None:
    spec = {"feature": "x", "model": "graduated", "tiers": [{"up_to": None, "unit_amount": "0", "flat_amount": "10"}]}

    assert price_from_spec(spec).rate(D(3)).describe() == "3 at 0 + 10 flat"


def test_given_volume_rating_when_described_then_all_units_at_one_rate() -> None:
    spec = {
        "feature": "seats",
        "model": "volume",
        "tiers": [{"up_to": "10", "unit_amount": "8"}, {"up_to": None, "unit_amount": "6", "flat_amount": "20"}],
    }

    assert price_from_spec(spec).rate(D(11)).describe() == "11 at 6 + 20 flat"


def test_given_per_unit_rating_when_described_then_units_at_unit_amount() -> None:
    assert PerUnit(D("0.25")).rate(D("1234.5")).describe() == "1,234.5 at 0.25"


def test_given_package_rating_when_described_then_packages_are_counted() -> None:
    price = Package(package_size=D(100), package_amount=D("1.50"))

    assert price.rate(D(101)).describe() == "101 as 2 packages of 100 at 1.50"
    assert price.rate(D(1)).describe() == "1 as 1 package of 100 at 1.50"


def test_given_no_usage_when_described_then_no_usage() -> None:
    assert Rating.of(()).describe() == "no usage"


def test_given_exponent_form_decimals_when_described_then_plain_digits() -> None:
    assert PerUnit(D("2E+1")).rate(D("1E+4")).describe() == "10,000 at 20"


def test_given_tier_charge_when_serialised_then_decimals_are_strings() -> None:
    rating = price_from_spec(API_CALLS).rate(D(12500))

    assert rating.breakdown[2].to_dict() == {
        "tier": 2,
        "from": "10000",
        "up_to": None,
        "units": "2500",
        "unit_amount": "0.001",
        "flat_amount": "5",
        "amount": "7.500",
    }
    assert Package(D(100), D("1.50")).rate(D(5)).breakdown[0].to_dict()["package_size"] == "100"
