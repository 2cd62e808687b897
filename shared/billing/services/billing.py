"""Billing runs: one draft invoice per customer and period, recomputed while it is a draft; and the
sweep that finalizes drafts once their grace period is over."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing.domain.errors import ConcurrentUpdate, CustomerNotFound
from billing.domain.invoices import Invoice, InvoiceContent, InvoiceStatus, LineType, invoice_id_for
from billing.domain.models import Customer, CustomerPeriodUsage
from billing.domain.time import BillingPeriod, timezone
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.drafting import InvoiceComposer
from billing.services.lifecycle import InvoiceLifecycle

_SAVE_ATTEMPTS = 3
_CUSTOMER_PAGE = 500
# Customers without a plan have no grace period of their own: their drafts finalize once the period is over.
DEFAULT_GRACE_PERIOD_DAYS = 0


@dataclass(frozen=True)
class BillingRun:
    period: str
    invoice_ids: tuple[str, ...]

    @property
    def invoices_generated(self) -> int:
        return len(self.invoice_ids)


@dataclass(frozen=True)
class FinalizeRun:
    invoice_ids: tuple[str, ...]  # finalized by this sweep
    conflicts: tuple[str, ...] = ()  # kept changing under us; the next sweep tries again

    @property
    def invoices_finalized(self) -> int:
        return len(self.invoice_ids)


class BillingService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock
        self._composer = InvoiceComposer(storage)
        self._lifecycle = InvoiceLifecycle(storage, self._composer, clock)

    def run(
        self, period: BillingPeriod, *, unit_price: Decimal | None = None, now: datetime | None = None
    ) -> BillingRun:
        """Create or recompute the draft invoice of every customer with something to bill in the period:
        usage, a plan minimum (for customers who existed before the period ended), or late usage of an
        earlier finalized period.

        Safe to run any number of times, concurrently too: invoice identity is (customer, period),
        finalized invoices are left alone, and storage refuses a write based on a stale read.
        """
        now = now or self._clock()
        invoice_ids = []
        for customer, usage in self._customers_with_usage(period):
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
        return self.run(BillingPeriod.containing(now, timezone("UTC")).previous(), unit_price=unit_price, now=now)

    def finalize_due(self, *, now: datetime | None = None) -> FinalizeRun:
        """The daily sweep: finalize every draft whose grace period (the customer's plan's
        grace_period_days, counted in local calendar days from the period's end) is over at `now`."""
        now = now or self._clock()
        finalized, conflicts = [], []
        for draft in self._storage.invoices.list_by_status(InvoiceStatus.DRAFT, period_end_before=now):
            customer = self._storage.customers.get(draft.customer_id)
            if customer is None or now < self._due_at(draft, customer):
                continue
            try:
                finalized.append(self._lifecycle.finalize(draft.id, now=now).id)
            except ConcurrentUpdate:
                conflicts.append(draft.id)
        return FinalizeRun(tuple(finalized), tuple(conflicts))

    def _due_at(self, draft: Invoice, customer: Customer) -> datetime:
        plan = self._composer.plan(customer.plan_id)
        days = plan.grace_period_days if plan is not None else DEFAULT_GRACE_PERIOD_DAYS
        local_end = draft.period_end.astimezone(timezone(customer.timezone))
        return (local_end + timedelta(days=days)).astimezone(UTC)  # wall-clock days: DST-proof

    def _customers_with_usage(self, period: BillingPeriod) -> Iterator[tuple[Customer, CustomerPeriodUsage]]:
        """Every customer with their usage in the period (empty when none): customers and the period's
        usage are both ordered by customer id, so one pass over each pairs them up."""
        usages = iter(self._storage.usage.all_period_usage(period.key))
        pending = next(usages, None)
        for customer in self._all_customers():
            if pending is not None and pending.customer_id < customer.id:
                raise CustomerNotFound(pending.customer_id)  # usage of a customer that does not exist
            if pending is not None and pending.customer_id == customer.id:
                yield customer, pending
                pending = next(usages, None)
            else:
                yield customer, CustomerPeriodUsage(customer.id, period.key)
        if pending is not None:
            raise CustomerNotFound(pending.customer_id)

    def _all_customers(self) -> Iterator[Customer]:
        after = None
        while page := self._storage.customers.list(limit=_CUSTOMER_PAGE, after=after):
            yield from page
            after = page[-1].id

    def _bill_customer(
        self,
        customer: Customer,
        period: BillingPeriod,
        usage: CustomerPeriodUsage,
        unit_price: Decimal | None,
        now: datetime,
    ) -> Invoice | None:
        for _ in range(_SAVE_ATTEMPTS):
            invoices = self._storage.invoices.list_for_customer(customer.id)
            current = next((invoice for invoice in invoices if invoice.period == period.key), None)
            if current is not None and not current.is_editable:
                return None  # finalized or void: never changes
            content = self._composer.compose(customer, period, unit_price=unit_price, usage=usage, invoices=invoices)
            if current is None and not _worth_an_invoice(customer, period, usage, content):
                return None
            draft = current.with_content(content, now=now) if current else _new_invoice(customer, period, content, now)
            if draft is current:
                return current  # nothing new since the last run
            try:
                return self._storage.invoices.save(draft)
            except ConcurrentUpdate:
                continue  # another run wrote first: re-read and recompute
        raise ConcurrentUpdate(f"invoice for {customer.id} / {period.key} kept changing; try again")


def _worth_an_invoice(
    customer: Customer, period: BillingPeriod, usage: CustomerPeriodUsage, content: InvoiceContent
) -> bool:
    if usage.features or any(line.type == LineType.ADJUSTMENT for line in content.line_items):
        return True
    # Without usage, rated lines are what the plan makes every customer owe: its fee, a first tier's flat
    # fee, its minimum. Owed only by customers who existed before the period ended.
    owes_plan_charges = any(line.type in _PLAN_CHARGES for line in content.line_items)
    return owes_plan_charges and customer.created_at < period.bounds(timezone(customer.timezone))[1]


_PLAN_CHARGES = frozenset({LineType.PLAN_FEE, LineType.USAGE, LineType.MINIMUM})


def _new_invoice(customer: Customer, period: BillingPeriod, content: InvoiceContent, now: datetime) -> Invoice:
    start, end = period.bounds(timezone(customer.timezone))
    return Invoice(
        id=invoice_id_for(customer.id, period.key),
        customer_id=customer.id,
        period=period.key,
        period_start=start,
        period_end=end,
        currency=content.currency,
        created_at=now,
        updated_at=now,
        line_items=content.line_items,
        plan_id=content.plan_id,
        unit_price=content.unit_price,
        rated_events=content.rated_events,
    )
