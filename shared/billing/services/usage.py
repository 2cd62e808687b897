"""Usage reads: totals and time series over any window, served from rollups.

The aligned middle of a range is read from 15-minute buckets; only edges that fall inside a bucket
read raw events (at most two partial buckets), so the cost does not grow with the events stored.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from billing.domain.errors import InvalidInput
from billing.domain.models import FeatureUsage, UsagePoint
from billing.domain.time import BUCKET_MICROS, ceil_to_bucket, from_micros, timezone, to_micros
from billing.ports import Storage
from billing.services.customers import CustomerService

MAX_WINDOWS = 10_000


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"


class UsageService:
    def __init__(self, storage: Storage, customers: CustomerService) -> None:
        self._storage = storage
        self._customers = customers

    def totals(self, customer_id: str, start: datetime, end: datetime) -> list[FeatureUsage]:
        """Summed quantity per feature for events with start <= ts < end, ordered by feature."""
        self._customers.get(customer_id)
        start_us, end_us = _range(start, end)
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for feature, _, quantity in self._quantities(customer_id, start_us, end_us):
            sums[feature] += quantity
        return [FeatureUsage(feature, sums[feature]) for feature in sorted(sums)]

    def series(
        self, customer_id: str, start: datetime, end: datetime, window: Window, zone_name: str | None = None
    ) -> list[UsagePoint]:
        """Summed quantity per feature and window (local hours or days of the customer's timezone,
        or of `zone_name`); windows without usage are left out."""
        customer = self._customers.get(customer_id)
        zone = timezone(zone_name or customer.timezone, field="tz")
        start_us, end_us = _range(start, end)
        boundaries = _window_starts(start_us, end_us, window, zone)
        sums: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for feature, at, quantity in self._quantities(customer_id, start_us, end_us):
            window_start = boundaries[bisect.bisect_right(boundaries, at) - 1]
            sums[(feature, window_start)] += quantity
        return [
            UsagePoint(feature, from_micros(window_start).astimezone(zone), sums[(feature, window_start)])
            for feature, window_start in sorted(sums)
        ]

    def _quantities(self, customer_id: str, start: int, end: int) -> Iterator[tuple[str, int, Decimal]]:
        """(feature, instant, quantity) covering [start, end): whole buckets plus raw edge events."""
        first_whole, last_whole = ceil_to_bucket(start), end - end % BUCKET_MICROS
        if first_whole >= last_whole:
            yield from self._raw(customer_id, start, end)
            return
        yield from self._raw(customer_id, start, first_whole)
        for feature, bucket, aggregate in self._storage.usage.buckets(customer_id, first_whole, last_whole):
            yield feature, bucket, aggregate.sum
        yield from self._raw(customer_id, last_whole, end)

    def _raw(self, customer_id: str, start: int, end: int) -> Iterator[tuple[str, int, Decimal]]:
        if start < end:
            for event in self._storage.usage.events(customer_id, start, end):
                yield event.feature, event.ts, event.quantity


def _range(start: datetime, end: datetime) -> tuple[int, int]:
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    return to_micros(start), to_micros(end)


def _window_starts(start: int, end: int, window: Window, zone: ZoneInfo) -> list[int]:
    """UTC instants (µs) where each local window touching [start, end) begins, ascending."""
    local = from_micros(start).astimezone(zone)
    if window == Window.DAY:
        first = local.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
        step = _next_local_day
    else:
        first = local.replace(minute=0, second=0, microsecond=0)
        step = _next_local_hour
    starts = [to_micros(first.astimezone(UTC))]
    while starts[-1] < end:
        if len(starts) > MAX_WINDOWS:
            raise InvalidInput(f"at most {MAX_WINDOWS} windows per request; narrow the range", field="window")
        starts.append(to_micros(step(from_micros(starts[-1]), zone)))
    return starts


def _next_local_day(instant: datetime, zone: ZoneInfo) -> datetime:
    local_date = instant.astimezone(zone).date() + timedelta(days=1)
    return datetime(local_date.year, local_date.month, local_date.day, tzinfo=zone).astimezone(UTC)


def _next_local_hour(instant: datetime, zone: ZoneInfo) -> datetime:
    """The next instant whose local minute is 0. One hour later, except across the rare
    half-hour DST shifts (Australia/Lord_Howe), where we walk 15-minute steps."""
    candidate = instant + timedelta(hours=1)
    if candidate.astimezone(zone).minute == 0:
        return candidate
    candidate = instant + timedelta(minutes=15)
    while candidate.astimezone(zone).minute != 0:
        candidate += timedelta(minutes=15)
    return candidate
