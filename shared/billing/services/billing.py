"""Billing customers: one draft invoice per customer and period, recomputed while it is a draft (one customer,
or a shard's customers together); and the sweep that finalizes drafts once their grace period is over.

Runs (billing.services.runs) decide whom to bill and record how it went; this service bills."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing.domain.billing_runs import CustomerOutcome, OutcomeStatus
from billing.domain.customers import Customer
from billing.domain.errors import BillingError, ConcurrentUpdate, StorageUnavailable
from billing.domain.invoices import (
    DEFAULT_INVOICE_SETTINGS,
    MAX_INVOICES_PER_SAVE,
    Invoice,
    InvoiceContent,
    InvoiceSettings,
    InvoiceStatus,
    LineType,
    latest_issue,
)
from billing.domain.paging import MAX_PAGE, all_items
from billing.domain.time import BillingPeriod, timezone
from billing.domain.usage import CustomerPeriodUsage
from billing.ports import Storage
from billing.services.clock import Clock, system_clock
from billing.services.customers import get_customer
from billing.services.drafting import InvoiceComposer, new_invoice
from billing.services.invoice_lines import unpriced_features
from billing.services.lifecycle import InvoiceLifecycle
from billing.services.listing import all_invoices
from billing.services.retry import retry_on_conflict

_SAVE_ATTEMPTS = 3
# Customers without a plan have no grace period of their own: their drafts finalize once the period is over.
DEFAULT_GRACE_PERIOD_DAYS = 0


@dataclass(frozen=True)
class CustomerFailure:
    customer_id: str
    reason: str


@dataclass(frozen=True)
class FinalizeRun:
    invoice_ids: tuple[str, ...]  # finalized by this sweep
    conflicts: tuple[str, ...] = ()  # kept changing under us; the next sweep tries again
    failures: tuple[CustomerFailure, ...] = ()  # could not be finalized; every other draft was

    @property
    def invoices_finalized(self) -> int:
        return len(self.invoice_ids)


class BillingService:
    """Bills customers for a period, each to one draft invoice recomputed while it is a draft, and finalizes
    the drafts whose grace period is over."""

    def __init__(
        self, storage: Storage, clock: Clock = system_clock, settings: InvoiceSettings = DEFAULT_INVOICE_SETTINGS
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._composer = InvoiceComposer(storage, covers_distinct=True)
        self._lifecycle = InvoiceLifecycle(storage, self._composer, clock, settings)

    def bill_customer(
        self, customer: Customer | str, period: BillingPeriod, *, unit_price: Decimal | None, now: datetime
    ) -> Invoice | None:
        """Create or recompute one customer's draft for the period (the customer, or its id to read it);
        None when there is nothing to bill or the period's invoice is finalized already. Features no plan
        prices are rated at `unit_price`, which the draft keeps; without one, at the draft's own (none for a
        new draft: such usage is listed at 0.00 "no price set")."""
        known = get_customer(self._storage, customer) if isinstance(customer, str) else customer

        def attempt() -> Invoice | None:
            usage = self._storage.usage.period_usage(known.id, period.key)
            invoice, changed = self._draft(known, period, usage, unit_price=unit_price, now=now)
            if not changed or invoice is None:
                return invoice
            return self._storage.invoices.save(invoice)  # ConcurrentUpdate: another run wrote first

        return retry_on_conflict(attempt, attempts=_SAVE_ATTEMPTS, what=f"invoice for {known.id} / {period.key}")

    def bill_customers(
        self, customers: Sequence[Customer | str], period: BillingPeriod, *, unit_price: Decimal | None, now: datetime
    ) -> list[CustomerOutcome]:
        """Bill a shard's customers (or their ids), a few reads and one atomic write for many of them, and say
        how each ended, in order.

        A customer that cannot be billed (bad data, an unknown customer, a price that cannot be rated) fails
        with its reason and the others go on: billing it again would fail again. StorageUnavailable is raised
        instead, so that the whole shard can be billed again later; customers billed before it are billed
        again then, which changes nothing (same invoice id).
        """
        outcomes: list[CustomerOutcome] = []
        for start in range(0, len(customers), MAX_INVOICES_PER_SAVE):
            chunk = customers[start : start + MAX_INVOICES_PER_SAVE]
            outcomes += self._bill_together(chunk, period, unit_price=unit_price, now=now)
        return outcomes

    def bill_each(
        self,
        customer_ids: Sequence[str],
        period: BillingPeriod,
        *,
        unit_price: Decimal | None,
        now: datetime,
        failure_prefix: str = "",
    ) -> list[CustomerOutcome]:
        """Bill each customer on its own and say how each ended: whatever stops one (StorageUnavailable
        included) is its failure, its reason after `failure_prefix`."""
        return [
            self._bill_one(customer_id, period, unit_price=unit_price, now=now, failure_prefix=failure_prefix)
            for customer_id in customer_ids
        ]

    def finalize_due(self, *, now: datetime | None = None) -> FinalizeRun:
        """The daily sweep: finalize every draft whose grace period (the customer's plan's
        grace_period_days, counted in local calendar days from the period's end) is over at `now`.
        A draft that cannot be finalized is reported and skipped; it never stops the others."""
        now = now or self._clock()
        finalized, conflicts, failures = [], [], []
        drafts = all_items(
            lambda cursor: self._storage.invoices.drafts_due(period_end_before=now, limit=MAX_PAGE, cursor=cursor)
        )
        for draft in drafts:
            try:
                customer = self._storage.customers.get(draft.customer_id)
                if customer is None or now < self._due_at(draft, customer):
                    continue
                finalized.append(self._lifecycle.finalize(draft.id, now=now).id)
            except ConcurrentUpdate:
                conflicts.append(draft.id)
            except Exception as error:
                failures.append(CustomerFailure(draft.customer_id, failure_reason(error)))
        return FinalizeRun(tuple(finalized), tuple(conflicts), tuple(failures))

    def _bill_one(
        self,
        customer: Customer | str,
        period: BillingPeriod,
        *,
        unit_price: Decimal | None,
        now: datetime,
        retry_transient: bool = False,
        failure_prefix: str = "",
    ) -> CustomerOutcome:
        customer_id = customer if isinstance(customer, str) else customer.id
        try:
            invoice = self.bill_customer(customer, period, unit_price=unit_price, now=now)
        except Exception as error:  # one customer's bad data must not stop the others
            if retry_transient and isinstance(error, StorageUnavailable):
                raise
            return _failed(customer_id, error, now, prefix=failure_prefix)
        return self._billed(customer_id, invoice, now)

    def _bill_together(
        self, customers: Sequence[Customer | str], period: BillingPeriod, *, unit_price: Decimal | None, now: datetime
    ) -> list[CustomerOutcome]:
        """Bill customers as `_bill_one(retry_transient=True)` bills each, with what they need read a few calls
        for all (period usage, invoices, credit balances) and their new drafts saved in one atomic write.
        Whatever goes wrong with a shared read or the write (a draft another run saved first, anything but
        StorageUnavailable) sends its customers back through `_bill_one`, so a customer that cannot be billed
        still fails alone."""
        outcomes: dict[str, CustomerOutcome] = {}  # by customer id: a customer the shard repeats is billed once
        known: dict[str, Customer] = {}
        for customer in customers:
            customer_id = customer if isinstance(customer, str) else customer.id
            if customer_id in outcomes or customer_id in known:
                continue
            try:
                known[customer_id] = get_customer(self._storage, customer) if isinstance(customer, str) else customer
            except StorageUnavailable:
                raise
            except Exception as error:  # an unknown customer fails alone
                outcomes[customer_id] = _failed(customer_id, error, now)
        pending = self._drafts(list(known.values()), period, unit_price=unit_price, now=now, outcomes=outcomes)
        if pending:
            try:
                self._storage.invoices.save_many(list(pending.values()))
            except StorageUnavailable:
                raise
            except Exception:  # e.g. ConcurrentUpdate: nothing was saved; each customer on its own, with retries
                for customer_id in pending:
                    outcomes[customer_id] = self._bill_one(
                        known[customer_id], period, unit_price=unit_price, now=now, retry_transient=True
                    )
            else:
                for customer_id, invoice in pending.items():
                    outcomes[customer_id] = self._billed(customer_id, invoice, now)
        return [outcomes[customer if isinstance(customer, str) else customer.id] for customer in customers]

    def _drafts(
        self,
        customers: list[Customer],
        period: BillingPeriod,
        *,
        unit_price: Decimal | None,
        now: datetime,
        outcomes: dict[str, CustomerOutcome],
    ) -> dict[str, Invoice]:
        """The drafts of `customers` that must be saved, by customer id; the outcome of every other one goes
        into `outcomes`."""
        accounts: dict[str, tuple[str, str]] = {}  # customer id -> its credit account (customer, currency)
        for customer in customers:
            try:
                accounts[customer.id] = (customer.id, self._composer.currency(customer))
            except StorageUnavailable:
                raise
            except Exception as error:  # e.g. its plan is missing: it fails alone
                outcomes[customer.id] = _failed(customer.id, error, now)
        customers = [customer for customer in customers if customer.id in accounts]
        ids = [customer.id for customer in customers]
        try:
            usages = self._storage.usage.period_usage_many(ids, period.key)
            invoices = self._storage.invoices.list_for_customers(ids)
            balances = self._storage.credits.balances(list(accounts.values()))
        except StorageUnavailable:
            raise
        except Exception:  # one customer's unreadable data: each is read (and fails) on its own
            for customer in customers:
                outcomes[customer.id] = self._bill_one(
                    customer, period, unit_price=unit_price, now=now, retry_transient=True
                )
            return {}
        pending: dict[str, Invoice] = {}
        for customer in customers:
            try:
                invoice, changed = self._draft(
                    customer,
                    period,
                    usages[customer.id],
                    unit_price=unit_price,
                    now=now,
                    invoices=invoices[customer.id],
                    balance=balances[accounts[customer.id]],
                )
            except StorageUnavailable:
                raise
            except Exception as error:  # as _bill_one: one customer's bad data must not stop the others
                outcomes[customer.id] = _failed(customer.id, error, now)
                continue
            if changed and invoice is not None:
                pending[customer.id] = invoice
            else:
                outcomes[customer.id] = self._billed(customer.id, invoice, now)
        return pending

    def _billed(self, customer_id: str, invoice: Invoice | None, now: datetime) -> CustomerOutcome:
        """A billed customer's outcome: its draft (None: nothing to bill) and the features it bills without a
        price, which a run reports."""
        if invoice is None:
            return CustomerOutcome(customer_id, OutcomeStatus.BILLED, now)
        unpriced = (
            () if invoice.unit_price is not None else unpriced_features(invoice, self._composer.plan(invoice.plan_id))
        )
        return CustomerOutcome(customer_id, OutcomeStatus.BILLED, now, invoice.id, unpriced_features=unpriced)

    def _draft(
        self,
        customer: Customer,
        period: BillingPeriod,
        usage: CustomerPeriodUsage,
        *,
        unit_price: Decimal | None,
        now: datetime,
        invoices: Sequence[Invoice] | None = None,
        balance: Decimal | None = None,
    ) -> tuple[Invoice | None, bool]:
        """The customer's invoice for the period as it should be stored, and whether it must be saved:
        (None, False) when there is nothing to bill or the invoice is finalized already, (the stored draft,
        False) when nothing changed since the last run. The period's invoice is its latest issue: when that
        one is void, the period is billed again as a new issue that replaces it. `invoices` (all of the
        customer's) and `balance` (of credit, in the invoice's currency) are read unless given."""
        if invoices is None:
            invoices = all_invoices(self._storage, customer.id)
        current = latest_issue(invoices, period.key)
        if current is not None and current.status == InvoiceStatus.FINALIZED:
            return None, False  # never changes; only voiding it lets the period be billed again
        draft = current if current is not None and current.is_editable else None
        if unit_price is None and draft is not None:
            unit_price = draft.unit_price  # a run without a unit price keeps the draft's
        content = self._composer.compose(
            customer, period, unit_price=unit_price, usage=usage, invoices=invoices, balance=balance
        )
        if draft is not None:
            recomputed = draft.with_content(content, now=now)
            return recomputed, recomputed is not draft  # the same object: nothing new since the last run
        if not _worth_an_invoice(usage, content):
            return None, False
        return new_invoice(customer, period, content, now, replacing=current), True

    def _due_at(self, draft: Invoice, customer: Customer) -> datetime:
        plan = self._composer.customer_plan(customer)
        days = plan.grace_period_days if plan is not None else DEFAULT_GRACE_PERIOD_DAYS
        local_end = draft.period_end.astimezone(timezone(customer.timezone))
        return (local_end + timedelta(days=days)).astimezone(UTC)  # wall-clock days: DST-proof


def failure_reason(error: Exception) -> str:
    """What a billing operator is told about a customer that could not be billed."""
    if isinstance(error, BillingError):
        return error.message
    return f"{type(error).__name__}: {error}"[:500]


def _failed(customer_id: str, error: Exception, now: datetime, *, prefix: str = "") -> CustomerOutcome:
    return CustomerOutcome(customer_id, OutcomeStatus.FAILED, now, reason=(prefix + failure_reason(error))[:500])


def _worth_an_invoice(usage: CustomerPeriodUsage, content: InvoiceContent) -> bool:
    # Without usage, rated lines are what the plan makes a customer owe (its fee, a first tier's flat fee, its
    # minimum), and rating left them out unless the customer existed before the period ended (plan_charges_apply).
    return bool(usage.features) or any(line.type in _WORTH_AN_INVOICE for line in content.line_items)


_WORTH_AN_INVOICE = frozenset({LineType.PLAN_FEE, LineType.USAGE, LineType.MINIMUM, LineType.ADJUSTMENT})
