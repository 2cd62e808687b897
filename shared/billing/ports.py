"""The storage port: what the services need from a backend, shaped by their access patterns.

Every method is one key lookup, one query within one partition, or one transaction within DynamoDB's
limits (100 items), so the SQLite adapter (adapters/sqlite) and the DynamoDB adapter (adapters/dynamodb)
serve it alike; docs/storage-dynamodb.md maps each method to the request that serves it. No SQL and no
boto3 crosses the port. Adapters translate backend errors into domain errors (billing.domain.errors):
StorageUnavailable when the backend cannot be reached or written, Conflict (and its subclasses) when a
condition refuses a write.

Listings return a Page with an opaque cursor and promise no order unless they say so.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the port names them in signatures only: importing the port loads no domain module
    from billing.domain.api_keys import ApiKey
    from billing.domain.billing_runs import BillingRunRecord, CustomerOutcome, OutcomeStatus
    from billing.domain.credits import CreditEntry
    from billing.domain.customers import Customer
    from billing.domain.invoices import Invoice, InvoiceStatus
    from billing.domain.meters import Meter
    from billing.domain.paging import Page
    from billing.domain.usage import CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent
    from billing.pricing.plans import Plan


class CustomerRepository(Protocol):
    def add(self, customer: Customer) -> None:
        """Store a new customer. Raises DuplicateEmail when the email (case-insensitive) is taken and
        DuplicateExternalId when its external id is; nothing is stored then."""

    def get(self, customer_id: str) -> Customer | None: ...

    def get_by_external_id(self, external_id: str) -> Customer | None:
        """The customer created with that external id (strongly consistent)."""

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Customer]:
        """Every customer, a page at a time (no promised order). A customer added a moment ago may
        take a moment to appear (DynamoDB serves this from an index)."""

    def search(self, text: str, *, limit: int) -> builtins.list[Customer]:
        """Up to `limit` customers whose name or email starts with `text`, ignoring case."""

    def set_plan(self, customer_id: str, plan_id: str, currency: str, *, expected_version: int) -> Customer:
        """Put the customer on a plan (and its currency) if their stored version is still
        `expected_version`; return the customer with the next version. Raises ConcurrentUpdate otherwise,
        CustomerNotFound when there is no such customer."""


class PlanRepository(Protocol):
    def add(self, plan: Plan) -> None:
        """Store a new plan. Plans are immutable: there is no update."""

    def get(self, plan_id: str) -> Plan | None: ...

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Plan]:
        """Every plan, a page at a time (no promised order)."""


class CreditRepository(Protocol):
    """A customer's prepaid-credit ledger: append-only entries, and a balance per currency stored with
    them and changed in the same atomic write."""

    def add(self, entry: CreditEntry) -> Decimal:
        """Append an entry and move the balance of its currency by its amount; return the new balance.
        Raises Conflict when an entry with that id exists, InsufficientCredit when the balance would go
        below zero; nothing changes then."""

    def entry(self, customer_id: str, entry_id: str) -> CreditEntry | None:
        """One entry of the customer's, by id (one key lookup)."""

    def entries(self, customer_id: str) -> list[CreditEntry]:
        """The customer's entries, oldest first."""

    def balance(self, customer_id: str, currency: str) -> Decimal:
        """The stored balance in that currency (0 when none was ever granted)."""

    def balances(self, accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
        """`balance` of each (customer_id, currency) (at most MAX_INVOICES_PER_SAVE of them, a billing
        shard), by (customer_id, currency)."""


class UsageRepository(Protocol):
    def record(self, events: Sequence[UsageEvent]) -> RecordResult:
        """Store one customer's events. Each event is stored at most once ever per (customer_id, id),
        atomically with its share of the rollups (15-minute bucket, local day, period, and for each of its
        `distinct` properties: its value, if it carries one, and one more event of the coverage); an event
        whose id is stored already is a duplicate and changes nothing. The batch as a whole is not atomic:
        after a failure, a retry reports the events stored by the first attempt as duplicates. Ids within the
        batch are unique (the service drops in-batch repeats first)."""

    def buckets(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, Decimal]]:
        """(feature, bucket_start, summed quantity) of the 15-minute buckets starting in [start, end)."""

    def days(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, Decimal]]:
        """(feature, local day, summed quantity) of the customer's local days (YYYY-MM-DD in its timezone)
        in [first_day, end_day)."""

    def periods(self, customer_id: str, first_period: str, end_period: str) -> list[tuple[str, str, Decimal]]:
        """(feature, period, summed quantity) of the customer's billing periods (YYYY-MM: its local calendar
        months) in [first_period, end_period): the period rollup's sums, which equal its days' sums."""

    def bucket_aggregates(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, UsageAggregate]]:
        """`buckets` with each row's whole aggregate (sum, count, max, latest) instead of its sum alone."""

    def day_aggregates(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, UsageAggregate]]:
        """`days` with each row's whole aggregate (sum, count, max, latest) instead of its sum alone."""

    def period_aggregates(
        self, customer_id: str, first_period: str, end_period: str
    ) -> list[tuple[str, str, UsageAggregate]]:
        """`periods` with each row's whole aggregate (sum, count, max, latest) instead of its sum alone."""

    def events(self, customer_id: str, start: int, end: int) -> list[UsageEvent]:
        """Raw events with ts_us in [start, end), oldest first. Only for ranges narrower than a bucket and
        for pricing that needs individual events."""

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        """A customer's rolled-up usage for one billing period (in the customer's timezone), with the
        distinct-value counts of its tracked properties and their coverage, read together: a count whose
        coverage equals its feature's event count is exact (CustomerPeriodUsage.exact_distinct_count)."""

    def period_usage_many(self, customer_ids: Sequence[str], period: str) -> dict[str, CustomerPeriodUsage]:
        """`period_usage` of each customer (at most MAX_INVOICES_PER_SAVE of them, a billing shard), by
        customer id; a customer without usage in the period has an empty one."""

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        """One customer's rolled-up usage for every period they have usage in, oldest first
        (used to spot late usage of finalized periods)."""

    def cover_distinct(
        self, customer_id: str, period: str, feature: str, prop: str, values: Collection[str], *, events: int
    ) -> bool:
        """Record that the period's events of `feature` carry exactly `values` for `prop` (their distinct
        values, read from the raw events) and that all `events` of them were checked: store the values not
        stored yet and set the coverage to `events`, if the period rollup of the feature still counts exactly
        `events` events (counts only grow: nothing arrived since they were read). Returns whether coverage
        was recorded. When it was not, values may have been stored (each one a value some stored event of
        the period carries, so no count grows past the truth) and the coverage is unchanged."""


class InvoiceRepository(Protocol):
    def get(self, invoice_id: str) -> Invoice | None:
        """By id, strongly consistent, without a scan."""

    def list_for_customer(self, customer_id: str, *, limit: int, cursor: str | None = None) -> Page[Invoice]:
        """A customer's invoices, newest period first and, within a period, newest issue first (strongly
        consistent)."""

    def list_for_customers(self, customer_ids: Sequence[str]) -> dict[str, builtins.list[Invoice]]:
        """Every invoice of each customer (at most MAX_INVOICES_PER_SAVE of them, a billing shard), in
        `list_for_customer`'s order, by customer id; strongly consistent."""

    def list(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        status: InvoiceStatus | None = None,
        period: str | None = None,
        customer_id: str | None = None,
    ) -> Page[Invoice]:
        """Invoices across customers matching every filter given (no promised order; an invoice written
        a moment ago may take a moment to appear)."""

    def save(self, invoice: Invoice) -> Invoice:
        """Insert (invoice.version == 0) or replace the stored version invoice.version, and return the
        invoice with its new version. Raises ConcurrentUpdate when the stored version differs, so two
        runs can never both write, and never two invoices for one customer, period and issue."""

    def save_many(self, invoices: Sequence[Invoice]) -> None:
        """`save` each invoice (at most MAX_INVOICES_PER_SAVE, distinct ones) in one atomic write: all are
        saved, or none is (a billing run saves the drafts of a shard so, and does not read them back).
        Raises ConcurrentUpdate when any of them is stale or a second invoice for its customer, period and
        issue; nothing is saved then."""

    def drafts_due(self, *, period_end_before: datetime, limit: int, cursor: str | None = None) -> Page[Invoice]:
        """Draft invoices whose period ended at or before the instant (a sparse index that holds drafts
        only). May lag a moment behind writes: the finalize sweep re-reads each one by id."""

    def finalize(
        self, invoice: Invoice, *, credit: CreditEntry | None, customer_version: int, number_prefix: str
    ) -> Invoice:
        """One atomic write: replace the stored draft (at `invoice.version`) with the finalized `invoice`
        numbered `invoice_number(number_prefix, n)`, n the next value of the deployment's one invoice
        counter (moved in the same write: increasing, never reused, no gaps), append its `credit` entry and
        move the balance by it (the consumption of the credit it applied, or the carry-over of a total below
        zero; refused if the balance would go below zero), and move the customer's version on from
        `customer_version`; return the stored invoice. Raises
        ConcurrentUpdate if the invoice, the customer or the credit changed since they were read, or if
        racing finalizations kept taking the next number (nothing is written then, no number is used)."""

    def void(self, invoice: Invoice, *, credit: CreditEntry | None, customer_version: int) -> Invoice:
        """One atomic write, like `finalize`: store the voided `invoice`, append its `credit` entry
        (the restoration of the credit it had consumed, or the reversal of what it carried over, refused if the
        balance would go below zero), move the customer's version on. Raises ConcurrentUpdate when stale."""


class BillingRunRepository(Protocol):
    def add(self, run: BillingRunRecord) -> None:
        """Store a new run. Raises Conflict when a run with that id exists."""

    def get(self, run_id: str) -> BillingRunRecord | None: ...

    def advance(
        self,
        run_id: str,
        *,
        from_position: str | None,
        to_position: str | None,
        queued: int,
        planned: bool,
        at: datetime,
    ) -> bool:
        """Record a starter's progress in one conditional write: `queued` more customers queued, the position
        moved from `from_position` to `to_position`, the heartbeat set to `at`, `planned` when every customer is
        queued. Only while the run is unfinished and still at `from_position`: False (nothing written) when
        another starter moved it on, or it is planned or failed. Raises BillingRunNotFound for an unknown run."""

    def claim_stale(self, run_id: str, *, stale_before: datetime, at: datetime) -> BillingRunRecord | None:
        """Take over an unfinished run whose heartbeat is before `stale_before` (its starter stopped): heartbeat
        `at`, one more resumption, in one conditional write. The run as claimed, or None when it is not
        unfinished or not stale (another sweep claimed it, its starter moved it on)."""

    def fail(self, run_id: str, reason: str, *, at: datetime) -> bool:
        """Give up an unfinished run with `reason` (its status becomes failed). False when it was planned or
        failed meanwhile."""

    def unfinished(self, *, limit: int, cursor: str | None = None) -> Page[BillingRunRecord]:
        """Runs still queuing their customers (neither planned nor failed), what a sweep looks at; oldest first
        where the backend can (no promised order). DynamoDB: a sparse index, eventually consistent."""

    def record_outcomes(self, run_id: str, outcomes: Sequence[CustomerOutcome]) -> None:
        """Record how billing some customers ended (at most MAX_OUTCOMES_PER_WRITE, distinct customers),
        once per (run, customer), in one atomic write: recording the same status again changes nothing, a
        new status (billed after a failed attempt) replaces the old one and the run's counts move with it
        (customers_with_unpriced_usage counts the stored outcomes that name unpriced features).
        Raises BillingRunNotFound for an unknown run."""

    def outcomes(
        self,
        run_id: str,
        *,
        status: OutcomeStatus | None = None,
        unpriced: bool = False,
        limit: int,
        cursor: str | None = None,
    ) -> Page[CustomerOutcome]:
        """The run's customer outcomes, optionally of one status, or (`unpriced`) only those naming unpriced
        features (no promised order)."""


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None:
        """Store a new key. Raises Conflict when its id or secret hash exists."""

    def get(self, key_id: str) -> ApiKey | None: ...

    def get_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        """The key whose secret hashes to this (what the authorizer looks up), strongly consistent."""

    def list(self, *, limit: int, cursor: str | None = None) -> Page[ApiKey]:
        """Every key, revoked ones included (no promised order)."""

    def revoke(self, key_id: str, at: datetime) -> ApiKey:
        """Mark the key revoked (idempotent: a revoked key keeps its first revocation time). Raises
        NotFound for an unknown id."""


class MeterRepository(Protocol):
    def add(self, meter: Meter) -> None:
        """Store a new meter. Raises Conflict when the feature has a meter already."""

    def get(self, feature: str) -> Meter | None: ...

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Meter]:
        """Every meter (no promised order)."""

    def for_event_type(self, event_type: str) -> builtins.list[Meter]:
        """The meters an event of this type feeds (strongly consistent)."""


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

    @property
    def billing_runs(self) -> BillingRunRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def meters(self) -> MeterRepository: ...

    def unit_of_work(self) -> AbstractContextManager[None]:
        """A scope whose writes (on this thread) the backend may commit together when it ends, to save a commit
        per write: SQLite makes it one transaction, each write a savepoint of it (a write that raises undoes
        only its own changes); DynamoDB commits each write at once, as outside it. Either way nothing written
        in it is lost once it ends without error, and if it ends with one, what was not committed yet is
        discarded (StorageUnavailable when the backend itself lost it). Use it for work that is safe to
        redo: a billing run's page of customers."""

    def check(self) -> None:
        """A cheap probe for health checks: raises StorageUnavailable when the backend cannot serve."""
