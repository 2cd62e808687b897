"""The storage port: what the services need from a backend, shaped by their access patterns.

Each method is one logical, atomic operation expressed in keys and ranges (no SQL crosses the port),
so a key-value backend (DynamoDB) implements it with a get, a query or one conditional/transactional
write. Adapters translate backend errors into domain errors (billing.domain.errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from billing.domain.credits import CreditEntry
from billing.domain.invoices import Invoice, InvoiceStatus
from billing.domain.models import Customer, CustomerPeriodUsage, RecordResult, UsageEvent
from billing.pricing.plans import Plan


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None:
        """Store a new customer. Raises DuplicateEmail when the email (case-insensitive) is taken."""

    def get(self, customer_id: str) -> Customer | None: ...

    def list(self, *, limit: int, after: str | None = None) -> list[Customer]:
        """Customers ordered by id, starting after the given id (keyset paging)."""

    def set_plan(self, customer_id: str, plan_id: str, currency: str, *, expected_version: int) -> Customer:
        """Put the customer on a plan (and its currency) if their stored version is still
        `expected_version`; return the customer with the next version. Raises ConcurrentUpdate otherwise,
        CustomerNotFound when there is no such customer."""


class PlanRepository(Protocol):
    def add(self, plan: Plan) -> None:
        """Store a new plan. Plans are immutable: there is no update."""

    def get(self, plan_id: str) -> Plan | None: ...

    def list(self, *, limit: int, after: str | None = None) -> list[Plan]:
        """Plans ordered by id, starting after the given id (keyset paging)."""


class CreditRepository(Protocol):
    """A customer's prepaid-credit ledger: append-only entries, the balance is their sum."""

    def add(self, entry: CreditEntry) -> None:
        """Append a grant. Raises Conflict when an entry with that id exists."""

    def entries(self, customer_id: str) -> list[CreditEntry]:
        """The customer's entries, oldest first."""

    def balance(self, customer_id: str, currency: str) -> Decimal:
        """The sum of the customer's entries in that currency."""


class UsageRepository(Protocol):
    def record(self, events: Sequence[UsageEvent]) -> RecordResult:
        """Store one customer's batch: events whose (customer_id, id) is new are stored and added to
        the rollups; the others are duplicates and change nothing. Ids within the batch are unique
        (the service drops in-batch repeats first)."""

    def buckets(self, customer_id: str, start: int, end: int) -> Iterable[tuple[str, int, Decimal]]:
        """(feature, bucket_start, summed quantity) of the 15-minute buckets starting in [start, end)."""

    def days(self, customer_id: str, first_day: str, end_day: str) -> Iterable[tuple[str, str, Decimal]]:
        """(feature, local day, summed quantity) of the customer's local days (YYYY-MM-DD in its timezone)
        in [first_day, end_day)."""

    def events(self, customer_id: str, start: int, end: int) -> Iterable[UsageEvent]:
        """Raw events with ts in [start, end). Only for ranges narrower than a bucket and for
        aggregations rollups cannot answer."""

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        """A customer's rolled-up usage for one billing period (in the customer's timezone)."""

    def all_period_usage(self, period: str) -> Iterator[CustomerPeriodUsage]:
        """Every customer's usage for a period, ordered by customer id, streamed."""

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        """One customer's rolled-up usage for every period they have usage in, oldest first
        (one query on the customer's partition; used to spot late usage of finalized periods)."""


class InvoiceRepository(Protocol):
    def get(self, invoice_id: str) -> Invoice | None: ...

    def list_for_customer(self, customer_id: str) -> list[Invoice]:
        """A customer's invoices, newest period first."""

    def save(self, invoice: Invoice) -> Invoice:
        """Insert (invoice.version == 0) or replace the stored version invoice.version, and return the
        invoice with its new version. Raises ConcurrentUpdate when the stored version differs, so two
        runs can never both write, and never two invoices for one customer and period."""

    def list_by_status(self, status: InvoiceStatus, *, period_end_before: datetime) -> list[Invoice]:
        """Invoices in that status whose period ended at or before the instant, oldest period end first
        (a DynamoDB GSI keyed by status and sorted by period end serves it)."""

    def finalize(self, invoice: Invoice, *, consumption: CreditEntry | None, customer_version: int) -> Invoice:
        """One atomic write: replace the stored draft (at `invoice.version`) with the finalized `invoice`,
        append the credit `consumption` it applied (refused if it would take the balance below zero),
        and move the customer's version on from `customer_version`. Raises ConcurrentUpdate if the
        invoice or the customer changed since they were read, or the credit is no longer there."""

    def void(self, invoice: Invoice, *, restoration: CreditEntry | None, customer_version: int) -> Invoice:
        """One atomic write, like `finalize`: store the voided `invoice`, append the `restoration` of
        the credit it had consumed, move the customer's version on. Raises ConcurrentUpdate when stale."""


class Storage(Protocol):
    # Read-only members, so an adapter may expose its own repository classes.
    @property
    def customers(self) -> CustomerRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    @property
    def invoices(self) -> InvoiceRepository: ...

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def credits(self) -> CreditRepository: ...

    def check(self) -> None:
        """A cheap probe for health checks: raises StorageUnavailable when the backend cannot serve."""
