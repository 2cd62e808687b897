"""Billing runs always finish, on both backends: a run whose starter died (a kill injected at a chosen step) is
resumed by the sweep of the next schedule tick and bills everyone once, or is failed with the reason; a queue
outage answers 503 naming the run, and a retry with the same Idempotency-Key resumes that run (through the
run_invoices handler, with real SQS calls to moto). The SIGKILL of a real gateway process: tests/bench/test_faults.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
from billing import bootstrap
from billing.bootstrap import Services, build_services
from billing.domain.billing_runs import MAX_RESUMPTIONS, BillingShard, CustomerOutcome
from billing.domain.errors import BillingRunInterrupted, QueueUnavailable
from billing.domain.request_keys import RequestKey
from billing.domain.time import BillingPeriod
from billing.queues.in_process import InProcessBillingQueue
from billing.queues.sqs import SqsBillingQueue
from billing.services import NewEvent

from tests.conftest import FrozenClock
from tests.handlers.conftest import Api, handler
from tests.integration.dynamo import REGION

PERIOD = "2025-09"
UNIT_PRICE = Decimal("0.01")
STARTED = datetime(2025, 10, 1, 14, tzinfo=UTC)
SEPTEMBER = datetime(2025, 9, 10, 12, tzinfo=UTC)
CUSTOMERS = 7
PAGE = 3  # customers a page: 7 customers are 3 pages, so a kill can land between pages


class Killed(BaseException):
    """The process dying (SIGKILL, a Lambda timeout): no Python code after it runs, no except clause sees it."""


class KillingQueue:
    """The in-process queue, killed at its `kill_at`-th send (before billing anything of that page), or at
    every send from then on (`every`)."""

    def __init__(self, queue: InProcessBillingQueue, kill_at: int, *, every: bool = False) -> None:
        self._queue = queue
        self._kill_at = kill_at
        self._every = every
        self.sends = 0

    def send(self, shards: Sequence[BillingShard]) -> list[CustomerOutcome]:
        self.sends += 1
        if self.sends == self._kill_at or (self._every and self.sends > self._kill_at):
            raise Killed()
        return self._queue.send(shards)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch) -> None:
    monkeypatch.setattr("billing.services.runs.MAX_PAGE", PAGE)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(STARTED)


def services_with(store, clock: FrozenClock, queue_of: Callable[[Services], object] | None = None) -> Services:
    """Services over `store`; `queue_of(services)` makes their billing queue (default: in-process)."""
    holder: list[Services] = []

    def bill_shard(shard: BillingShard) -> list[CustomerOutcome]:
        return holder[0].runs.bill_queued_shard(shard)  # the services, built by then

    in_process = InProcessBillingQueue(bill_shard, store.unit_of_work)
    queue = queue_of(in_process) if queue_of else None
    services = build_services(store, clock=clock, queue=queue)  # type: ignore[arg-type]
    holder.append(services)
    return services


def seeded(services: Services) -> dict[str, Decimal]:
    """CUSTOMERS customers with 100, 200, ... api calls in September: their expected invoice totals."""
    expected = {}
    for n in range(1, CUSTOMERS + 1):
        customer = services.customers.create(name=f"C{n}", email=f"c{n}-{uuid.uuid4().hex[:6]}@x.example")
        services.ingest.ingest(customer.id, [NewEvent("api_calls", Decimal(100 * n), SEPTEMBER, f"e{n}")])
        expected[customer.id] = UNIT_PRICE * 100 * n
    return expected


def billed_once(services: Services, expected: dict[str, Decimal]) -> dict[str, list[Decimal]]:
    """Each customer's invoices' totals (one each, when billing is idempotent)."""
    return {customer_id: [i.total for i in services.invoices.for_customer(customer_id)] for customer_id in expected}


def the_only_unfinished_run(services: Services) -> str:
    [run] = services.storage.billing_runs.unfinished(limit=10).items
    return run.id


def test_a_run_whose_starter_died_between_pages_is_resumed_by_the_sweep_and_bills_everyone_once(store, clock):
    killer: list[KillingQueue] = []
    services = services_with(store, clock, lambda q: killer.append(KillingQueue(q, kill_at=2)) or killer[0])
    expected = seeded(services)

    with pytest.raises(Killed):
        services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE)
    run_id = the_only_unfinished_run(services)
    stuck = services.storage.billing_runs.get(run_id)
    assert (stuck.customers_queued, stuck.customers_billed, stuck.status) == (PAGE, PAGE, "running")

    clock.now = STARTED + timedelta(minutes=10)  # a slow starter, maybe: left alone
    assert services.runs.resume_stale() == type(services.runs.resume_stale())((), (), ())
    clock.now = STARTED + timedelta(minutes=16)
    sweep = services.runs.resume_stale()

    assert [run.run_id for run in sweep.resumed] == [run_id]
    run = services.storage.billing_runs.get(run_id)
    assert (run.status, run.customers_queued, run.customers_billed, run.resumptions) == ("done", 7, 7, 1)
    assert billed_once(services, expected) == {customer_id: [total] for customer_id, total in expected.items()}


def test_a_starter_killed_after_sending_a_page_but_before_counting_it_is_resumed_without_counting_it_twice(
    store, clock, monkeypatch
):
    services = services_with(store, clock)
    expected = seeded(services)
    real_advance = services.storage.billing_runs.advance
    calls = []

    def dies_at_the_second_count(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise Killed()
        return real_advance(*args, **kwargs)

    monkeypatch.setattr(services.storage.billing_runs, "advance", dies_at_the_second_count)
    with pytest.raises(Killed):
        services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE)
    monkeypatch.setattr(services.storage.billing_runs, "advance", real_advance)
    run_id = the_only_unfinished_run(services)
    assert services.storage.billing_runs.get(run_id).customers_billed == 2 * PAGE  # page 2 billed, not counted

    clock.now = STARTED + timedelta(minutes=16)
    services.runs.resume_stale()

    run = services.storage.billing_runs.get(run_id)
    assert (run.status, run.customers_queued, run.customers_billed, run.customers_failed) == ("done", 7, 7, 0)
    assert billed_once(services, expected) == {customer_id: [total] for customer_id, total in expected.items()}


def test_a_start_retried_with_the_same_key_after_its_starter_died_resumes_that_run(store, clock):
    services = services_with(store, clock, lambda q: KillingQueue(q, kill_at=2))
    expected = seeded(services)
    request_key = RequestKey("5e" * 32)
    with pytest.raises(Killed):
        services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE, request_key=request_key)
    run_id = the_only_unfinished_run(services)

    again = services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE, request_key=request_key)
    replayed = services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE, request_key=request_key)

    assert (again.run_id, again.status, again.customers_queued) == (run_id, "done", CUSTOMERS)
    assert len(again.invoice_ids) == CUSTOMERS - PAGE  # this call billed the pages the dead one had not
    assert (replayed.run_id, replayed.status, replayed.invoice_ids) == (run_id, "done", ())  # nothing billed again
    assert services.storage.billing_runs.get(run_id).customers_billed == CUSTOMERS
    assert billed_once(services, expected) == {customer_id: [total] for customer_id, total in expected.items()}


def test_a_run_that_kills_every_resumer_is_failed_with_the_reason_and_get_shows_it(store, clock, lambda_context):
    services = services_with(store, clock, lambda q: KillingQueue(q, kill_at=1, every=True))
    seeded(services)
    with pytest.raises(Killed):
        services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE)
    run_id = the_only_unfinished_run(services)

    for tick in range(1, MAX_RESUMPTIONS + 1):
        clock.now = STARTED + timedelta(days=tick)
        with pytest.raises(Killed):
            services.runs.resume_stale()
    clock.now = STARTED + timedelta(days=MAX_RESUMPTIONS + 1)
    sweep = services.runs.resume_stale()

    assert [run.id for run in sweep.failed] == [run_id]
    bootstrap.use(services)
    try:
        reply = Api(services, lambda_context)(
            "get_billing_run", "GET /v1/billing-runs/{run_id}", f"/v1/billing-runs/{run_id}"
        )
    finally:
        bootstrap.use(None)
    assert (reply.status, reply.body["status"]) == (200, "failed")
    assert reply.body["failure_reason"].startswith("its starter stopped after queuing 0 customers")
    assert f"{MAX_RESUMPTIONS} resumptions did not finish queuing" in reply.body["failure_reason"]
    assert services.storage.billing_runs.unfinished(limit=10).items == []


class OutageQueue:
    """The in-process queue behind a switch: while `down`, every send raises QueueUnavailable."""

    def __init__(self, queue: InProcessBillingQueue) -> None:
        self._queue = queue
        self.down = True

    def send(self, shards: Sequence[BillingShard]) -> list[CustomerOutcome]:
        if self.down:
            raise QueueUnavailable("billing queue unavailable: no such queue")
        return self._queue.send(shards)


def test_a_queue_still_down_at_the_sweep_leaves_the_run_to_the_next_tick_which_finishes_it(store, clock):
    outage: list[OutageQueue] = []
    services = services_with(store, clock, lambda q: outage.append(OutageQueue(q)) or outage[0])
    expected = seeded(services)
    with pytest.raises(BillingRunInterrupted) as interrupted:
        services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE)
    run_id = interrupted.value.run_id
    assert (interrupted.value.code, interrupted.value.details()) == ("queue_unavailable", {"billing_run_id": run_id})

    clock.now = STARTED + timedelta(days=1)
    first_tick = services.runs.resume_stale()
    outage[0].down = False
    clock.now = STARTED + timedelta(days=2)
    second_tick = services.runs.resume_stale()

    assert [run_id for run_id, _ in first_tick.interrupted] == [run_id] and first_tick.resumed == ()
    assert [run.run_id for run in second_tick.resumed] == [run_id]
    run = services.storage.billing_runs.get(run_id)
    assert (run.status, run.customers_billed, run.resumptions) == ("done", CUSTOMERS, 2)
    assert billed_once(services, expected) == {customer_id: [total] for customer_id, total in expected.items()}


def test_the_schedules_daily_tick_resumes_a_stalled_run(store, clock, lambda_context):
    services = services_with(store, clock, lambda q: KillingQueue(q, kill_at=2))
    expected = seeded(services)
    with pytest.raises(Killed):
        services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE)
    run_id = the_only_unfinished_run(services)

    clock.now = STARTED + timedelta(hours=1)
    bootstrap.use(services)
    try:
        handler("monthly_billing")({"action": "finalize"}, lambda_context)
    finally:
        bootstrap.use(None)

    assert services.storage.billing_runs.get(run_id).status == "done"
    assert billed_once(services, expected) == {customer_id: [total] for customer_id, total in expected.items()}


# --- a queue outage through HTTP: the 503 names the run, the retry with the same key resumes it ---------------


@pytest.fixture
def sqs(dynamodb_client) -> Iterator[object]:
    """moto's SQS (the session's mock_aws, started by the DynamoDB fixture, whatever the storage backend)."""
    yield boto3.session.Session(region_name=REGION).client("sqs")


def run_invoices(api: Api, key: str | None, period: str = PERIOD):
    headers = {"Idempotency-Key": key} if key else None
    return api(
        "run_invoices",
        "POST /v1/invoices/run",
        "/v1/invoices/run",
        query={"period": period, "unit_price": str(UNIT_PRICE)},
        headers=headers,
    )


def waiting_messages(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_a_missing_queue_answers_503_naming_the_run_and_a_retry_with_the_same_key_resumes_that_run(
    store, clock, sqs, lambda_context
):
    name = f"billing-{uuid.uuid4().hex[:8]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    services = services_with(store, clock, lambda _: SqsBillingQueue(url, region=REGION))
    seeded(services)
    api = Api(services, lambda_context)
    bootstrap.use(services)
    try:
        first = run_invoices(api, "run-sept-1")
        again = run_invoices(api, "run-sept-1")  # the queue still missing: the same run, no orphan
        mismatch = run_invoices(api, "run-sept-1", period="2025-08")  # no idempotency record: the run refuses
        sqs.create_queue(QueueName=name)
        resumed = run_invoices(api, "run-sept-1")
        shards = waiting_messages(sqs, url)
        other_period = run_invoices(api, "run-sept-1", period="2025-08")
        unkeyed = run_invoices(api, None)
    finally:
        bootstrap.use(None)

    assert (first.status, first.body["error"]["code"]) == (503, "queue_unavailable")
    run_id = first.body["error"]["billing_run_id"]
    assert run_id in first.body["error"]["message"]
    assert (again.status, again.body["error"]["billing_run_id"]) == (503, run_id)
    assert (mismatch.status, mismatch.body["error"]["code"]) == (422, "idempotency_key_reused")
    assert run_id in mismatch.body["error"]["message"]
    assert resumed.status == 200, resumed.body
    assert (resumed.body["billing_run_id"], resumed.body["customers_queued"]) == (run_id, CUSTOMERS)
    assert resumed.body["status"] == "running"  # the workers bill them
    assert shards == 3  # one per page of 3 (25 a shard): nothing sent twice by the failed attempts
    assert (other_period.status, other_period.body["error"]["code"]) == (422, "idempotency_key_reused")
    # without a key a retry is another run (billing it again changes no invoice: one per customer and period)
    assert unkeyed.status == 200 and unkeyed.body["billing_run_id"] != run_id
    assert services.storage.billing_runs.unfinished(limit=10).items == []
