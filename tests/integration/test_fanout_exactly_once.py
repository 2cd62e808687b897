"""Fan-out billing under moto (SQS + DynamoDB, the table and queues made from template.yaml's own resources):
1,000 customers billed through the queue by the real worker and dead-letter functions, with faults injected -
customers whose data raises, storage that fails once, a customer whose storage never answers (its shard ends in
the dead-letter queue), workers killed half-way through a shard, duplicated messages and two workers racing.
Every customer must end billed exactly once with the right total, or reported failed with its reason."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from billing import bootstrap
from billing.adapters.dynamodb import DynamoStorage
from billing.bootstrap import build_services
from billing.domain.billing_runs import BillingShard, OutcomeStatus, shards_of
from billing.domain.customers import Customer
from billing.domain.errors import StorageUnavailable
from billing.domain.invoices import invoice_id_for
from billing.domain.paging import all_items
from billing.domain.time import BillingPeriod, local_day_of
from billing.domain.usage import UsageEvent
from billing.queues.sqs import SqsBillingQueue

from local_gateway import moto_speedups
from local_gateway.aws_resources import aws_resources, create_resources
from local_gateway.runtime import load_handler
from local_gateway.sqs import SqsPoller
from local_gateway.template import _TemplateReader, load_yaml
from tests.conftest import FrozenClock, LambdaContext
from tests.integration.dynamo import REGION

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 1_000
PERIOD = "2025-09"
UNIT_PRICE = Decimal("0.01")
NOW = datetime(2025, 10, 1, 14, tzinfo=UTC)
SEPTEMBER_US = 1_756_684_800_000_000 + 3_600_000_000  # 2025-09-01T01:00Z in µs


class WorkerKilled(BaseException):
    """The Lambda runtime ending an invocation half-way (timeout, out of memory): not an error Python code sees."""


def seed(storage: DynamoStorage) -> list[str]:
    ids = [f"cus_{index:04d}" for index in range(CUSTOMERS)]
    for index, customer_id in enumerate(ids):
        storage.customers.add(
            Customer(id=customer_id, name=f"C{index}", email=f"{customer_id}@x.example", timezone="UTC", created_at=NOW)
        )
        quantity = Decimal(index + 1)
        event = UsageEvent(
            customer_id, "e1", "api_calls", quantity, SEPTEMBER_US, PERIOD, None, day=local_day_of(SEPTEMBER_US, "UTC")
        )
        storage.usage.record([event])
    return ids


class Faults:
    """Failures the storage raises for chosen customers, and the kills of workers."""

    def __init__(self, storage: DynamoStorage, ids: list[str]) -> None:
        self.poisoned = set(ids[7::100])  # 10 customers whose usage cannot be rated
        self.flaky = set(ids[3::200])  # 5 customers whose first read fails: their message comes back
        self.dead = ids[505]  # never readable by the worker: its shard ends in the dead-letter queue
        self.kill_at = {3, 13, 29}  # the n-th outcome write (one a shard) is where a worker dies
        self.kills = 0
        self._lock = threading.Lock()
        self._reads: Counter[str] = Counter()
        self._writes = itertools.count(1)
        self.settling = False
        real_get, real_usage, real_usage_many, real_record = (
            storage.customers.get,
            storage.usage.period_usage,
            storage.usage.period_usage_many,
            storage.billing_runs.record_outcomes,
        )

        def get(customer_id: str) -> Any:
            with self._lock:
                self._reads[customer_id] += 1
                first_read = self._reads[customer_id] == 1
            if customer_id in self.flaky and first_read:
                raise StorageUnavailable("throttled")
            if customer_id == self.dead:
                raise StorageUnavailable("partition unavailable")
            return real_get(customer_id)

        def period_usage(customer_id: str, period: str) -> Any:
            if customer_id in self.poisoned:
                raise ArithmeticError("quantity 1E+29 out of range")
            return real_usage(customer_id, period)

        def period_usage_many(customer_ids: Any, period: str) -> Any:  # as an adapter meeting an unreadable row
            if self.poisoned & set(customer_ids):
                raise ArithmeticError("quantity 1E+29 out of range")
            return real_usage_many(customer_ids, period)

        def record_outcomes(run_id: str, outcomes: Any) -> None:
            if next(self._writes) in self.kill_at:
                self.kills += 1
                raise WorkerKilled  # after the shard's invoices were saved, before their outcomes were recorded
            real_record(run_id, outcomes)

        storage.customers.get = get  # type: ignore[method-assign]
        storage.usage.period_usage = period_usage  # type: ignore[method-assign]
        storage.usage.period_usage_many = period_usage_many  # type: ignore[method-assign]
        storage.billing_runs.record_outcomes = record_outcomes  # type: ignore[method-assign]


def container(function_id: str, number: int):
    """The function's handler in a module of its own: one Lambda container (Powertools' batch processor
    keeps per-invocation state at module level, so two concurrent invocations need two containers)."""
    function = _TemplateReader(ROOT / "template.yaml", load_yaml(ROOT / "template.yaml")).function(function_id)
    return load_handler(replace(function, logical_id=f"{function_id}-{number}"))


def invoker(function_id: str, number: int = 1):
    lambda_handler = container(function_id, number)

    def invoke(_function_id: str, event: dict[str, Any]) -> Any:
        try:
            return lambda_handler(event, LambdaContext())
        except WorkerKilled as killed:  # the invocation failed: SQS delivers the whole batch again
            raise RuntimeError("worker killed") from killed

    return invoke


@pytest.fixture
def aws(dynamodb_client):
    """The session's moto mock (tests/integration/conftest.py), with this test's own table and queues."""
    import boto3

    moto_speedups.install()  # moto's transactions and queries otherwise cost the whole table's size
    sqs = boto3.session.Session(region_name=REGION).client("sqs")
    resources = aws_resources(ROOT / "template.yaml")
    yield resources, create_resources(resources, dynamodb_client, sqs, prefix=f"fanout-{uuid.uuid4().hex[:8]}"), sqs


def test_a_thousand_customers_are_billed_exactly_once_through_the_queue_whatever_fails(aws, monkeypatch):
    resources, created, sqs = aws
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    storage = DynamoStorage(created.table_names["BillingTable"], region=REGION)
    ids = seed(storage)
    queue = SqsBillingQueue(created.queue_urls["BillingQueue"], region=REGION)
    services = build_services(storage, FrozenClock(NOW), queue=queue)
    faults = Faults(storage, ids)
    bootstrap.use(services)
    try:
        # When the run is started: every customer is queued, none billed yet
        run = services.runs.start(BillingPeriod.parse(PERIOD), unit_price=UNIT_PRICE, now=NOW)
        assert (run.done, run.customers_queued, run.invoice_ids) == (False, CUSTOMERS, ())
        record = storage.billing_runs.get(run.run_id)
        duplicates = shards_of(record, ids[::4][:100], size=25)  # 100 customers (4 shards) sent twice
        queue.send(duplicates)

        # And two workers drain the queue concurrently, failed messages coming back at once
        sources = {source.function_id: source for source in resources.event_sources}
        workers, settler = [], None
        for function_id, number in (
            ("BillCustomersFunction", 1),
            ("BillCustomersFunction", 2),
            ("SettleDeadShardsFunction", 1),
        ):
            source = sources[function_id]
            poller = SqsPoller(
                sqs,
                source,
                created.queue_urls[source.queue_id],
                created.queue_arns[source.queue_id],
                invoker(function_id, number),
                retry_after_seconds=0,
            )
            if function_id == "BillCustomersFunction":
                workers.append(poller)
            else:
                settler = poller
        assert settler is not None
        for _ in range(20):
            threads = [threading.Thread(target=worker.drain) for worker in workers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if not settler.drain() and storage.billing_runs.get(run.run_id).is_done:
                break
    finally:
        bootstrap.use(None)

    # Then every customer that can be billed has one invoice, with its exact total
    assert faults.kills == len(faults.kill_at)
    failed = faults.poisoned | {faults.dead}
    invoices = list(all_items(lambda cursor: storage.invoices.list(limit=500, cursor=cursor, period=PERIOD)))
    assert Counter(invoice.customer_id for invoice in invoices) == Counter(set(ids) - failed)
    for invoice in invoices:
        index = int(invoice.customer_id.removeprefix("cus_"))
        assert invoice.id == invoice_id_for(invoice.customer_id, PERIOD)
        assert invoice.total == Decimal(index + 1) * UNIT_PRICE, invoice.customer_id

    # And the run resource counts each customer once, failures with their reasons
    final = storage.billing_runs.get(run.run_id)
    assert (final.customers_queued, final.customers_billed, final.customers_failed) == (
        CUSTOMERS,
        CUSTOMERS - len(failed),
        len(failed),
    )
    assert final.is_done
    report = services.runs.status(run.run_id, limit=500)
    reasons = {failure.customer_id: failure.reason for failure in report.failures}
    assert set(reasons) == failed
    assert all(reasons[c].endswith("ArithmeticError: quantity 1E+29 out of range") for c in faults.poisoned)
    assert reasons[faults.dead].startswith("dead-lettered after ") and "partition unavailable" in reasons[faults.dead]
    outcomes = list(all_items(lambda cursor: storage.billing_runs.outcomes(run.run_id, limit=500, cursor=cursor)))
    assert Counter(outcome.customer_id for outcome in outcomes) == Counter(ids)
    assert {o.customer_id for o in outcomes if o.status == OutcomeStatus.BILLED} == set(ids) - failed


def test_a_shard_is_a_message_of_its_own_on_the_queue(aws):
    _, created, sqs = aws
    queue = SqsBillingQueue(created.queue_urls["BillingQueue"], region=REGION)
    shards = [BillingShard("run_1", PERIOD, UNIT_PRICE, (f"cus_{i}",)) for i in range(23)]
    assert queue.send(shards) == []
    attributes = sqs.get_queue_attributes(
        QueueUrl=created.queue_urls["BillingQueue"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "23"
