"""Minimums top usage up; prepaid credit pays invoices, and is spent only when an invoice is finalized."""

from decimal import Decimal

from billing.domain.credits import CreditKind

D = Decimal
API_CALLS = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}
SEPTEMBER = "2025-09-15T12:00:00Z"
OCTOBER = "2025-10-15T12:00:00Z"


def test_usage_below_the_minimum_gets_a_minimum_line_for_the_difference(billing):
    customer = billing.customer(billing.plan(API_CALLS, minimum="25.00"))
    billing.usage(customer, "api_calls", 1800, SEPTEMBER)  # 18.00

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.lines(invoice) == [("usage", D("18.00")), ("minimum", D("7.00"))]
    assert (invoice.subtotal, invoice.total) == (D("25.00"), D("25.00"))


def test_usage_at_or_above_the_minimum_has_no_minimum_line(billing):
    plan = billing.plan(API_CALLS, minimum="25.00")
    exactly, above = billing.customer(plan), billing.customer(plan)
    billing.usage(exactly, "api_calls", 2500, SEPTEMBER)
    billing.usage(above, "api_calls", 3001, SEPTEMBER)

    billing.run("2025-09")

    assert billing.lines(billing.invoice(exactly, "2025-09")) == [("usage", D("25.00"))]
    assert billing.lines(billing.invoice(above, "2025-09")) == [("usage", D("30.01"))]


def test_a_customer_on_a_plan_with_a_minimum_and_no_usage_owes_the_minimum(billing):
    customer = billing.customer(billing.plan(API_CALLS, minimum="25.00"))  # created 2025-10-02

    billing.run("2025-10")

    assert billing.lines(billing.invoice(customer, "2025-10")) == [("minimum", D("25.00"))]


def test_no_minimum_is_billed_for_a_period_that_ended_before_the_customer_existed(billing):
    customer = billing.customer(billing.plan(API_CALLS, minimum="25.00"))  # created 2025-10-02

    assert billing.run("2025-09") == ()
    assert not billing.has_invoice(customer, "2025-09")


def test_a_customer_without_usage_plan_or_history_gets_no_invoice(billing):
    customer = billing.customer()

    assert billing.run("2025-09", unit_price="0.01") == ()
    assert not billing.has_invoice(customer, "2025-09")


def test_credit_pays_part_of_an_invoice_as_a_negative_credit_line(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.credit(customer, "10.00")
    billing.usage(customer, "api_calls", 2550, SEPTEMBER)  # 25.50

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.lines(invoice) == [("usage", D("25.50")), ("credit", D("-10.00"))]
    assert (invoice.subtotal, invoice.credits_applied, invoice.total) == (D("25.50"), D("10.00"), D("15.50"))


def test_credit_spreads_across_two_invoices_and_is_consumed_only_at_finalization(billing):
    customer = billing.customer(billing.plan(API_CALLS, minimum="25.00"))
    billing.credit(customer, "30.00")
    billing.usage(customer, "api_calls", 1000, SEPTEMBER)  # 10.00, topped up to 25.00
    billing.usage(customer, "api_calls", 1000, OCTOBER)

    billing.run("2025-09")
    billing.run("2025-09")  # re-computing a draft never spends credit
    assert billing.balance(customer) == D("30.00")

    september = billing.finalize(customer, "2025-09")
    assert billing.lines(september) == [("usage", D("10.00")), ("minimum", D("15.00")), ("credit", D("-25.00"))]
    assert (september.subtotal, september.credits_applied, september.total) == (D("25.00"), D("25.00"), D("0.00"))
    assert billing.balance(customer) == D("5.00")

    billing.run("2025-10")
    october = billing.finalize(customer, "2025-10")
    assert billing.lines(october) == [("usage", D("10.00")), ("minimum", D("15.00")), ("credit", D("-5.00"))]
    assert (october.subtotal, october.credits_applied, october.total) == (D("25.00"), D("5.00"), D("20.00"))
    assert billing.balance(customer) == D("0.00")

    ledger = billing.services.credits.ledger(customer.id)
    assert [(entry.kind, entry.amount, entry.invoice_id) for entry in ledger.entries] == [
        (CreditKind.GRANT, D("30.00"), None),
        (CreditKind.CONSUMPTION, D("-25.00"), september.id),
        (CreditKind.CONSUMPTION, D("-5.00"), october.id),
    ]


def test_finalizing_applies_the_balance_at_that_moment_not_the_drafts_estimate(billing):
    plan = billing.plan(API_CALLS)
    customer = billing.customer(plan)
    billing.credit(customer, "20.00")
    billing.usage(customer, "api_calls", 1500, SEPTEMBER)  # 15.00
    billing.usage(customer, "api_calls", 1500, OCTOBER)
    billing.run("2025-09")
    billing.run("2025-10")
    assert billing.invoice(customer, "2025-10").credits_applied == D("15.00")  # drafts both show 15 of 20

    billing.finalize(customer, "2025-09")
    october = billing.finalize(customer, "2025-10")

    assert (october.credits_applied, october.total) == (D("5.00"), D("10.00"))
    assert billing.balance(customer) == D("0.00")


def test_voiding_a_finalized_invoice_restores_the_credit_it_consumed(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.credit(customer, "10.00")
    billing.usage(customer, "api_calls", 700, SEPTEMBER)  # 7.00
    billing.run("2025-09")
    billing.finalize(customer, "2025-09")
    assert billing.balance(customer) == D("3.00")

    voided = billing.services.invoices.void(billing.invoice(customer, "2025-09").id)

    assert voided.status == "void"
    assert billing.lines(voided) == [("usage", D("7.00")), ("credit", D("-7.00"))]  # a void invoice never changes
    assert billing.balance(customer) == D("10.00")
    assert [entry.kind for entry in billing.services.credits.ledger(customer.id).entries] == [
        CreditKind.GRANT,
        CreditKind.CONSUMPTION,
        CreditKind.RESTORATION,
    ]
