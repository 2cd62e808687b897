"""Billing runs: one draft invoice per customer and period, recomputed while it is a draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from billing.domain.errors import ConcurrentUpdate, CustomerNotFound
from billing.domain.invoices import Invoice, LineItem, invoice_id_for
from billing.domain.models import Customer, CustomerPeriodUsage
from billing.domain.time import BillingPeriod, timezone
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.rating import usage_lines

_SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class BillingRun:
    period: str
    invoice_ids: tuple[str, ...]

    @property
    def invoices_generated(self) -> int:
        return len(self.invoice_ids)


class BillingService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def run(
        self, period: BillingPeriod, *, unit_price: Decimal | None = None, now: datetime | None = None
    ) -> BillingRun:
        """Create or recompute the draft invoice of every customer with usage in the period.

        Safe to run any number of times, concurrently too: invoice identity is (customer, period),
        finalized invoices are left alone, and storage refuses a write based on a stale read.
        """
        now = now or self._clock()
        invoice_ids = []
        for usage in self._storage.usage.all_period_usage(period.key):
            customer = self._storage.customers.get(usage.customer_id)
            if customer is None:
                raise CustomerNotFound(usage.customer_id)
            invoice = self._bill_customer(customer, period, usage, unit_price, now)
            if invoice is not None:
                invoice_ids.append(invoice.id)
        return BillingRun(period.key, tuple(invoice_ids))

    def run_scheduled(self, *, now: datetime | None = None, unit_price: Decimal | None = None) -> BillingRun:
        """The monthly schedule: bill the calendar month before `now` (UTC month).

        The schedule fires at 14:00 UTC on the 1st, when that month has ended in every timezone
        (the last zone, UTC-12, reaches the 1st at 12:00 UTC).
        """
        now = now or self._clock()
        return self.run(BillingPeriod.containing(now, UTC).previous(), unit_price=unit_price, now=now)

    def _bill_customer(
        self,
        customer: Customer,
        period: BillingPeriod,
        usage: CustomerPeriodUsage,
        unit_price: Decimal | None,
        now: datetime,
    ) -> Invoice | None:
        lines = usage_lines(customer, usage, unit_price)
        for _ in range(_SAVE_ATTEMPTS):
            current = self._storage.invoices.get(invoice_id_for(customer.id, period.key))
            if current is not None and not current.is_editable:
                return None  # finalized or void: never changes
            if current is not None and current.line_items == lines:
                return current  # nothing new since the last run
            draft = current.with_lines(lines, now=now) if current else _new_invoice(customer, period, lines, now)
            try:
                return self._storage.invoices.save(draft)
            except ConcurrentUpdate:
                continue  # another run wrote first: re-read and recompute
        raise ConcurrentUpdate(f"invoice for {customer.id} / {period.key} kept changing; try again")


def _new_invoice(customer: Customer, period: BillingPeriod, lines: tuple[LineItem, ...], now: datetime) -> Invoice:
    start, end = period.bounds(timezone(customer.timezone))
    return Invoice(
        id=invoice_id_for(customer.id, period.key),
        customer_id=customer.id,
        period=period.key,
        period_start=start,
        period_end=end,
        currency=customer.currency,
        created_at=now,
        updated_at=now,
        line_items=lines,
    )
