"""Billing runs as resources, end to end: start one (page through customers, send them to the billing queue a
shard at a time), bill a queued shard and settle one the queue gave up on (recording each customer's outcome),
and report how it is going.

Where the shards go is the BillingQueue port's business: an SQS queue drained by a worker function, or the
in-process queue that bills each shard at once (SQLite without a queue). Either way each customer's outcome
is recorded once per run, so duplicated or redelivered shards never count twice. Billing each customer is
BillingService's.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from billing.domain.billing_runs import (
    MAX_OUTCOMES_PER_WRITE,
    BillingRunRecord,
    BillingShard,
    CustomerOutcome,
    OutcomeStatus,
    shards_of,
)
from billing.domain.customers import Customer
from billing.domain.errors import BillingRunNotFound, InvalidInput
from billing.domain.paging import MAX_PAGE
from billing.domain.time import BillingPeriod, timezone
from billing.ports import Storage
from billing.queues import BillingQueue
from billing.services.billing import BillingService, CustomerFailure
from billing.services.clock import Clock, system_clock

# 25 customers a message: a few seconds of a worker's time, far below SQS's 256 KB per message.
SHARD_SIZE = 25


@dataclass(frozen=True)
class UnpricedUsage:
    """A customer whose draft bills features without a price (no plan prices them, the draft has no unit price)."""

    customer_id: str
    invoice_id: str
    features: tuple[str, ...]

    @classmethod
    def of(cls, outcome: CustomerOutcome) -> UnpricedUsage:
        return cls(outcome.customer_id, outcome.invoice_id or "", outcome.unpriced_features)


@dataclass(frozen=True)
class BillingRun:
    period: str
    invoice_ids: tuple[str, ...]
    failures: tuple[CustomerFailure, ...] = ()  # customers that could not be billed; everyone else was
    run_id: str | None = None
    customers_queued: int | None = None
    done: bool = True  # False while a queue's workers are still billing (invoice_ids/failures not known yet)
    unpriced: tuple[UnpricedUsage, ...] = ()  # billed customers with usage no price rated

    @property
    def invoices_generated(self) -> int:
        return len(self.invoice_ids)


@dataclass(frozen=True)
class BillingRunStatus:
    run: BillingRunRecord
    failures: tuple[CustomerFailure, ...]  # one page of them
    failures_cursor: str | None  # the next page of failures, if any
    unpriced: tuple[UnpricedUsage, ...] = ()  # one page of the customers billed with unpriced usage
    unpriced_cursor: str | None = None  # the next page of those, if any

    @property
    def status(self) -> str:
        return "done" if self.run.is_done else "running"


class BillingRunService:
    """Billing runs: started (every customer queued), their shards billed or settled, their progress read."""

    def __init__(
        self,
        storage: Storage,
        billing: BillingService,
        queue: BillingQueue,
        clock: Clock = system_clock,
        *,
        shard_size: int = SHARD_SIZE,
    ) -> None:
        self._storage = storage
        self._billing = billing
        self._queue = queue
        self._clock = clock
        self._shard_size = shard_size

    def create(self, period: BillingPeriod, *, unit_price: Decimal | None, now: datetime) -> BillingRunRecord:
        """A new billing run resource, before any customer is queued."""
        record = BillingRunRecord(f"run_{uuid.uuid4().hex}", period.key, now, unit_price=unit_price)
        self._storage.billing_runs.add(record)
        return record

    def start(
        self, period: BillingPeriod, *, unit_price: Decimal | None = None, now: datetime | None = None
    ) -> BillingRun:
        """Create a run resource and queue every customer for it, a page of customers at a time.

        The answer lists the invoices and failures known when the customers are queued: all of them with
        the in-process queue, none yet with SQS (the run is then "running": GET /v1/billing-runs/{id}).
        """
        now = now or self._clock()
        record = self.create(period, unit_price=unit_price, now=now)
        outcomes, queued, cursor = [], 0, None
        while True:
            page = self._storage.customers.list(limit=MAX_PAGE, cursor=cursor)
            if page.items:
                self._storage.billing_runs.add_queued(record.id, len(page.items))
                queued += len(page.items)
                outcomes += self._queue.send(shards_of(record, page.items, size=self._shard_size))
            if page.cursor is None:
                break
            cursor = page.cursor
        self._storage.billing_runs.add_queued(record.id, 0, planned=True)
        invoice_ids = tuple(o.invoice_id for o in outcomes if o.status == OutcomeStatus.BILLED and o.invoice_id)
        failures = tuple(
            CustomerFailure(o.customer_id, o.reason or "unknown") for o in outcomes if o.status == OutcomeStatus.FAILED
        )
        unpriced = tuple(UnpricedUsage.of(o) for o in outcomes if o.unpriced_features)
        return BillingRun(
            period.key,
            invoice_ids,
            failures,
            record.id,
            customers_queued=queued,
            done=len({o.customer_id for o in outcomes}) >= queued,
            unpriced=unpriced,
        )

    def start_scheduled(self, *, now: datetime | None = None, unit_price: Decimal | None = None) -> BillingRun:
        """The monthly schedule: the UTC calendar month before `now` (see scheduled_period)."""
        now = now or self._clock()
        return self.start(scheduled_period(now), unit_price=unit_price, now=now)

    def bill_queued_shard(self, shard: BillingShard, *, now: datetime | None = None) -> list[CustomerOutcome]:
        """Bill each customer of a queued shard and record the outcomes (a queue worker's job).

        A customer that cannot be billed (bad data, an unknown customer, a price that cannot be rated) is
        recorded as failed with its reason and the others go on: delivering it again would fail again.
        StorageUnavailable is raised instead, before anything is recorded, so the message is delivered again
        later; customers billed before it are billed again then, which changes nothing (same invoice id,
        outcome recorded once per run and customer).
        """
        now = now or self._clock()
        customers: Sequence[Customer | str] = shard.customers or shard.customer_ids
        outcomes = self._billing.bill_customers(
            customers, BillingPeriod.parse(shard.period), unit_price=shard.unit_price, now=now
        )
        self._record(shard.run_id, outcomes)
        return outcomes

    def settle_dead_shard(
        self, shard: BillingShard, *, attempts: int | None = None, now: datetime | None = None
    ) -> list[CustomerOutcome]:
        """A last attempt at a shard the queue gave up on (its dead-letter queue's consumer): every customer
        is billed if it can be now, else recorded as failed with why, so the run reports it and ends."""
        now = now or self._clock()
        outcomes = self._billing.bill_each(
            shard.customer_ids,
            BillingPeriod.parse(shard.period),
            unit_price=shard.unit_price,
            now=now,
            failure_prefix=f"dead-lettered after {attempts or 'several'} deliveries, last attempt: ",
        )
        self._record(shard.run_id, outcomes)
        return outcomes

    def status(
        self, run_id: str, *, limit: int = 100, cursor: str | None = None, unpriced_cursor: str | None = None
    ) -> BillingRunStatus:
        """The run's counts, a page of its failed customers with their reasons (`cursor` pages on) and a page of
        its customers billed with unpriced usage (`unpriced_cursor` pages on), at most `limit` each."""
        run = self._storage.billing_runs.get(run_id)
        if run is None:
            raise BillingRunNotFound(run_id)
        limit = min(limit, MAX_PAGE)
        page = self._storage.billing_runs.outcomes(run_id, status=OutcomeStatus.FAILED, limit=limit, cursor=cursor)
        failures = tuple(CustomerFailure(o.customer_id, o.reason or "unknown") for o in page.items)
        if not run.customers_with_unpriced_usage and unpriced_cursor is None:  # counted with the outcomes: none
            return BillingRunStatus(run, failures, page.cursor)
        try:
            unpriced = self._storage.billing_runs.outcomes(run_id, unpriced=True, limit=limit, cursor=unpriced_cursor)
        except InvalidInput as error:  # the cursor's fault is the query parameter's that carried it
            error.field = "unpriced_cursor"
            raise
        return BillingRunStatus(
            run, failures, page.cursor, tuple(UnpricedUsage.of(o) for o in unpriced.items), unpriced.cursor
        )

    def _record(self, run_id: str, outcomes: Sequence[CustomerOutcome]) -> None:
        unique = list({outcome.customer_id: outcome for outcome in outcomes}.values())  # a shard repeating an id
        for start in range(0, len(unique), MAX_OUTCOMES_PER_WRITE):
            self._storage.billing_runs.record_outcomes(run_id, unique[start : start + MAX_OUTCOMES_PER_WRITE])


def scheduled_period(now: datetime) -> BillingPeriod:
    """The period the monthly schedule bills at `now`: the UTC calendar month before. The schedule fires at
    14:00 UTC on the 1st, when that month has ended in every timezone (UTC-12 reaches the 1st at 12:00 UTC)."""
    return BillingPeriod.containing(now, timezone("UTC")).previous()
