"""Billing runs as resources: start one (page through customers, send them to the billing queue a shard at a
time) and report how it is going.

Where the shards go is the BillingQueue port's business: an SQS queue drained by a worker function, or the
in-process queue that bills each shard at once (SQLite without a queue). Either way each customer's outcome
is recorded once per run, so duplicated or redelivered shards never count twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from billing.domain.billing_runs import BillingRunRecord, OutcomeStatus, shards_of
from billing.domain.errors import BillingRunNotFound, InvalidInput
from billing.domain.time import BillingPeriod
from billing.ports import Storage
from billing.queues import BillingQueue
from billing.services.billing import BillingRun, BillingService, CustomerFailure, UnpricedUsage, scheduled_period
from billing.services.clock import Clock, system_clock

# 25 customers a message: a few seconds of a worker's time, far below SQS's 256 KB per message.
SHARD_SIZE = 25
_PAGE = 500
MAX_FAILURES_PAGE = 500


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

    def start(
        self, period: BillingPeriod, *, unit_price: Decimal | None = None, now: datetime | None = None
    ) -> BillingRun:
        """Create a run resource and queue every customer for it, a page of customers at a time.

        The answer lists the invoices and failures known when the customers are queued: all of them with
        the in-process queue, none yet with SQS (the run is then "running": GET /v1/billing-runs/{id}).
        """
        now = now or self._clock()
        record = self._billing.start_run(period, unit_price=unit_price, now=now)
        outcomes, queued, cursor = [], 0, None
        while True:
            page = self._storage.customers.list(limit=_PAGE, cursor=cursor)
            if page.items:
                self._storage.billing_runs.add_queued(record.id, len(page.items))
                queued += len(page.items)
                with self._storage.unit_of_work():  # an in-process queue bills the page's shards in it
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

    def status(
        self, run_id: str, *, limit: int = 100, cursor: str | None = None, unpriced_cursor: str | None = None
    ) -> BillingRunStatus:
        """The run's counts, a page of its failed customers with their reasons (`cursor` pages on) and a page of
        its customers billed with unpriced usage (`unpriced_cursor` pages on), at most `limit` each."""
        run = self._storage.billing_runs.get(run_id)
        if run is None:
            raise BillingRunNotFound(run_id)
        limit = min(limit, MAX_FAILURES_PAGE)
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
