"""Workload generation: customers on a graduated plan, and time-ordered usage events for September 2025.

Generation is deterministic (seeded) so that a real-path run and its raw baseline see the very same
rows. Bulk data for the read and billing benchmarks goes through the ingest service in chunks of
RECORD_CHUNK (so the adapter maintains every rollup, whatever rollups exist); the ingest benchmark sends
its events through the handler.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from billing.bootstrap import Services
from billing.domain.time import BillingPeriod, from_micros, iso_utc, period_key_of, to_micros
from billing.pricing import Plan
from billing.services import NewEvent
from tqdm import tqdm

PERIOD = BillingPeriod(2025, 9)
TIMEZONE = "UTC"
START = datetime(2025, 9, 1, tzinfo=UTC)
END = datetime(2025, 10, 1, tzinfo=UTC)
START_US, END_US = to_micros(START), to_micros(END)
FEATURES = ("api_calls", "compute_seconds", "storage_gb")
RECORD_CHUNK = 10_000  # events per `usage.record` call when filling a database
# Live ingestion: each customer's events 100 ms apart on average, so a batch of 1,000 spans about 100 s
# and touches one or two 15-minute buckets per feature.
LIVE_STEP_US = 100_000

# Every feature priced by the same graduated ladder: a free allowance, then cheaper units as usage grows.
GRADUATED_TIERS: list[dict[str, str | None]] = [
    {"up_to": "500", "unit_amount": "0"},
    {"up_to": "5000", "unit_amount": "0.002"},
    {"up_to": "50000", "unit_amount": "0.0015"},
    {"up_to": None, "unit_amount": "0.001", "flat_amount": "5"},
]


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    feature: str
    quantity: str
    ts: int  # µs UTC


def events(rng: random.Random, count: int, *, step_us: float, start_us: int = START_US) -> Iterator[Event]:
    """`count` events in time order from `start_us`, on average `step_us` apart (a client sends them so)."""
    for index in range(count):
        feature = FEATURES[rng.randrange(len(FEATURES))]
        if feature == "compute_seconds":
            millis = rng.randrange(1, 60_000)
            quantity = f"{millis // 1000}.{millis % 1000:03d}"
        else:
            quantity = str(rng.randrange(1, 100))
        ts = start_us + int((index + rng.random()) * step_us)
        yield Event(f"{rng.getrandbits(128):032x}", feature, quantity, ts)


def batches(seed: int, customer_ids: Sequence[str], total: int, batch_size: int) -> Iterator[tuple[str, list[Event]]]:
    """`total` events in batches of one customer each, customers taking turns; each customer's events
    are live ones (LIVE_STEP_US apart) in time order."""
    streams = [events(random.Random(f"{seed}:{cid}"), total, step_us=LIVE_STEP_US) for cid in customer_ids]
    sent = 0
    turn = 0
    while sent < total:
        size = min(batch_size, total - sent)
        index = turn % len(customer_ids)
        batch = [next(streams[index]) for _ in range(size)]
        yield customer_ids[index], batch
        sent += size
        turn += 1


def client_event(event: Event) -> dict[str, Any]:
    """The JSON a client posts for one event."""
    return {"id": event.id, "feature": event.feature, "quantity": event.quantity, "ts": iso_utc(from_micros(event.ts))}


def batch_body(customer_id: str, batch: Sequence[Event]) -> dict[str, Any]:
    return {"customer_id": customer_id, "events": [client_event(event) for event in batch]}


def stored_row(customer_id: str, event: Event) -> tuple:
    """The row the SQLite adapter stores for an event (table `events`)."""
    return (customer_id, event.id, event.feature, event.quantity, event.ts, period_key_of(event.ts, TIMEZONE), None)


def new_event(event: Event) -> NewEvent:
    """The event as the ingest service receives it once the HTTP layer has validated it."""
    return NewEvent(event.feature, Decimal(event.quantity), from_micros(event.ts), event.id)


def progress(total: int, description: str, *, enabled: bool, unit: str = "ev") -> tqdm:
    return tqdm(total=total, desc=description, unit=unit, unit_scale=True, disable=not enabled, leave=False)


def graduated_plan(services: Services) -> Plan:
    prices = [{"feature": feature, "model": "graduated", "tiers": GRADUATED_TIERS} for feature in FEATURES]
    return services.plans.create(name="Bench graduated", currency="USD", prices=prices)


def add_customers(services: Services, count: int, *, plan: Plan | None, show_progress: bool) -> list[str]:
    """`count` customers (UTC), on `plan` when given; their ids in id order."""
    ids = []
    with progress(count, "customers", enabled=show_progress, unit="cus") as bar:
        for index in range(count):
            customer = services.customers.create(
                name=f"Bench customer {index}",
                email=f"customer{index}@bench.example",
                plan_id=None if plan is None else plan.id,
            )
            ids.append(customer.id)
            bar.update()
    return sorted(ids)


def record_events(services: Services, customer_id: str, stream: Iterator[Event], bar: tqdm) -> int:
    """Store a customer's events through the ingest service and the adapter (every rollup included),
    RECORD_CHUNK at a time: the HTTP layer's 1,000-event limit does not apply to data generation."""
    stored = 0
    chunk: list[NewEvent] = []
    for event in stream:
        chunk.append(new_event(event))
        if len(chunk) == RECORD_CHUNK:
            stored += services.ingest.ingest(customer_id, chunk).accepted
            bar.update(len(chunk))
            chunk = []
    if chunk:
        stored += services.ingest.ingest(customer_id, chunk).accepted
        bar.update(len(chunk))
    return stored


def fill_customers(
    services: Services, customer_ids: Sequence[str], total_events: int, *, seed: int, show_progress: bool
) -> int:
    """Spread `total_events` evenly over the customers, each customer's spread over September."""
    per_customer, extra = divmod(total_events, len(customer_ids))
    stored = 0
    with progress(total_events, "events", enabled=show_progress) as bar:
        for index, customer_id in enumerate(customer_ids):
            count = per_customer + (index < extra)
            stream = events(random.Random(f"{seed}:{customer_id}"), count, step_us=(END_US - START_US) / count)
            stored += record_events(services, customer_id, stream, bar)
    return stored
