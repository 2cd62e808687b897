"""What a plan makes every customer owe, usage or not: its fee, a first tier's flat fee; and package free units.

Figures marked "Lago" come from getlago/lago-api's specs (spec/services/charge_models/graduated_service_spec.rb,
volume_service_spec.rb, package_service_spec.rb), Lago's package docs, and its minimum-commitment scenario
(getlago/lago-api PR #1787: "$50 + 3 * $10 = $80 + $20 (true-up fee) = $100").
"""

from decimal import Decimal
from typing import Any

import pytest

from tests.scenarios.conftest import at

D = Decimal
BEFORE_SEPTEMBER = "2025-08-20T00:00:00Z"

GRADUATED_WITH_FLATS = {  # Lago graduated_service_spec: at 0 units the first tier's flat amount, 2
    "feature": "api_calls",
    "model": "graduated",
    "tiers": [
        {"up_to": "10", "unit_amount": "10", "flat_amount": "2"},
        {"up_to": "20", "unit_amount": "5", "flat_amount": "3"},
        {"up_to": None, "unit_amount": "5", "flat_amount": "3"},
    ],
}
VOLUME_WITH_FLATS = {  # Lago volume_service_spec: 0 → 10, 1 → 12, 100 → 210
    "feature": "seats",
    "model": "volume",
    "aggregation": "max",
    "tiers": [
        {"up_to": "100", "unit_amount": "2", "flat_amount": "10"},
        {"up_to": "200", "unit_amount": "1"},
        {"up_to": None, "unit_amount": "0.5", "flat_amount": "50"},
    ],
}


def existing_customer(billing, *prices: dict[str, Any], **plan: Any):
    """A customer on the plan since before September (customers created after a period owe nothing for it)."""
    billing.clock.now = at(BEFORE_SEPTEMBER)
    customer = billing.customer(billing.plan(*prices, **plan))
    billing.clock.now = at("2025-10-02T09:30:00Z")
    return customer


# --- a first tier's flat fee, owed at zero usage ---


def test_a_customer_without_events_owes_the_first_tiers_flat_fees(billing):
    customer = existing_customer(billing, GRADUATED_WITH_FLATS, VOLUME_WITH_FLATS)

    assert len(billing.run("2025-09")) == 1

    invoice = billing.invoice(customer, "2025-09")
    assert billing.usage_amounts(invoice) == {"api_calls": D("2.00"), "seats": D("10.00")}
    assert invoice.total == D("12.00")
    descriptions = [line.description for line in invoice.line_items]
    assert descriptions == ["api_calls (graduated): 0 at 10 + 2 flat", "seats (volume): 0 at 2 + 10 flat"]


@pytest.mark.parametrize(("seats", "amount"), [(1, "12.00"), (100, "210.00"), (101, "101.00"), (201, "150.50")])
def test_lago_volume_figures_with_usage(billing, seats, amount):
    customer = existing_customer(billing, VOLUME_WITH_FLATS)
    billing.usage(customer, "seats", seats, "2025-09-10T00:00:00Z")

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"seats": D(amount)}


def test_a_feature_without_events_owes_its_flat_fee_next_to_a_feature_with_events(billing):
    customer = existing_customer(billing, GRADUATED_WITH_FLATS, VOLUME_WITH_FLATS)
    billing.usage(customer, "api_calls", 11, "2025-09-10T00:00:00Z")

    billing.run("2025-09")

    # api_calls: 10 at 10 + 2, 1 at 5 + 3 = 110; seats: nothing used, its first flat 10
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {
        "api_calls": D("110.00"),
        "seats": D("10.00"),
    }


def test_without_a_first_flat_fee_a_customer_without_events_gets_no_invoice(billing):
    free_first = {
        **GRADUATED_WITH_FLATS,
        "tiers": [{"up_to": "10", "unit_amount": "0"}, {"up_to": None, "unit_amount": "1", "flat_amount": "5"}],
    }
    customer = existing_customer(billing, free_first)

    assert billing.run("2025-09") == ()
    assert not billing.has_invoice(customer, "2025-09")


def test_a_customer_created_after_the_period_owes_no_flat_fee_for_it(billing):
    customer = billing.customer(billing.plan(VOLUME_WITH_FLATS))  # created 2025-10-02

    assert billing.run("2025-09") == ()
    assert not billing.has_invoice(customer, "2025-09")


def test_rerunning_and_finalizing_bill_the_flat_fee_once(billing):
    customer = existing_customer(billing, VOLUME_WITH_FLATS)
    billing.run("2025-09")
    billing.run("2025-09")

    finalized = billing.finalize(customer, "2025-09")

    assert billing.lines(finalized) == [("usage", D("10.00"))]


# --- the plan fee ---


def test_the_plan_fee_is_its_own_line_before_usage(billing):
    customer = existing_customer(billing, GRADUATED_WITH_FLATS, fee="49.00")
    billing.usage(customer, "api_calls", 3, "2025-09-10T00:00:00Z")

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.lines(invoice) == [("plan_fee", D("49.00")), ("usage", D("32.00"))]
    assert invoice.line_items[0].description == "Plan fee: 49.00 USD"
    assert (invoice.subtotal, invoice.total) == (D("81.00"), D("81.00"))


def test_a_customer_without_usage_owes_the_plan_fee(billing):
    customer = existing_customer(billing, fee="19.99")

    assert len(billing.run("2025-09")) == 1

    assert billing.lines(billing.invoice(customer, "2025-09")) == [("plan_fee", D("19.99"))]


def test_a_customer_without_usage_owes_the_plan_fee_and_the_first_flat_fee(billing):
    customer = existing_customer(billing, GRADUATED_WITH_FLATS, fee="49.00")

    billing.run("2025-09")

    assert billing.lines(billing.invoice(customer, "2025-09")) == [("plan_fee", D("49.00")), ("usage", D("2.00"))]


def test_a_customer_created_after_the_period_owes_no_plan_fee_for_it(billing):
    customer = billing.customer(billing.plan(fee="19.99"))

    assert billing.run("2025-09") == ()
    assert not billing.has_invoice(customer, "2025-09")


def test_lago_the_plan_fee_counts_towards_the_minimum(billing):
    # Lago PR #1787: a 50 plan, 10 per unit, 100 minimum; 3 units → 50 + 30 = 80, + a 20 true-up = 100.
    per_unit = {"feature": "api_calls", "model": "per_unit", "unit_amount": "10"}
    customer = existing_customer(billing, per_unit, fee="50", minimum="100")
    billing.usage(customer, "api_calls", 3, "2025-09-10T00:00:00Z")

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.lines(invoice) == [("plan_fee", D("50.00")), ("usage", D("30.00")), ("minimum", D("20.00"))]
    assert invoice.total == D("100.00")


def test_prepaid_credit_pays_the_plan_fee(billing):
    customer = existing_customer(billing, fee="49.00")
    billing.credit(customer, "30.00")
    billing.run("2025-09")

    finalized = billing.finalize(customer, "2025-09")

    assert billing.lines(finalized) == [("plan_fee", D("49.00")), ("credit", D("-30.00"))]
    assert (finalized.subtotal, finalized.credits_applied, finalized.total) == (D("49.00"), D("30.00"), D("19.00"))
    assert billing.balance(customer) == D("0.00")


def test_late_usage_adjusts_only_the_usage_not_the_plan_fee_again(billing):
    per_unit = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.10"}
    customer = existing_customer(billing, per_unit, fee="49.00")
    billing.usage(customer, "api_calls", 10, "2025-09-10T00:00:00Z")
    billing.run("2025-09")
    assert billing.finalize(customer, "2025-09").total == D("50.00")

    billing.usage(customer, "api_calls", 5, "2025-09-20T00:00:00Z")  # late September usage
    billing.run("2025-10")

    assert billing.lines(billing.invoice(customer, "2025-10")) == [("plan_fee", D("49.00")), ("adjustment", D("0.50"))]


def test_a_plan_fee_in_yen_is_whole_yen(billing):
    customer = existing_customer(billing, fee="5000", currency="JPY")

    billing.run("2025-09")

    assert billing.lines(billing.invoice(customer, "2025-09")) == [("plan_fee", D("5000"))]


# --- package free units ---

PACKAGE = {"feature": "sms", "model": "package", "package_size": "10", "package_amount": "100"}


@pytest.mark.parametrize(
    ("free_units", "quantity", "amount"),
    [
        ("0", 121, "1300.00"),  # Lago: 13 packages
        ("10", 121, "1200.00"),  # Lago: 111 paid units, 12 packages
        ("200", 121, "0.00"),  # Lago: more free units than usage
        ("10", 10, "0.00"),
        ("10", 11, "100.00"),  # the first unit past the free ones starts a package
    ],
)
def test_lago_package_with_free_units(billing, free_units, quantity, amount):
    customer = billing.customer(billing.plan({**PACKAGE, "free_units": free_units}))
    billing.usage(customer, "sms", quantity, "2025-09-10T00:00:00Z")

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"sms": D(amount)}


def test_lago_docs_package_example(billing):
    # Lago docs: 5 per 100 units, the first 100 free: 201 units cost 0 + 5 + 5 = 10.
    price = {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "5", "free_units": "100"}
    customer = billing.customer(billing.plan(price))
    billing.usage(customer, "sms", 201, "2025-09-10T00:00:00Z")

    billing.run("2025-09")

    line = billing.invoice(customer, "2025-09").line_items[0]
    assert (line.amount, line.description) == (D("10.00"), "sms (package): 100 free, 101 as 2 packages of 100 at 5")
