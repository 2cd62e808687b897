"""An invoice whose lines sum below zero owes the customer money: its total is 0, and finalizing it carries
the difference over to the customer's credit balance (as Stripe credits a negative invoice to the customer's
balance), so the next invoice pays with it. Voiding it takes the carry-over back, and is refused while that
credit is spent."""

from decimal import Decimal

import pytest
from billing.domain.credits import CreditKind
from billing.domain.errors import CarryoverSpent

D = Decimal
SEATS = {"feature": "seats", "model": "per_unit", "unit_amount": "1.00", "aggregation": "latest"}
API_CALLS = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}


def ledger(billing, customer):
    return [(entry.kind, entry.amount) for entry in billing.services.credits.ledger(customer.id).entries]


@pytest.fixture
def given_a_refund_bigger_than_october(billing):
    """September billed 100 seats (latest) and finalized; a later September event says 10 seats: September
    re-rated is 10.00, so October's draft gives 90.00 back against 20.00 of October's own usage."""
    customer = billing.customer(billing.plan(SEATS, API_CALLS))
    billing.usage(customer, "seats", 100, "2025-09-10T12:00:00Z")
    billing.run("2025-09")
    assert billing.finalize(customer, "2025-09").total == D("100.00")
    billing.usage(customer, "seats", 10, "2025-09-20T12:00:00Z")
    billing.usage(customer, "api_calls", 2000, "2025-10-05T12:00:00Z")
    billing.run("2025-10")
    return customer


def test_a_draft_summing_below_zero_shows_a_zero_total_and_what_it_carries_over(
    billing, given_a_refund_bigger_than_october
):
    october = billing.invoice(given_a_refund_bigger_than_october, "2025-10")
    assert billing.lines(october) == [("usage", D("20.00")), ("adjustment", D("-90.00"))]
    assert (october.subtotal, october.total, october.carried_over) == (D("-70.00"), D("0"), D("70.00"))


def test_finalizing_carries_the_difference_over_and_the_next_invoice_pays_with_it(
    billing, given_a_refund_bigger_than_october
):
    customer = given_a_refund_bigger_than_october
    october = billing.finalize(customer, "2025-10")
    assert (october.total, october.carried_over, october.credits_applied) == (D("0"), D("70.00"), D("0"))
    assert billing.balance(customer) == D("70.00")
    assert ledger(billing, customer)[-1] == (CreditKind.CARRYOVER, D("70.00"))

    billing.usage(customer, "api_calls", 3000, "2025-11-05T12:00:00Z")
    billing.run("2025-11")
    november = billing.finalize(customer, "2025-11")
    # November: 30.00 of usage; the seats (10, latest) are not re-billed: seats had no November events
    assert billing.lines(november) == [("usage", D("30.00")), ("credit", D("-30.00"))]
    assert billing.balance(customer) == D("40.00")

    # And what every finalized invoice billed for September (100.00 − 90.00) is September re-rated
    september = billing.invoice(customer, "2025-09")
    assert september.rated_amount + october.adjusted_amount("2025-09") == D("10.00")


def test_voiding_it_takes_the_carry_over_back(billing, given_a_refund_bigger_than_october):
    customer = given_a_refund_bigger_than_october
    billing.finalize(customer, "2025-10")
    void = billing.void(customer, "2025-10")
    assert void.status == "void"
    assert billing.balance(customer) == D("0.00")
    assert ledger(billing, customer)[-2:] == [
        (CreditKind.CARRYOVER, D("70.00")),
        (CreditKind.CARRYOVER_REVERSAL, D("-70.00")),
    ]
    assert billing.void(customer, "2025-10") == void  # again: unchanged, taken back once


def test_voiding_it_is_refused_while_the_carried_credit_is_spent(billing, given_a_refund_bigger_than_october):
    customer = given_a_refund_bigger_than_october
    billing.finalize(customer, "2025-10")
    billing.usage(customer, "api_calls", 3000, "2025-11-05T12:00:00Z")
    billing.run("2025-11")
    billing.finalize(customer, "2025-11")  # spends 30.00 of the 70.00
    with pytest.raises(CarryoverSpent, match="void the invoices that applied it first"):
        billing.void(customer, "2025-10")
    assert billing.invoice(customer, "2025-10").status == "finalized"
    assert billing.balance(customer) == D("40.00")

    billing.void(customer, "2025-11")  # its 30.00 comes back: now the carry-over can be taken back
    assert billing.void(customer, "2025-10").status == "void"
    assert billing.balance(customer) == D("0.00")
