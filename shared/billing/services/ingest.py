"""Usage ingestion: validated batches in, idempotent on the client's event id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from billing.domain.errors import InvalidInput
from billing.domain.models import UsageEvent
from billing.domain.time import local_day_of, period_key_of, to_micros
from billing.ports import Storage


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


class IngestService:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def ingest(self, customer_id: str, events: Sequence[NewEvent]) -> IngestResult:
        """Store a batch for one customer, all or nothing.

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

    @staticmethod
    def _usage_event(customer_id: str, zone_name: str, event_id: str, event: NewEvent) -> UsageEvent:
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
        )
