"""Draft → finalized → void. Runs create or recompute one draft per customer, period and issue, never two;
finalized and void invoices never change; re-running anything is harmless. (Reissues after a void:
test_scenario_void_and_reissue.py.)"""

from decimal import Decimal

import pytest
from billing.domain.credits import CreditKind
from billing.domain.errors import InvoiceNotEditable, InvoiceNotFound

D = Decimal
API_CALLS = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}


def test_re_running_a_period_recomputes_the_same_draft_and_writes_only_when_something_changed(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")

    first, second, third = billing.run("2025-09"), billing.run("2025-09"), billing.run("2025-09")
    assert first == second == third == (billing.invoice(customer, "2025-09").id,)
    assert billing.invoice(customer, "2025-09").version == 1  # the re-runs found nothing new to write

    billing.usage(customer, "api_calls", 500, "2025-09-16T12:00:00Z")
    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert (invoice.version, invoice.total) == (2, D("15.00"))
    assert [i.period for i in billing.services.invoices.for_customer(customer.id)] == ["2025-09"]


def test_a_finalized_invoice_is_left_alone_by_later_runs(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    finalized = billing.finalize(customer, "2025-09")

    billing.usage(customer, "api_calls", 500, "2025-09-16T12:00:00Z")

    assert billing.run("2025-09") == ()
    assert billing.invoice(customer, "2025-09") == finalized


def test_finalizing_twice_returns_the_same_invoice_and_consumes_credit_once(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.credit(customer, "4.00")
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")

    first = billing.finalize(customer, "2025-09")
    second = billing.finalize(customer, "2025-09")

    assert first == second
    assert (first.status, first.credits_applied, first.total) == ("finalized", D("4.00"), D("6.00"))
    kinds = [entry.kind for entry in billing.services.credits.ledger(customer.id).entries]
    assert kinds == [CreditKind.GRANT, CreditKind.CONSUMPTION]


def test_only_a_finalized_invoice_can_be_voided_and_a_void_invoice_cannot_be_finalized(billing):
    customer = billing.customer(billing.plan(API_CALLS))
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    draft = billing.invoice(customer, "2025-09")

    with pytest.raises(InvoiceNotEditable):
        billing.services.invoices.void(draft.id)

    billing.finalize(customer, "2025-09")
    voided = billing.services.invoices.void(draft.id)
    assert billing.services.invoices.void(draft.id) == voided  # voiding again changes nothing
    with pytest.raises(InvoiceNotEditable):
        billing.finalize(customer, "2025-09")
    assert billing.invoice(customer, "2025-09") == voided  # a void invoice stays void
    assert billing.run("2025-09") == (billing.invoice(customer, "2025-09", issue=1).id,)  # billed again


def test_finalizing_an_unknown_invoice_is_not_found(billing):
    with pytest.raises(InvoiceNotFound):
        billing.services.invoices.finalize("inv_missing")


def test_the_sweep_finalizes_drafts_once_their_plans_grace_period_is_over_and_only_once(billing):
    plan = billing.plan(API_CALLS, grace=3)
    on_plan = billing.customer(plan)  # UTC: September ends 2025-10-01T00:00Z, due 2025-10-04T00:00Z
    without_plan = billing.customer()  # no plan, no grace: due when the period ends
    billing.usage(on_plan, "api_calls", 100, "2025-09-15T12:00:00Z")
    billing.usage(without_plan, "api_calls", 100, "2025-09-15T12:00:00Z")
    billing.usage(on_plan, "api_calls", 100, "2025-10-01T12:00:00Z")
    billing.run("2025-09", unit_price="0.02")
    billing.run("2025-10")

    assert billing.sweep("2025-10-02T00:00:00Z") == (billing.invoice(without_plan, "2025-09").id,)
    assert billing.sweep("2025-10-03T23:59:59Z") == ()
    assert billing.sweep("2025-10-04T00:00:00Z") == (billing.invoice(on_plan, "2025-09").id,)
    assert billing.sweep("2025-10-05T00:00:00Z") == ()  # October has not ended: its draft stays a draft

    assert billing.invoice(on_plan, "2025-10").status == "draft"
    assert billing.invoice(without_plan, "2025-09").total == D("2.00")  # the run's unit price was kept


def test_a_new_plan_applies_to_drafts_and_never_to_finalized_invoices(billing):
    cheap = billing.plan(API_CALLS)
    dear = billing.plan({"feature": "api_calls", "model": "per_unit", "unit_amount": "0.10"})
    customer = billing.customer(cheap)
    billing.usage(customer, "api_calls", 100, "2025-08-15T12:00:00Z")
    billing.usage(customer, "api_calls", 100, "2025-09-15T12:00:00Z")
    billing.run("2025-08")
    billing.run("2025-09")
    august = billing.finalize(customer, "2025-08")

    billing.services.customers.assign_plan(customer.id, dear.id)
    billing.run("2025-09")

    assert billing.invoice(customer, "2025-08") == august
    assert (august.plan_id, august.total) == (cheap.id, D("1.00"))
    september = billing.invoice(customer, "2025-09")
    assert (september.plan_id, september.total) == (dear.id, D("10.00"))


def test_two_finalizations_racing_for_the_same_credit_never_spend_it_twice(billing, monkeypatch):
    # Given 10.00 of credit and two drafts that each expect to use all of it
    customer = billing.customer(billing.plan(API_CALLS))
    billing.credit(customer, "10.00")
    billing.usage(customer, "api_calls", 1000, "2025-09-15T12:00:00Z")
    billing.usage(customer, "api_calls", 1000, "2025-10-15T12:00:00Z")
    billing.run("2025-09")
    billing.run("2025-10")
    invoices = billing.services.storage.invoices
    write = invoices.finalize
    september = []

    def september_wins_the_race(invoice, **kwargs):
        if invoice.period == "2025-10" and not september:  # October has read the balance: September goes first
            september.append(billing.finalize(customer, "2025-09"))
        return write(invoice, **kwargs)

    # When October is finalized while September is being finalized too
    monkeypatch.setattr(invoices, "finalize", september_wins_the_race)
    october = billing.finalize(customer, "2025-10")

    # Then October's stale write was refused, and recomputed it found the credit gone
    assert september[0].credits_applied == D("10.00")
    assert (october.credits_applied, october.total) == (D("0"), D("10.00"))
    assert billing.balance(customer) == D("0.00")
