"""The storage port: what the services need from a backend, shaped by their access patterns.

Each method is one logical, atomic operation expressed in keys and ranges (no SQL crosses the port),
so a key-value backend (DynamoDB) implements it with a get, a query or one conditional/transactional
write. Adapters translate backend errors into domain errors (billing.domain.errors).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from billing.domain.invoices import Invoice
from billing.domain.models import Customer, CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None:
        """Store a new customer. Raises DuplicateEmail when the email (case-insensitive) is taken."""

    def get(self, customer_id: str) -> Customer | None: ...

    def list(self, *, limit: int, after: str | None = None) -> list[Customer]:
        """Customers ordered by id, starting after the given id (keyset paging)."""


class UsageRepository(Protocol):
    def record(self, events: Sequence[UsageEvent]) -> RecordResult:
        """Store one customer's batch: events whose (customer_id, id) is new are stored and added to
        the rollups; the others are duplicates and change nothing. Ids within the batch are unique
        (the service drops in-batch repeats first)."""

    def buckets(self, customer_id: str, start: int, end: int) -> Iterable[tuple[str, int, UsageAggregate]]:
        """(feature, bucket_start, aggregate) of the 15-minute buckets starting in [start, end)."""

    def events(self, customer_id: str, start: int, end: int) -> Iterable[UsageEvent]:
        """Raw events with ts in [start, end). Only for ranges narrower than a bucket and for
        aggregations rollups cannot answer."""

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        """A customer's rolled-up usage for one billing period (in the customer's timezone)."""

    def all_period_usage(self, period: str) -> Iterator[CustomerPeriodUsage]:
        """Every customer's usage for a period, ordered by customer id, streamed."""


class InvoiceRepository(Protocol):
    def get(self, invoice_id: str) -> Invoice | None: ...

    def list_for_customer(self, customer_id: str) -> list[Invoice]:
        """A customer's invoices, newest period first."""

    def save(self, invoice: Invoice) -> Invoice:
        """Insert (invoice.version == 0) or replace the stored version invoice.version, and return the
        invoice with its new version. Raises ConcurrentUpdate when the stored version differs, so two
        runs can never both write, and never two invoices for one customer and period."""


class Storage(Protocol):
    customers: CustomerRepository
    usage: UsageRepository
    invoices: InvoiceRepository
