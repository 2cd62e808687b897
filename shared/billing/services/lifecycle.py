"""Finalizing and voiding invoices: draft → finalized → void, and never back.

Finalizing recomputes the draft one last time (usage, plan, late-usage adjustments, credit) and then, in
one atomic storage write, freezes it and consumes the credit it applies. The write is guarded by the
invoice's and the customer's versions, so two finalizations can neither spend the same credit nor bill
the same late usage twice: the loser re-reads and recomputes.
"""

from __future__ import annotations

from datetime import datetime

from billing.domain.credits import CreditEntry
from billing.domain.errors import CustomerNotFound, InvoiceNotEditable, InvoiceNotFound
from billing.domain.invoices import Invoice, InvoiceStatus
from billing.domain.models import Customer
from billing.domain.money import ZERO
from billing.domain.time import BillingPeriod
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.drafting import InvoiceComposer
from billing.services.retry import retry_on_conflict

_ATTEMPTS = 5


class InvoiceLifecycle:
    def __init__(self, storage: Storage, composer: InvoiceComposer, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._composer = composer
        self._clock = clock

    def finalize(self, invoice_id: str, *, now: datetime | None = None) -> Invoice:
        """Freeze a draft. Finalizing a finalized invoice returns it unchanged; a void one is a conflict."""
        when = now or self._clock()

        def attempt() -> Invoice:
            invoice = self._invoice(invoice_id)
            if invoice.status == InvoiceStatus.FINALIZED:
                return invoice  # finalized by us a moment ago, or by a racing caller: the same outcome
            if invoice.status == InvoiceStatus.VOID:
                raise InvoiceNotEditable(f"invoice {invoice.id} is void and cannot be finalized")
            customer = self._customer(invoice.customer_id)
            period = BillingPeriod.parse(invoice.period)
            content = self._composer.compose(customer, period, unit_price=invoice.unit_price)
            final = invoice.with_content(content, now=when).finalized(now=when)
            consumption = None
            if final.credits_applied > ZERO:
                consumption = CreditEntry.consumption(
                    customer.id, final.id, final.credits_applied, final.currency, when
                )
            return self._storage.invoices.finalize(final, consumption=consumption, customer_version=customer.version)

        return retry_on_conflict(attempt, attempts=_ATTEMPTS, what=f"invoice {invoice_id}")

    def void(self, invoice_id: str, *, now: datetime | None = None) -> Invoice:
        """Void a finalized invoice and give back the credit it consumed. Voiding a void invoice returns
        it unchanged; a draft cannot be voided (it is not owed yet)."""
        when = now or self._clock()

        def attempt() -> Invoice:
            invoice = self._invoice(invoice_id)
            if invoice.status == InvoiceStatus.VOID:
                return invoice
            voided = invoice.voided(now=when)  # InvoiceNotEditable for a draft
            customer = self._customer(invoice.customer_id)
            restoration = None
            if invoice.credits_applied > ZERO:
                restoration = CreditEntry.restoration(
                    customer.id, invoice.id, invoice.credits_applied, invoice.currency, when
                )
            return self._storage.invoices.void(voided, restoration=restoration, customer_version=customer.version)

        return retry_on_conflict(attempt, attempts=_ATTEMPTS, what=f"invoice {invoice_id}")

    def _invoice(self, invoice_id: str) -> Invoice:
        invoice = self._storage.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(invoice_id)
        return invoice

    def _customer(self, customer_id: str) -> Customer:
        customer = self._storage.customers.get(customer_id)
        if customer is None:
            raise CustomerNotFound(customer_id)
        return customer
