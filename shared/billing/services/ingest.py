"""Usage ingestion: validated batches in, idempotent on the client's event id."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Generic, Protocol, TypeVar

from billing.domain.customers import Customer
from billing.domain.errors import InvalidEvent, InvalidInput
from billing.domain.exact import event_time_refusal
from billing.domain.meters import Meter, MeterValueError, derived_event_id
from billing.domain.paging import MAX_PAGE, all_items
from billing.domain.time import BUCKET_MICROS, local_day_of, to_micros
from billing.domain.usage import UsageEvent
from billing.ports import Storage
from billing.pricing.aggregation import Aggregation
from billing.services.clock import Clock, system_clock

K = TypeVar("K")
V = TypeVar("V")
CustomerKey = tuple[str | None, str | None]  # (customer id, external id): one of them


class EventData(Protocol):
    """What `IngestService.ingest` reads of an event: a NewEvent of a feature, or the HTTP layer's validated
    event model as it is (no copy per event)."""

    @property
    def feature(self) -> str: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def ts(self) -> datetime: ...
    @property
    def id(self) -> str | None: ...
    @property
    def properties(self) -> Mapping[str, str] | None: ...


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event as a client sent it, schema-checked (quantity ≥ 0, aware ts), not stored yet.

    `ingest` takes one customer's batch of them, each a `quantity` of a `feature` at `ts`. `ingest_events`
    takes events that name their own customer (our `customer_id` or the client's `external_customer_id`)
    and are either a quantity of a feature or an event `type` that the meters of that type turn into
    quantities of their features; there `ts` None is now (drop-in clients may leave the time out).
    Properties are flat (billing.domain.properties)."""

    feature: str | None = None
    quantity: Decimal | None = None
    ts: datetime | None = None
    id: str | None = None
    properties: Mapping[str, str] | None = None
    customer_id: str | None = None
    external_customer_id: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class EventOutcome:
    index: int
    id: str
    duplicate: bool
    customer_id: str | None = None


@dataclass(frozen=True)
class IngestResult:
    """Per event of the batch, in order: its id and whether it was a duplicate (and its customer, for a batch
    whose events name their own customers). `outcomes` pairs them up, made on first use: the batch route
    reads the two tuples as they are."""

    ids: tuple[str, ...]
    duplicate: tuple[bool, ...]
    customer_ids: tuple[str, ...] | None = None

    @cached_property
    def outcomes(self) -> tuple[EventOutcome, ...]:
        customers = self.customer_ids or (None,) * len(self.ids)
        return tuple(
            EventOutcome(index, event_id, duplicate, customer_id)
            for index, (event_id, duplicate, customer_id) in enumerate(
                zip(self.ids, self.duplicate, customers, strict=True)
            )
        )

    @cached_property
    def accepted(self) -> int:
        return self.duplicate.count(False)

    @property
    def duplicates(self) -> int:
        return len(self.duplicate) - self.accepted


class TrackedProperties:
    """The event properties whose distinct values storage counts at ingest: those a unique_count price of
    some plan names, per feature. Read from the plans and kept for a minute, so events stored before a plan
    (or within the minute after it) are not counted for it at ingest: storage's coverage says so, and rating
    counts such a period's values from its raw events (billing.services.drafting)."""

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
        plans = all_items(lambda cursor: self._storage.plans.list(limit=MAX_PAGE, cursor=cursor))
        for plan in plans:
            for price in plan.prices:
                if price.aggregation == Aggregation.UNIQUE_COUNT and price.property:
                    tracked.setdefault(price.feature, set()).add(price.property)
        return {feature: tuple(sorted(names)) for feature, names in tracked.items()}


class IngestService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock
        self._tracked = TrackedProperties(storage, clock)

    def now(self) -> datetime:
        """The ingest clock: the time of events sent without one (drop-in replies echo it)."""
        return self._clock()

    def ingest(self, customer_id: str, events: Sequence[EventData]) -> IngestResult:
        """Store a validated batch for one customer (validation refuses a bad batch before anything is
        written). Each event is stored atomically with its rollups; if storage fails part-way, a retry
        of the batch reports the events stored by the first attempt as duplicates.

        An event whose time is outside the one event window (billing.domain.exact) refuses the batch.
        An event whose id was stored before (or repeats an earlier id in this batch) is a duplicate
        and is never counted again. Events without an id get a random one: they cannot be deduplicated.
        """
        customer = self._storage.customers.get(customer_id)
        if customer is None:
            raise InvalidInput(f"customer {customer_id!r} does not exist", field="customer_id")
        for index, event in enumerate(events):
            _check_time(index, event.ts)
        ids = [event.id or f"evt_{uuid.uuid4().hex}" for event in events]
        first_index: dict[str, int] = {}
        for index, event_id in enumerate(ids):
            first_index.setdefault(event_id, index)
        unique = self._usage_events(
            customer_id, customer.timezone, [(event_id, events[index]) for event_id, index in first_index.items()]
        )
        flags = self._storage.usage.record(unique).stored
        if len(first_index) == len(ids) and all(flags):  # the usual batch: every event new
            return IngestResult(tuple(ids), (False,) * len(ids))
        stored = dict(zip(first_index, flags, strict=True))
        return IngestResult(
            tuple(ids),
            tuple(first_index[event_id] != index or not stored[event_id] for index, event_id in enumerate(ids)),
        )

    def ingest_events(self, events: Sequence[NewEvent]) -> IngestResult:
        """Store a batch whose events name their own customers, all or nothing as to validation: an
        unknown customer, a time outside the one event window, an event type no meter counts, or a meter
        value that is missing or not a quantity refuses the whole batch (InvalidEvent naming the event's
        index and field) before anything is written.

        De-duplication is per event and per customer, before meters apply: an event of a type is
        stored as one derived record per meter it feeds, with id `<id>#<feature>`, so a retried event
        is a duplicate for each of them. Meters apply at ingest: a meter created later does not count
        events stored before it. An event whose properties match no meter's filters is accepted and
        adds nothing.
        """
        customers: _Lookup[CustomerKey, Customer | None] = _Lookup(lambda key: self._customer(*key))
        meters: _Lookup[str, list[Meter]] = _Lookup(self._storage.meters.for_event_type)
        now = self.now()
        planned: list[tuple[Customer, str, list[UsageEvent]]] = []
        for index, event in enumerate(events):
            customer = self._resolve_customer(index, event, customers)
            event_id = event.id or f"evt_{uuid.uuid4().hex}"
            ts = event.ts or now
            _check_time(index, ts)
            quantities = self._quantities(index, event, event_id, ts, meters)
            # each of a feature, with a quantity and a time: the EventData that NewEvent's optional fields hide
            records = self._usage_events(customer.id, customer.timezone, quantities)  # type: ignore[arg-type]
            planned.append((customer, event_id, records))

        first_index: dict[tuple[str, str], int] = {}
        for index, (customer, event_id, _) in enumerate(planned):
            first_index.setdefault((customer.id, event_id), index)
        by_customer: dict[str, dict[str, UsageEvent]] = {}
        owned: dict[int, list[str]] = {}  # the stored ids each first occurrence brings
        for index in first_index.values():
            unique = by_customer.setdefault(planned[index][0].id, {})
            # `a#b` sent as an id and derived from event `a` for meter `b`: stored once, by the first
            owned[index] = [record.id for record in planned[index][2] if unique.setdefault(record.id, record) is record]
        stored: set[tuple[str, str]] = set()
        for customer_id, unique in by_customer.items():
            usage_events = list(unique.values())
            flags = self._storage.usage.record(usage_events).stored
            stored.update((customer_id, e.id) for e, new in zip(usage_events, flags, strict=True) if new)

        duplicate = []
        for index, (customer, _, usage_events) in enumerate(planned):
            ids = owned.get(index)
            counted = ids is not None and (any((customer.id, i) in stored for i in ids) or not usage_events)
            duplicate.append(not counted)
        return IngestResult(
            tuple(event_id for _, event_id, _ in planned),
            tuple(duplicate),
            tuple(customer.id for customer, _, _ in planned),
        )

    def _customer(self, customer_id: str | None, external_id: str | None) -> Customer | None:
        if customer_id is not None:
            return self._storage.customers.get(customer_id)
        assert external_id is not None
        return self._storage.customers.get_by_external_id(external_id)

    @staticmethod
    def _resolve_customer(index: int, event: NewEvent, customers: _Lookup[CustomerKey, Customer | None]) -> Customer:
        if event.customer_id is not None:
            found = customers.get((event.customer_id, None))
            if found is None:
                raise InvalidEvent(index, "customer_id", f"customer {event.customer_id!r} does not exist")
            return found
        if event.external_customer_id is not None:
            found = customers.get((None, event.external_customer_id))
            if found is None:
                message = f"no customer has external_id {event.external_customer_id!r}"
                raise InvalidEvent(index, "external_customer_id", message)
            return found
        raise InvalidEvent(index, "customer_id", "name the customer with customer_id or external_customer_id")

    @staticmethod
    def _quantities(
        index: int, event: NewEvent, event_id: str, ts: datetime, meters: _Lookup[str, list[Meter]]
    ) -> list[tuple[str, NewEvent]]:
        """(stored id, event of a feature) of what one event adds: itself for a feature event, one derived
        record per matching meter for a typed event. Each has a feature, a quantity and a time: what
        `_usage_events` reads."""
        properties = event.properties or None
        if event.type is None:
            if event.feature is None or event.quantity is None:
                raise InvalidEvent(index, "type", "give either a type or a feature and a quantity")
            return [(event_id, NewEvent(event.feature, event.quantity, ts, None, properties))]
        of_type = meters.get(event.type)
        if not of_type:
            raise InvalidEvent(index, "type", f"no meter counts events of type {event.type!r}")
        quantities = []
        for meter in of_type:
            if not meter.matches(properties or {}):
                continue
            try:
                quantity = meter.quantity_of(properties or {})
            except MeterValueError as error:
                raise InvalidEvent(index, f"properties.{error.path}", str(error)) from None
            stored_id = derived_event_id(event_id, meter.feature)
            quantities.append((stored_id, NewEvent(meter.feature, quantity, ts, None, properties)))
        return quantities

    def _usage_events(
        self, customer_id: str, zone_name: str, events: Iterable[tuple[str, EventData]]
    ) -> list[UsageEvent]:
        """The events to store, each with its id: ts in µs, local day and billing period (read once per
        15-minute bucket: a bucket never straddles a local midnight), tracked properties."""
        days: dict[int, tuple[str, str]] = {}  # bucket start → (local day, period)
        tracked = self._tracked.of
        usage_events = []
        for event_id, event in events:
            ts = to_micros(event.ts)
            bucket = ts - ts % BUCKET_MICROS
            day_period = days.get(bucket)
            if day_period is None:
                day = local_day_of(ts, zone_name)
                day_period = days[bucket] = (day, day[:7])
            properties = event.properties or None
            usage_events.append(
                UsageEvent(
                    customer_id,
                    event_id,
                    event.feature,
                    event.quantity,
                    ts,
                    day_period[1],
                    properties,
                    day_period[0],
                    tracked(event.feature),  # an event without the property is checked for it too
                )
            )
        return usage_events


def _check_time(index: int, ts: datetime) -> None:
    """Every route's schema keeps event times in the one window; the core holds it too, so that no path can
    store usage in a period no billing run accepts."""
    refusal = event_time_refusal(ts)
    if refusal is not None:
        raise InvalidEvent(index, "ts", refusal)


class _Lookup(Generic[K, V]):
    """Reads each key once per batch."""

    def __init__(self, read: Callable[[K], V]) -> None:
        self._read = read
        self._seen: dict[K, V] = {}

    def get(self, key: K) -> V:
        if key not in self._seen:
            self._seen[key] = self._read(key)
        return self._seen[key]
