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
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from billing.domain.billing_runs import (
    MAX_OUTCOMES_PER_WRITE,
    MAX_RESUMPTIONS,
    STALE_AFTER,
    BillingRunRecord,
    BillingShard,
    CustomerOutcome,
    OutcomeStatus,
    RunStatus,
    shards_of,
)
from billing.domain.customers import Customer
from billing.domain.errors import (
    BillingError,
    BillingRunInterrupted,
    BillingRunNotFound,
    Conflict,
    InvalidInput,
    RequestKeyReused,
    StorageUnavailable,
)
from billing.domain.paging import MAX_PAGE
from billing.domain.request_keys import RequestKey, new_id
from billing.domain.time import BillingPeriod, iso_utc, timezone
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
    failure: str | None = None  # why the run was given up (a retried start of a failed run)

    @property
    def invoices_generated(self) -> int:
        return len(self.invoice_ids)

    @property
    def status(self) -> RunStatus:
        return "failed" if self.failure is not None else "done" if self.done else "running"


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did: runs resumed (queued on to the end), runs failed with the reason, runs whose
    resumption stopped again (run id, why: the next tick tries again)."""

    resumed: tuple[BillingRun, ...]
    failed: tuple[BillingRunRecord, ...]
    interrupted: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BillingRunStatus:
    run: BillingRunRecord
    failures: tuple[CustomerFailure, ...]  # one page of them
    failures_cursor: str | None  # the next page of failures, if any
    unpriced: tuple[UnpricedUsage, ...] = ()  # one page of the customers billed with unpriced usage
    unpriced_cursor: str | None = None  # the next page of those, if any

    @property
    def status(self) -> RunStatus:
        return self.run.status


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

    def create(
        self, period: BillingPeriod, *, unit_price: Decimal | None, now: datetime, run_id: str | None = None
    ) -> BillingRunRecord:
        """A new billing run resource, before any customer is queued."""
        record = BillingRunRecord(
            run_id or f"run_{uuid.uuid4().hex}", period.key, now, unit_price=unit_price, heartbeat_at=self._clock()
        )  # `now` may be a re-run's date; progress is on the wall clock, as the sweep reads it
        self._storage.billing_runs.add(record)
        return record

    def start(
        self,
        period: BillingPeriod,
        *,
        unit_price: Decimal | None = None,
        now: datetime | None = None,
        request_key: RequestKey | None = None,
    ) -> BillingRun:
        """Create a run resource and queue every customer for it, a page of customers at a time.

        The answer lists the invoices and failures known when the customers are queued: all of them with
        the in-process queue, none yet with SQS (the run is then "running": GET /v1/billing-runs/{id}).

        `request_key` (from the Idempotency-Key header) names the run: a retry of a start that died or failed
        half-way finds that run and resumes queuing where it stopped instead of starting another; a run of
        another period or unit price under the same key is refused (RequestKeyReused). If storage or the
        queue fails half-way, BillingRunInterrupted names the run.
        """
        now = now or self._clock()
        run_id = None if request_key is None else new_id("run", request_key)
        record = None if run_id is None else self._storage.billing_runs.get(run_id)
        if record is None:
            try:
                record = self.create(period, unit_price=unit_price, now=now, run_id=run_id)
            except Conflict:  # the same key's other attempt created it a moment ago
                record = self._storage.billing_runs.get(run_id or "")
                if record is None:
                    raise
        if (record.period, record.unit_price) != (period.key, unit_price):
            raise RequestKeyReused(
                f"this request's key names billing run {record.id} of period {record.period} and unit price"
                f" {record.unit_price}; send a new key for a new run"
            )
        return self._queue_rest(record)

    def resume_stale(self, *, now: datetime | None = None) -> SweepReport:
        """The sweep (every schedule tick): runs whose starter stopped queuing (no progress for STALE_AFTER) are
        taken over and queued on from where they stopped; a run taken over MAX_RESUMPTIONS times already is
        failed with the reason instead. A run a resumption could not finish (storage or the queue still
        failing, any other domain error) waits for the next tick, which counts it as another takeover. Runs
        with recent progress are left to their starter."""
        now = now or self._clock()
        stale_before = now - STALE_AFTER
        resumed: list[BillingRun] = []
        failed: list[BillingRunRecord] = []
        interrupted: list[tuple[str, str]] = []
        cursor = None
        while True:
            page = self._storage.billing_runs.unfinished(limit=MAX_PAGE, cursor=cursor)
            for run in page.items:
                if run.last_progress >= stale_before:
                    continue  # its starter may be at work: slow, not dead
                if run.resumptions >= MAX_RESUMPTIONS:
                    reason = (
                        f"its starter stopped after queuing {run.customers_queued} customers (last progress"
                        f" {iso_utc(run.last_progress)}) and {run.resumptions} resumptions did not finish queuing;"
                        f" start a new run of {run.period}"
                    )
                    if self._storage.billing_runs.fail(run.id, reason, at=now):
                        failed.append(replace(run, failure=reason))
                    continue
                claimed = self._storage.billing_runs.claim_stale(run.id, stale_before=stale_before, at=now)
                if claimed is None:
                    continue  # another sweep took it, or its starter moved on
                try:
                    resumed.append(self._queue_rest(claimed))
                except BillingError as error:  # this run's trouble (the queue, storage, a stale cursor): not the tick's
                    interrupted.append((run.id, error.message))
            if page.cursor is None:
                return SweepReport(tuple(resumed), tuple(failed), tuple(interrupted))
            cursor = page.cursor

    def _queue_rest(self, record: BillingRunRecord) -> BillingRun:
        """Queue the run's customers from its position on, recording progress (and a heartbeat) after each
        page: the page is sent first, then counted, so a starter that dies in between leaves the page to be
        sent again (harmless) rather than counted and never sent. A progress write refused because another
        starter moved the run on ends this one: the other finishes it."""
        if not record.is_unfinished:
            return self._answer(record, [])
        outcomes: list[CustomerOutcome] = []
        position = record.position
        try:
            while True:
                page = self._storage.customers.list(limit=MAX_PAGE, cursor=position)
                if page.items:
                    outcomes += self._queue.send(shards_of(record, page.items, size=self._shard_size))
                planned = page.cursor is None
                moved = self._storage.billing_runs.advance(
                    record.id,
                    from_position=position,
                    to_position=page.cursor,
                    queued=len(page.items),
                    planned=planned,
                    at=self._clock(),
                )
                if planned or not moved:
                    break
                position = page.cursor
        except StorageUnavailable as error:  # QueueUnavailable too
            raise BillingRunInterrupted(record.id, self._queued_so_far(record), error) from error
        return self._answer(self._storage.billing_runs.get(record.id) or record, outcomes)

    def _queued_so_far(self, record: BillingRunRecord) -> int:
        try:
            return (self._storage.billing_runs.get(record.id) or record).customers_queued
        except StorageUnavailable:  # the 503 must still name the run
            return record.customers_queued

    @staticmethod
    def _answer(record: BillingRunRecord, outcomes: Sequence[CustomerOutcome]) -> BillingRun:
        """The run as its start answers: the invoices and failures of the customers this call billed (all of
        them with the in-process queue, unless it resumed a run), its stored counts and status."""
        invoice_ids = tuple(o.invoice_id for o in outcomes if o.status == OutcomeStatus.BILLED and o.invoice_id)
        failures = tuple(
            CustomerFailure(o.customer_id, o.reason or "unknown") for o in outcomes if o.status == OutcomeStatus.FAILED
        )
        unpriced = tuple(UnpricedUsage.of(o) for o in outcomes if o.unpriced_features)
        return BillingRun(
            record.period,
            invoice_ids,
            failures,
            record.id,
            customers_queued=record.customers_queued,
            done=record.is_done,
            unpriced=unpriced,
            failure=record.failure,
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
        self._check_run_of(shard)
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
        self._check_run_of(shard)
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

    def _check_run_of(self, shard: BillingShard) -> None:
        """A shard bills nothing unless it is one of a run we started: BillingRunNotFound for an unknown run (a
        stale or forged message), InvalidInput when its period or unit price is not its run's (forged). Either
        way delivering it again cannot help: the queue's consumers drop it."""
        run = self._storage.billing_runs.get(shard.run_id)
        if run is None:
            raise BillingRunNotFound(shard.run_id)
        if (run.period, run.unit_price) != (shard.period, shard.unit_price):
            raise InvalidInput(
                f"shard of billing run {run.id} names period {shard.period} and unit price {shard.unit_price};"
                f" the run's are {run.period} and {run.unit_price}"
            )

    def _record(self, run_id: str, outcomes: Sequence[CustomerOutcome]) -> None:
        unique = list({outcome.customer_id: outcome for outcome in outcomes}.values())  # a shard repeating an id
        for start in range(0, len(unique), MAX_OUTCOMES_PER_WRITE):
            self._storage.billing_runs.record_outcomes(run_id, unique[start : start + MAX_OUTCOMES_PER_WRITE])


def scheduled_period(now: datetime) -> BillingPeriod:
    """The period the monthly schedule bills at `now`: the UTC calendar month before. The schedule fires at
    14:00 UTC on the 1st, when that month has ended in every timezone (UTC-12 reaches the 1st at 12:00 UTC)."""
    return BillingPeriod.containing(now, timezone("UTC")).previous()
