"""Finalizing, voiding and reissuing invoices: draft → finalized → void, and never back.

Finalizing recomputes the draft one last time (usage, plan, late-usage adjustments, credit) and then, in
one atomic storage write, freezes it, numbers it from the deployment's counter and consumes the credit it
applies; its issue and due dates and issuer are frozen with it. The write is guarded by the invoice's and
the customer's versions, so two finalizations can neither spend the same credit nor bill the same late
usage twice: the loser re-reads and recomputes.

Voiding gives the credit back and lets the period be billed again: reissuing a void invoice drafts the
period's next issue, which names the invoice it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.customers import Customer
from billing.domain.errors import CarryoverSpent, InvoiceNotEditable, InvoiceNotFound
from billing.domain.invoices import (
    DEFAULT_INVOICE_SETTINGS,
    Invoice,
    InvoiceDocument,
    InvoiceSettings,
    InvoiceStatus,
)
from billing.domain.money import ZERO
from billing.domain.time import BillingPeriod, timezone
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.customers import get_customer
from billing.services.drafting import InvoiceComposer, new_invoice
from billing.services.listing import all_invoices
from billing.services.retry import retry_on_conflict

_ATTEMPTS = 5


@dataclass(frozen=True)
class Reissue:
    invoice: Invoice  # the draft that replaces the void invoice
    created: bool  # False: it existed already (a second reissue, or a billing run made it first)


def get_invoice(storage: Storage, invoice_id: str) -> Invoice:
    """The stored invoice; InvoiceNotFound when there is none."""
    invoice = storage.invoices.get(invoice_id)
    if invoice is None:
        raise InvoiceNotFound(invoice_id)
    return invoice


class InvoiceLifecycle:
    def __init__(
        self,
        storage: Storage,
        composer: InvoiceComposer,
        clock: Clock = system_clock,
        settings: InvoiceSettings = DEFAULT_INVOICE_SETTINGS,
    ) -> None:
        self._storage = storage
        self._composer = composer
        self._clock = clock
        self._settings = settings

    def finalize(self, invoice_id: str, *, now: datetime | None = None) -> Invoice:
        """Freeze a draft. Finalizing a finalized invoice returns it unchanged; a void one is a conflict."""
        when = now or self._clock()

        def attempt() -> Invoice:
            invoice = get_invoice(self._storage, invoice_id)
            if invoice.status == InvoiceStatus.FINALIZED:
                return invoice  # finalized by us a moment ago, or by a racing caller: the same outcome
            if invoice.status == InvoiceStatus.VOID:
                raise InvoiceNotEditable(f"invoice {invoice.id} is void and cannot be finalized")
            customer = get_customer(self._storage, invoice.customer_id)
            period = BillingPeriod.parse(invoice.period)
            content = self._composer.compose(customer, period, unit_price=invoice.unit_price)
            recomputed = invoice.with_content(content, now=when)
            final = recomputed.finalized(now=when, document=self._document(customer, recomputed, when))
            return self._storage.invoices.finalize(
                final,
                credit=_finalization_credit(final, when),
                customer_version=customer.version,
                number_prefix=self._settings.number_prefix,
            )

        return retry_on_conflict(attempt, attempts=_ATTEMPTS, what=f"invoice {invoice_id}")

    def void(self, invoice_id: str, *, now: datetime | None = None) -> Invoice:
        """Void a finalized invoice: give back the credit it consumed, or take back what its total below zero
        carried over to the balance (refused while that credit is spent: CarryoverSpent). Voiding a void
        invoice returns it unchanged; a draft cannot be voided (it is not owed yet)."""
        when = now or self._clock()

        def attempt() -> Invoice:
            invoice = get_invoice(self._storage, invoice_id)
            if invoice.status == InvoiceStatus.VOID:
                return invoice
            voided = invoice.voided(now=when)  # InvoiceNotEditable for a draft
            customer = get_customer(self._storage, invoice.customer_id)
            if invoice.carried_over > self._storage.credits.balance(customer.id, invoice.currency):
                raise CarryoverSpent(invoice.id, invoice.carried_over, invoice.currency)
            credit = _voiding_credit(invoice, when)
            return self._storage.invoices.void(voided, credit=credit, customer_version=customer.version)

        return retry_on_conflict(attempt, attempts=_ATTEMPTS, what=f"invoice {invoice_id}")

    def reissue(self, invoice_id: str, *, now: datetime | None = None) -> Reissue:
        """The draft that replaces a void invoice: the period's next issue, composed as a billing run would
        compose it (with the void invoice's unit price for features no plan prices), and created even when
        it has no lines. A second call, or one after a billing run reissued the period, returns the same
        draft; an invoice that is not void is a conflict."""
        when = now or self._clock()

        def attempt() -> Reissue:
            void = get_invoice(self._storage, invoice_id)
            if void.status != InvoiceStatus.VOID:
                raise InvoiceNotEditable(f"only a void invoice can be reissued; {void.id} is {void.status}")
            existing = self._storage.invoices.get(void.reissue_id())
            if existing is not None:
                return Reissue(existing, created=False)
            customer = get_customer(self._storage, void.customer_id)
            period = BillingPeriod.parse(void.period)
            invoices = all_invoices(self._storage, customer.id)
            content = self._composer.compose(customer, period, unit_price=void.unit_price, invoices=invoices)
            draft = new_invoice(customer, period, content, when, replacing=void)
            return Reissue(self._storage.invoices.save(draft), created=True)  # ConcurrentUpdate: made meanwhile

        return retry_on_conflict(attempt, attempts=_ATTEMPTS, what=f"the reissue of invoice {invoice_id}")

    def _document(self, customer: Customer, invoice: Invoice, when: datetime) -> InvoiceDocument:
        """Issued on the finalization's date in the customer's timezone, due after the plan's payment term
        (else the deployment's), by the deployment's issuer."""
        plan = self._composer.plan(invoice.plan_id)
        net_days = plan.net_days if plan is not None and plan.net_days is not None else self._settings.net_days
        issued = when.astimezone(timezone(customer.timezone)).date()
        return InvoiceDocument(issued, issued + timedelta(days=net_days), self._settings.issuer)


def _finalization_credit(invoice: Invoice, when: datetime) -> CreditEntry | None:
    """The ledger entry finalizing writes: the credit the invoice applies is consumed, or, when its lines sum
    below zero (it applies none then), the difference is carried over to the balance."""
    if invoice.credits_applied > ZERO:
        return _entry(CreditKind.CONSUMPTION, invoice, invoice.credits_applied, when)
    if invoice.carried_over > ZERO:
        return _entry(CreditKind.CARRYOVER, invoice, invoice.carried_over, when)
    return None


def _voiding_credit(invoice: Invoice, when: datetime) -> CreditEntry | None:
    """The ledger entry voiding writes: the reverse of the one finalizing wrote."""
    if invoice.credits_applied > ZERO:
        return _entry(CreditKind.RESTORATION, invoice, invoice.credits_applied, when)
    if invoice.carried_over > ZERO:
        return _entry(CreditKind.CARRYOVER_REVERSAL, invoice, invoice.carried_over, when)
    return None


def _entry(kind: CreditKind, invoice: Invoice, amount: Decimal, when: datetime) -> CreditEntry:
    return CreditEntry.of_invoice(kind, invoice.customer_id, invoice.id, amount, invoice.currency, now=when)
