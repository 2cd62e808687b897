"""Usage ingestion: validated batches in, idempotent on the client's event id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from billing.domain.errors import InvalidInput
from billing.domain.models import UsageEvent
from billing.domain.paging import all_items
from billing.domain.time import local_day_of, period_key_of, to_micros
from billing.ports import Storage
from billing.pricing.aggregation import Aggregation
from billing.services.clock import Clock, system_clock
from billing.services.listing import PAGE


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as the client sent it, already schema-checked (quantity ≥ 0, aware ts)."""

    feature: str
    quantity: Decimal
    ts: datetime
    id: str | None = None
    properties: Mapping[str, str] | None = None


@dataclass(frozen=True)
class EventOutcome:
    index: int
    id: str
    duplicate: bool


@dataclass(frozen=True)
class IngestResult:
    outcomes: tuple[EventOutcome, ...]

    @property
    def accepted(self) -> int:
        return sum(not outcome.duplicate for outcome in self.outcomes)

    @property
    def duplicates(self) -> int:
        return len(self.outcomes) - self.accepted


class TrackedProperties:
    """The event properties whose distinct values storage counts at ingest: those a unique_count price of
    some plan names, per feature. Read from the plans and kept for a minute, so a plan created just now
    counts events ingested from (at most) a minute later; events stored before are not counted for it."""

    TTL = timedelta(seconds=60)

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock
        self._by_feature: dict[str, tuple[str, ...]] = {}
        self._read_at: datetime | None = None

    def of(self, feature: str) -> tuple[str, ...]:
        now = self._clock()
        if self._read_at is None or now - self._read_at >= self.TTL:
            self._by_feature = self._read()
            self._read_at = now
        return self._by_feature.get(feature, ())

    def _read(self) -> dict[str, tuple[str, ...]]:
        tracked: dict[str, set[str]] = {}
        plans = all_items(lambda cursor: self._storage.plans.list(limit=PAGE, cursor=cursor))
        for plan in plans:
            for price in plan.prices:
                if price.aggregation == Aggregation.UNIQUE_COUNT and price.property:
                    tracked.setdefault(price.feature, set()).add(price.property)
        return {feature: tuple(sorted(names)) for feature, names in tracked.items()}


class IngestService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._tracked = TrackedProperties(storage, clock)

    def ingest(self, customer_id: str, events: Sequence[NewEvent]) -> IngestResult:
        """Store a validated batch for one customer (validation refuses a bad batch before anything is
        written). Each event is stored atomically with its rollups; if storage fails part-way, a retry
        of the batch reports the events stored by the first attempt as duplicates.

        An event whose id was stored before (or repeats an earlier id in this batch) is a duplicate
        and is never counted again. Events without an id get a random one: they cannot be deduplicated.
        """
        customer = self._storage.customers.get(customer_id)
        if customer is None:
            raise InvalidInput(f"customer {customer_id!r} does not exist", field="customer_id")
        ids = [event.id or f"evt_{uuid.uuid4().hex}" for event in events]
        first_index: dict[str, int] = {}
        for index, event_id in enumerate(ids):
            first_index.setdefault(event_id, index)
        unique = [
            self._usage_event(customer_id, customer.timezone, event_id, events[index])
            for event_id, index in first_index.items()
        ]
        stored = dict(zip(first_index, self._storage.usage.record(unique).stored, strict=True))
        return IngestResult(
            tuple(
                EventOutcome(index, event_id, duplicate=first_index[event_id] != index or not stored[event_id])
                for index, event_id in enumerate(ids)
            )
        )

    def _usage_event(self, customer_id: str, zone_name: str, event_id: str, event: NewEvent) -> UsageEvent:
        ts = to_micros(event.ts)
        return UsageEvent(
            customer_id=customer_id,
            id=event_id,
            feature=event.feature,
            quantity=event.quantity,
            ts=ts,
            period=period_key_of(ts, zone_name),
            properties=event.properties or None,
            day=local_day_of(ts, zone_name),
            distinct=self._tracked.of(event.feature) if event.properties else (),
        )
