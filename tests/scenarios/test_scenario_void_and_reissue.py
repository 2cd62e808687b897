"""Void and reissue, and invoices as documents: voiding a finalized invoice gives its credit back and lets
the period be billed again as its next issue (by the next run, or by reissuing the void invoice), which
names the invoice it replaces; finalization numbers, dates and signs an invoice, once."""

from datetime import date
from decimal import Decimal

import pytest
from billing.bootstrap import build_services
from billing.domain.errors import InvoiceNotEditable
from billing.domain.invoices import InvoiceSettings, Issuer

from tests.scenarios.conftest import Billing, at

D = Decimal
API_CALLS = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}


def adjustments(invoice):
    return [(line.adjusts_period, line.amount) for line in invoice.line_items if line.type == "adjustment"]


def test_a_void_period_is_billed_again_by_the_next_run_as_a_reissue_with_its_credit_back(billing):
    # Given September finalized with 4.00 of credit applied, then voided
    customer = billing.customer(billing.plan(API_CALLS))
    billing.credit(customer, "4.00")
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    first = billing.finalize(customer, "2025-09")
    assert (first.number, first.credits_applied, first.total) == ("INV-000001", D("4.00"), D("6.00"))
    void = billing.void(customer, "2025-09")
    assert billing.balance(customer) == D("4.00")

    # When September is billed again
    assert billing.run("2025-09") == (billing.invoice(customer, "2025-09", issue=1).id,)

    # Then its next issue is a new draft replacing the void one, which stays void and listed
    reissue = billing.invoice(customer, "2025-09", issue=1)
    assert reissue.id != void.id
    assert (reissue.status, reissue.issue, reissue.replaces, reissue.number) == ("draft", 1, void.id, None)
    assert billing.lines(reissue) == [("usage", D("10.00")), ("credit", D("-4.00"))]  # the credit came back first
    listed = billing.services.invoices.for_customer(customer.id)
    assert [(i.id, i.status) for i in listed] == [(reissue.id, "draft"), (void.id, "void")]
    assert billing.invoice(customer, "2025-09") == void

    # and re-running changes nothing; finalizing it numbers it next and spends the credit again
    assert billing.run("2025-09") == (reissue.id,)
    assert billing.invoice(customer, "2025-09", issue=1).version == 1
    final = billing.finalize(customer, "2025-09", issue=1)
    assert (final.status, final.number, final.total) == ("finalized", "INV-000002", D("6.00"))
    assert billing.balance(customer) == D("0.00")
    assert billing.run("2025-09") == ()


def test_reissuing_a_void_invoice_makes_its_replacement_once_and_refuses_any_other(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    finalized = billing.finalize(customer, "2025-09")
    with pytest.raises(InvoiceNotEditable):
        billing.services.invoices.reissue(finalized.id)  # only a void invoice has a replacement

    void = billing.void(customer, "2025-09")
    made = billing.services.invoices.reissue(void.id)
    again = billing.services.invoices.reissue(void.id)

    assert made.created and not again.created
    assert again.invoice == made.invoice == billing.invoice(customer, "2025-09", issue=1)
    assert (made.invoice.issue, made.invoice.replaces, made.invoice.total) == (1, void.id, D("10.00"))
    with pytest.raises(InvoiceNotEditable):
        billing.services.invoices.reissue(made.invoice.id)  # a draft
    assert billing.run("2025-09") == (made.invoice.id,)  # a run recomputes the reissue, makes no other

    # a reissue may be voided and reissued in turn
    billing.finalize(customer, "2025-09", issue=1)
    second_void = billing.void(customer, "2025-09", issue=1)
    third = billing.services.invoices.reissue(second_void.id).invoice
    assert (third.issue, third.replaces) == (2, second_void.id)
    assert [i.issue for i in billing.services.invoices.for_customer(customer.id)] == [2, 1, 0]


def test_a_run_reissues_only_what_is_worth_an_invoice_and_a_reissue_is_made_even_without_lines(billing):
    # Given a customer without a plan whose October invoice only carried September's late usage
    customer = billing.customer()
    billing.usage(customer, "api_calls", 100, "2025-09-15T12:00:00Z")
    billing.run("2025-09", unit_price="0.10")
    billing.finalize(customer, "2025-09")
    billing.usage(customer, "api_calls", 10, "2025-09-20T12:00:00Z")
    billing.run("2025-10", unit_price="0.10")
    october = billing.finalize(customer, "2025-10")
    assert billing.lines(october) == [("adjustment", D("1.00"))]

    # When October is voided and November bills the adjustment again
    billing.void(customer, "2025-10")
    billing.run("2025-11", unit_price="0.10")
    november = billing.finalize(customer, "2025-11")
    assert adjustments(november) == [("2025-09", D("1.00"))]

    # Then October has nothing left to bill: a run makes no reissue of it
    assert billing.run("2025-10", unit_price="0.10") == ()
    assert not billing.has_invoice(customer, "2025-10", issue=1)

    # but reissuing the void invoice makes its (empty) replacement, at the void invoice's unit price
    reissue = billing.services.invoices.reissue(october.id)
    assert reissue.created
    assert (reissue.invoice.line_items, reissue.invoice.total) == ((), D("0.00"))
    assert reissue.invoice.unit_price == D("0.10")


def test_an_adjustment_billed_before_a_void_and_reissue_is_given_back_once_the_reissue_bills_that_usage(billing):
    # Given September finalized at 10.00, and October carrying 5.00 of late September usage, finalized
    customer = billing.customer(billing.plan(API_CALLS))
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    billing.finalize(customer, "2025-09")
    billing.usage(customer, "api_calls", 500, "2025-09-20T12:00:00Z")  # late
    billing.usage(customer, "api_calls", 200, "2025-10-10T12:00:00Z")
    billing.run("2025-10")
    october = billing.finalize(customer, "2025-10")
    assert adjustments(october) == [("2025-09", D("5.00"))]

    # When September is voided and reissued: the reissue bills all of September's usage
    void = billing.void(customer, "2025-09")
    reissue = billing.services.invoices.reissue(void.id).invoice
    september = billing.finalize(customer, "2025-09", issue=1)
    assert (reissue.total, september.total) == (D("15.00"), D("15.00"))

    # Then the next draft gives October's adjustment back: September is billed once
    billing.usage(customer, "api_calls", 1000, "2025-11-10T12:00:00Z")
    billing.run("2025-11")
    november = billing.invoice(customer, "2025-11")
    assert adjustments(november) == [("2025-09", D("-5.00"))]
    assert november.line_items[-1].breakdown == (
        {
            "period": "2025-09",
            "invoice_id": september.id,
            "rerated": "15.00",
            "billed": "15.00",
            "previously_adjusted": "5.00",
        },
    )
    assert november.total == D("5.00")
    billing.finalize(customer, "2025-11")
    finalized = [i for i in billing.services.invoices.for_customer(customer.id) if i.status == "finalized"]
    billed_for_september = sum(
        (i.rated_amount if i.period == "2025-09" else i.adjusted_amount("2025-09") for i in finalized), D(0)
    )
    assert billed_for_september == D("15.00")  # September re-rated with all its usage

    # and once given back, nothing more is adjusted
    billing.usage(customer, "api_calls", 100, "2025-12-10T12:00:00Z")
    billing.run("2025-12")
    assert adjustments(billing.invoice(customer, "2025-12")) == []


DOCUMENTS = InvoiceSettings("ACME", 14, Issuer("Acme Billing Ltd", "1 Main St\nSpringfield", "GB123456789"))


@pytest.fixture
def documents(billing, clock) -> Billing:
    """The same platform deployed with a number prefix, a 14-day payment term and an issuer."""
    return Billing(build_services(billing.services.storage, clock=clock, invoice_settings=DOCUMENTS), clock)


def test_finalization_numbers_dates_and_signs_an_invoice_once(documents, clock):
    net_30 = documents.services.plans.create(name="Net 30", currency="USD", prices=[API_CALLS], net_days=30)
    kolkata = documents.customer(net_30, timezone="Asia/Kolkata")
    los_angeles = documents.customer(documents.plan(API_CALLS), timezone="America/Los_Angeles")
    for customer in (kolkata, los_angeles):
        documents.usage(customer, "api_calls", 100, "2025-09-15T12:00:00Z")
    documents.run("2025-09")
    draft = documents.invoice(kolkata, "2025-09")
    assert (draft.number, draft.issue_date, draft.due_date, draft.issuer) == (None, None, None, None)

    # When both are finalized at 20:00 UTC on October 1st: October 2nd in Kolkata, still the 1st in LA
    clock.now = at("2025-10-01T20:00:00Z")
    first = documents.finalize(kolkata, "2025-09")
    second = documents.finalize(los_angeles, "2025-09")

    assert (first.number, first.issue_date, first.due_date) == ("ACME-000001", date(2025, 10, 2), date(2025, 11, 1))
    assert (second.number, second.issue_date, second.due_date) == ("ACME-000002", date(2025, 10, 1), date(2025, 10, 15))
    assert first.issuer == second.issuer == DOCUMENTS.issuer

    # The document is frozen: another deployment setting later changes nothing already issued
    clock.now = at("2025-10-20T10:00:00Z")
    renamed = InvoiceSettings("NEW", 0, Issuer("Renamed Inc", "", ""))
    later = build_services(documents.services.storage, clock=clock, invoice_settings=renamed)
    assert later.invoices.finalize(first.id) == first
    assert later.invoices.void(first.id).number == "ACME-000001"
    assert later.invoices.get(first.id).issuer == DOCUMENTS.issuer
    replacement = later.invoices.reissue(first.id).invoice
    reissued = later.invoices.finalize(replacement.id)
    assert (reissued.number, reissued.issue_date, reissued.issuer) == (
        "NEW-000003",
        date(2025, 10, 20),
        renamed.issuer,
    )
