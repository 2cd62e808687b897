"""Reading invoices, and moving them through their lifecycle (finalize, void, reissue)."""

from __future__ import annotations

from datetime import datetime

from billing.domain.invoices import DEFAULT_INVOICE_SETTINGS, Invoice, InvoiceSettings, InvoiceStatus
from billing.domain.paging import MAX_PAGE, Page
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.customers import CustomerService
from billing.services.drafting import InvoiceComposer
from billing.services.lifecycle import InvoiceLifecycle, Reissue, get_invoice
from billing.services.listing import all_invoices


class InvoiceService:
    def __init__(
        self,
        storage: Storage,
        customers: CustomerService,
        clock: Clock = system_clock,
        settings: InvoiceSettings = DEFAULT_INVOICE_SETTINGS,
    ) -> None:
        self._storage = storage
        self._customers = customers
        self._lifecycle = InvoiceLifecycle(storage, InvoiceComposer(storage, covers_distinct=True), clock, settings)

    def get(self, invoice_id: str) -> Invoice:
        return get_invoice(self._storage, invoice_id)

    def for_customer(self, customer_id: str) -> list[Invoice]:
        """Every invoice of the customer, newest period first."""
        self._customers.get(customer_id)  # 404 for an unknown customer, not an empty list
        return all_invoices(self._storage, customer_id)

    def list(
        self,
        *,
        limit: int = 100,
        cursor: str | None = None,
        status: InvoiceStatus | None = None,
        period: str | None = None,
        customer_id: str | None = None,
    ) -> Page[Invoice]:
        """Invoices across customers, filtered, a page at a time."""
        return self._storage.invoices.list(
            limit=min(limit, MAX_PAGE), cursor=cursor, status=status, period=period, customer_id=customer_id
        )

    def finalize(self, invoice_id: str, *, now: datetime | None = None) -> Invoice:
        """Recompute the draft one last time, freeze it, number and date it, and consume the credit it
        applies."""
        return self._lifecycle.finalize(invoice_id, now=now)

    def void(self, invoice_id: str, *, now: datetime | None = None) -> Invoice:
        """Void a finalized invoice; the credit it consumed goes back to the customer's balance."""
        return self._lifecycle.void(invoice_id, now=now)

    def reissue(self, invoice_id: str, *, now: datetime | None = None) -> Reissue:
        """The draft replacing a void invoice (the period's next issue), made now or found made."""
        return self._lifecycle.reissue(invoice_id, now=now)
