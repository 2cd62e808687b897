"""Each pricing model billed through a full run, at its tier boundaries: 0, exactly up_to, up_to + 1.

Given a plan with one price, when a customer uses Q units in September and September is billed,
then the usage line costs exactly the amount below (rounded once, half up, to the cent).
"""

from decimal import Decimal

import pytest

from tests.sample_plans import API_CALLS_GRADUATED as ISSUE_GRADUATED

D = Decimal
SEPTEMBER = "2025-09-15T12:00:00Z"

STEEP_GRADUATED = {
    "feature": "api_calls",
    "model": "graduated",
    "tiers": [
        {"up_to": "100", "unit_amount": "1"},
        {"up_to": "200", "unit_amount": "0.5", "flat_amount": "10"},
        {"up_to": None, "unit_amount": "0.25"},
    ],
}
SEATS_VOLUME = {
    "feature": "seats",
    "model": "volume",
    "aggregation": "max",
    "tiers": [{"up_to": "10", "unit_amount": "8"}, {"up_to": None, "unit_amount": "6", "flat_amount": "20"}],
}
SMS_PACKAGE = {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "1.50"}


def billed(billing, price, quantity) -> Decimal:
    customer = billing.customer(billing.plan(price))
    billing.usage(customer, price["feature"], quantity, SEPTEMBER)
    billing.run("2025-09")
    return billing.usage_amounts(billing.invoice(customer, "2025-09"))[price["feature"]]


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        (0, "0.00"),
        (1000, "0.00"),  # exactly the free tier's up_to
        (1001, "0.00"),  # 1 unit at 0.002 = 0.002, rounds half up to 0.00
        (10000, "18.00"),  # 9,000 at 0.002
        (10001, "23.00"),  # + 1 at 0.001 + the last tier's 5 flat, once: 23.001
        (12500, "25.50"),  # 18 + 2,500 at 0.001 + 5
    ],
)
def test_graduated_prices_each_unit_in_its_tier_and_adds_a_tiers_flat_once(billing, quantity, amount):
    assert billed(billing, ISSUE_GRADUATED, quantity) == D(amount)


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [(0, "0.00"), (100, "100.00"), (101, "110.50"), (200, "160.00"), (201, "160.25")],
)
def test_graduated_flat_amount_applies_only_when_a_unit_falls_in_its_tier(billing, quantity, amount):
    assert billed(billing, STEEP_GRADUATED, quantity) == D(amount)


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [(0, "0.00"), (10, "80.00"), (11, "86.00"), (25, "170.00")],
)
def test_volume_prices_all_units_at_the_tier_the_total_reaches(billing, quantity, amount):
    assert billed(billing, SEATS_VOLUME, quantity) == D(amount)


def test_volume_with_max_aggregation_prices_the_peak_not_the_sum(billing):
    customer = billing.customer(billing.plan(SEATS_VOLUME))
    for seats, day in ((3, "03"), (11, "10"), (7, "20")):
        billing.usage(customer, "seats", seats, f"2025-09-{day}T12:00:00Z")

    billing.run("2025-09")

    line = next(line for line in billing.invoice(customer, "2025-09").line_items if line.feature == "seats")
    assert (line.quantity, line.amount) == (D(11), D("86.00"))
    assert line.breakdown == (
        {
            "tier": 1,
            "from": "10",
            "up_to": None,
            "units": "11",
            "unit_amount": "6",
            "flat_amount": "20",
            "amount": "86",
        },
    )


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [(0, "0.00"), (1, "1.50"), (100, "1.50"), (101, "3.00"), (250, "4.50")],
)
def test_package_charges_every_started_package_in_full(billing, quantity, amount):
    assert billed(billing, SMS_PACKAGE, quantity) == D(amount)


@pytest.mark.parametrize(
    ("unit_amount", "quantity", "amount"),
    [
        ("0.125", 1, "0.13"),  # half up; Python's default half-even would give 0.12
        ("0.005", 1, "0.01"),
        ("0.0049", 1, "0.00"),
        ("0.001", 5, "0.01"),  # 0.005: rounded once, on the line, not per unit
    ],
)
def test_per_unit_lines_are_rounded_once_half_up_to_the_cent(billing, unit_amount, quantity, amount):
    price = {"feature": "storage_gb", "model": "per_unit", "unit_amount": unit_amount}
    assert billed(billing, price, quantity) == D(amount)


def test_latest_aggregation_bills_the_quantity_with_the_greatest_timestamp_whatever_the_arrival_order(billing):
    price = {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.25", "aggregation": "latest"}
    customer = billing.customer(billing.plan(price))
    billing.usage(customer, "storage_gb", 10, "2025-09-20T00:00:00Z")
    billing.usage(customer, "storage_gb", 40, "2025-09-05T00:00:00Z")  # arrives later, happened earlier

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"storage_gb": D("2.50")}


def test_count_aggregation_bills_the_number_of_events(billing):
    price = {"feature": "logins", "model": "per_unit", "unit_amount": "0.10", "aggregation": "count"}
    customer = billing.customer(billing.plan(price))
    for quantity in (5, 0, 7):
        billing.usage(customer, "logins", quantity, SEPTEMBER)

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"logins": D("0.30")}


def test_unique_count_bills_distinct_property_values_and_ignores_events_without_it(billing):
    price = {
        "feature": "active_users",
        "model": "per_unit",
        "unit_amount": "3",
        "aggregation": "unique_count",
        "property": "user_id",
    }
    customer = billing.customer(billing.plan(price))
    billing.usage(customer, "active_users", 1, "2025-09-02T00:00:00Z", user_id="u1")
    billing.usage(customer, "active_users", 1, "2025-09-09T00:00:00Z", user_id="u1")
    billing.usage(customer, "active_users", 1, "2025-09-16T00:00:00Z", user_id="u2")
    billing.usage(customer, "active_users", 1, "2025-09-23T00:00:00Z")  # no user_id
    billing.usage(customer, "active_users", 1, "2025-10-01T00:00:00Z", user_id="u3")  # October

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"active_users": D("6.00")}


def test_the_issues_growth_plan_bills_every_feature_by_its_own_model(billing):
    plan = billing.plan(
        ISSUE_GRADUATED,
        SEATS_VOLUME,
        {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.25", "aggregation": "latest"},
        SMS_PACKAGE,
        {
            "feature": "active_users",
            "model": "per_unit",
            "unit_amount": "3",
            "aggregation": "unique_count",
            "property": "user_id",
        },
        minimum="25.00",
        grace=3,
    )
    customer = billing.customer(plan, timezone="America/New_York")
    billing.usage(customer, "api_calls", 12500, SEPTEMBER)
    billing.usage(customer, "seats", 12, SEPTEMBER)
    billing.usage(customer, "storage_gb", 40, "2025-09-10T00:00:00Z")
    billing.usage(customer, "storage_gb", 10, "2025-09-20T00:00:00Z")
    billing.usage(customer, "sms", 101, SEPTEMBER)
    for user in ("u1", "u1", "u2"):
        billing.usage(customer, "active_users", 1, SEPTEMBER, user_id=user)

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.usage_amounts(invoice) == {
        "active_users": D("6.00"),
        "api_calls": D("25.50"),
        "seats": D("92.00"),
        "sms": D("3.00"),
        "storage_gb": D("2.50"),
    }
    assert (invoice.subtotal, invoice.credits_applied, invoice.total) == (D("129.00"), D("0"), D("129.00"))
    assert invoice.currency == "USD"
    assert invoice.plan_id == plan.id


def test_a_feature_the_plan_does_not_price_is_billed_per_unit_at_the_runs_unit_price(billing):
    customer = billing.customer(billing.plan(SMS_PACKAGE))
    billing.usage(customer, "sms", 100, SEPTEMBER)
    billing.usage(customer, "webhooks", 250, SEPTEMBER)

    billing.run("2025-09", unit_price="0.01")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"sms": D("1.50"), "webhooks": D("2.50")}
