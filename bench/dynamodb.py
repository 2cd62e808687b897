"""DynamoDB: what the adapter asks of DynamoDB per ingested event, per usage read and per billed customer,
and what that costs at on-demand list prices; plus timings under moto, an emulator.

The request and unit counts are the adapter's own (its CapacityCounter counts every call and sizes every item
by DynamoDB's documented rules), so they hold on AWS. The timings are moto's in-process emulator: they say
how much Python work the adapter and boto3 do, not DynamoDB's latency. moto also copies a whole table on
every transaction, so the dataset is kept small.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import REPO, sizes

# On-demand list prices, US East (N. Virginia), in effect since 2024-11-01 (the 50% cut announced
# 2024-11-14): https://aws.amazon.com/dynamodb/pricing/on-demand/ (checked 2026-11-29).
PRICE_PER_MILLION_WRU = Decimal("0.625")
PRICE_PER_MILLION_RRU = Decimal("0.125")
PRICE_SOURCE = "https://aws.amazon.com/dynamodb/pricing/on-demand/ (US East, N. Virginia; list price since 2024-11-01)"
BATCH = 100  # events per ingest call (one customer's batch)
RUN_CUSTOMERS = 10_000  # the billing run the cost is quoted for

# (customers, events per customer). moto copies tables inside transactions and scans them on queries, so its
# time grows faster than the data: the full suite keeps the quick size (units per event do not depend on it).
_SIZES = {"tiny": (2, 100), "quick": (8, 200), "full": (8, 200)}


@dataclass(frozen=True)
class Units:
    """Requests and units per one thing (an event, a read, a customer)."""

    requests: dict[str, float]
    read_units: float
    write_units: float

    @property
    def request_count(self) -> float:
        return sum(self.requests.values())

    def cost(self, things: int) -> Decimal:
        """US dollars for `things` of these at on-demand list prices."""
        writes = Decimal(str(self.write_units)) * things * PRICE_PER_MILLION_WRU / 1_000_000
        reads = Decimal(str(self.read_units)) * things * PRICE_PER_MILLION_RRU / 1_000_000
        return writes + reads


@dataclass(frozen=True)
class DynamoFigures:
    measured: bool
    note: str
    customers: int = 0
    events: int = 0
    ingest_events_per_s: float = 0.0  # moto
    usage_read_ms: float = 0.0  # moto, median of a month's totals
    billing_ms_per_customer: float = 0.0  # moto
    per_event: Units | None = None  # batches of BATCH events
    per_single_event: Units | None = None  # a batch of one event
    per_usage_read: Units | None = None  # GET usage: a month's totals
    per_billed_customer: Units | None = None
    # a run re-billing them on a plan pricing a unique_count of their events' property, sent before the plan:
    per_uncovered_customer: Units | None = None  # first: counted from raw events and covered (once)
    per_covered_customer: Units | None = None  # the next one: read from storage
    moto_reported_per_event: float = 0.0  # moto's own ConsumedCapacity, for comparison
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cost_per_million_events(self) -> Decimal:
        assert self.per_event is not None
        return self.per_event.cost(1_000_000)

    @property
    def cost_per_billing_run(self) -> Decimal:
        assert self.per_billed_customer is not None
        return self.per_billed_customer.cost(RUN_CUSTOMERS)


def _per(snapshot: dict[str, Any], count: int) -> Units:
    return Units(
        {name: value / count for name, value in snapshot["requests"].items()},
        snapshot["read_units"] / count,
        snapshot["write_units"] / count,
    )


def measure(preset: sizes.Sizes | None = None) -> DynamoFigures:
    """Ingest, usage reads and a billing run through the services, over the DynamoDB adapter under moto
    (the table created from template.yaml, as the contract suite does)."""
    try:
        from moto import mock_aws  # noqa: F401
    except ImportError:
        return DynamoFigures(False, "not measured: moto is not installed")
    customers, per_customer = _SIZES.get(preset.name if preset else "quick", _SIZES["quick"])
    from billing.adapters.dynamodb import DynamoStorage
    from billing.bootstrap import build_services
    from billing.domain.time import BillingPeriod
    from billing.services.ingest import NewEvent

    from tests.integration.dynamo import REGION, create_table, create_table_arguments, moto_dynamodb

    now = datetime(2025, 10, 2, 9, 0, tzinfo=UTC)
    start = datetime(2025, 9, 1, tzinfo=UTC)
    with moto_dynamodb() as client:
        storage = DynamoStorage(
            create_table(client, create_table_arguments(REPO / "template.yaml")), region=REGION, client=client
        )
        services = build_services(storage, clock=lambda: now)
        ids = [services.customers.create(name=f"Customer {n}", email=f"c{n}@example.com").id for n in range(customers)]

        storage.capacity.reset()
        began = time.perf_counter()
        for number, customer_id in enumerate(ids):
            for first in range(0, per_customer, BATCH):
                batch = [
                    NewEvent(
                        "api_calls" if i % 3 else "storage_gb",
                        Decimal(i % 17 + 1),
                        start + timedelta(minutes=7 * i + number),
                        id=f"evt-{number}-{i}",
                        properties={"region": f"r{i % 4}"},
                    )
                    for i in range(first, min(first + BATCH, per_customer))
                ]
                services.ingest.ingest(customer_id, batch)
        ingest_s = time.perf_counter() - began
        events = customers * per_customer
        ingested = storage.capacity.snapshot()
        per_event = _per(ingested, events)
        moto_reported = ingested["reported"] / events

        storage.capacity.reset()
        services.ingest.ingest(ids[0], [NewEvent("api_calls", Decimal(1), start + timedelta(days=3), id="single")])
        per_single = _per(storage.capacity.snapshot(), 1)

        storage.capacity.reset()
        timings = []
        for customer_id in ids:
            began = time.perf_counter()
            services.usage.totals(customer_id, start, start + timedelta(days=30))
            timings.append((time.perf_counter() - began) * 1000)
        per_read = _per(storage.capacity.snapshot(), len(ids))
        timings.sort()

        storage.capacity.reset()
        began = time.perf_counter()
        run = services.runs.start(BillingPeriod.parse("2025-09"), unit_price=Decimal("0.001"), now=now)
        billing_s = time.perf_counter() - began
        per_customer_units = _per(storage.capacity.snapshot(), customers)
        assert len(run.invoice_ids) == customers, run.failures
        uncovered, covered = _unique_count_runs(services, storage, ids, now)

    return DynamoFigures(
        True,
        f"measured under moto {_moto_version()} (an emulator, in-process): {customers} customers × "
        f"{per_customer} events, batches of {BATCH}",
        customers=customers,
        events=events,
        ingest_events_per_s=events / ingest_s,
        usage_read_ms=timings[len(timings) // 2],
        billing_ms_per_customer=billing_s * 1000 / customers,
        per_event=per_event,
        per_single_event=per_single,
        per_usage_read=per_read,
        per_billed_customer=per_customer_units,
        per_uncovered_customer=uncovered,
        per_covered_customer=covered,
        moto_reported_per_event=moto_reported,
    )


def _unique_count_runs(services: Any, storage: Any, ids: list[str], now: datetime) -> tuple[Units, Units]:
    """Two more runs of September with the customers on a plan counting the distinct regions of api_calls,
    a property no plan tracked when their events were stored: the first counts them from the raw events and
    stores them (UsageRepository.cover_distinct), the second reads the stored count."""
    from billing.domain.time import BillingPeriod

    price = {"feature": "api_calls", "model": "per_unit", "unit_amount": "1", "aggregation": "unique_count"}
    plan = services.plans.create(name="Regions", currency="USD", prices=[{**price, "property": "region"}])
    for customer_id in ids:
        services.customers.assign_plan(customer_id, plan.id)
    figures = []
    for _ in range(2):
        storage.capacity.reset()
        run = services.runs.start(BillingPeriod.parse("2025-09"), unit_price=Decimal("0.001"), now=now)
        assert not run.failures, run.failures
        figures.append(_per(storage.capacity.snapshot(), len(ids)))
    return figures[0], figures[1]


def _moto_version() -> str:
    from importlib.metadata import version

    return version("moto")
