from decimal import Decimal

import pytest
from billing.pricing import Package, TierCharge, price_from_spec

D = Decimal

SMS = {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "1.50"}


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("0", "0"), ("1", "1.50"), ("100", "1.50"), ("101", "3.00"), ("200", "3.00"), ("0.5", "1.50"), ("100.01", "3.00")],
)
def test_given_package_price_when_rated_then_every_started_package_is_charged(quantity: str, expected: str) -> None:
    assert price_from_spec(SMS).rate(D(quantity)).amount == D(expected)


def test_given_fractional_package_size_when_rated_then_exact_package_count() -> None:
    price = Package(package_size=D("0.1"), package_amount=D(2))

    assert price.rate(D("0.3")).amount == D(6)  # exactly 3 packages: no float drift to 4
    assert price.rate(D("0.31")).amount == D(8)


def test_given_huge_quantity_when_rated_then_package_count_is_exact() -> None:
    price = Package(package_size=D(3), package_amount=D(1))

    # 28 digits: (q / 3) rounded to the context's 28 digits would lose the started package.
    assert price.rate(D("3000000000000000000000000001")).amount == D("1000000000000000000000000001")


def test_given_package_price_when_rated_then_breakdown_carries_the_package_size() -> None:
    rating = price_from_spec(SMS).rate(D(101))

    assert rating.breakdown == (
        TierCharge(
            tier=0,
            from_=D(0),
            up_to=None,
            units=D(101),
            unit_amount=D("1.50"),
            flat_amount=D(0),
            amount=D("3.00"),
            package_size=D(100),
        ),
    )
