"""Usage reads: totals and time series over any window, served from rollups.

A range is cut into the customer's whole local months for totals (one period-rollup row per feature and
month), its whole local days (one day-rollup row per feature and day), the partial days at its edges
(15-minute buckets), and edges inside a bucket (raw events, at most two partial buckets), so the cost does
not grow with the events stored, and a month's totals read one row per feature.
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
from billing.domain.exact import exact
from billing.domain.models import Customer, FeatureUsage, UsagePoint
from billing.domain.time import (
    BUCKET_MICROS,
    BillingPeriod,
    ceil_to_bucket,
    from_micros,
    local_day_of,
    local_midnight,
    next_local_midnight,
    timezone,
    to_micros,
)
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

    @exact
    def totals(self, customer_id: str, start: datetime, end: datetime) -> list[FeatureUsage]:
        """Summed quantity per feature for events with start <= ts < end, ordered by feature."""
        customer = self._customers.get(customer_id)
        start_us, end_us = _range(start, end)
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for feature, _, quantity in self._quantities(customer, start_us, end_us, whole_days=True, whole_months=True):
            sums[feature] += quantity
        return [FeatureUsage(feature, sums[feature]) for feature in sorted(sums)]

    @exact
    def series(
        self, customer_id: str, start: datetime, end: datetime, window: Window, zone_name: str | None = None
    ) -> list[UsagePoint]:
        """Summed quantity per feature and window (local hours or days of the customer's timezone,
        or of `zone_name`); windows without usage are left out."""
        customer = self._customers.get(customer_id)
        zone = timezone(zone_name or customer.timezone, field="tz")
        start_us, end_us = _range(start, end)
        boundaries = _window_starts(start_us, end_us, window, zone)
        # Day rollups are cut at the customer's midnights: they fit daily windows in its own timezone only.
        whole_days = window == Window.DAY and zone.key == customer.timezone
        sums: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for feature, at, quantity in self._quantities(customer, start_us, end_us, whole_days=whole_days):
            window_start = boundaries[bisect.bisect_right(boundaries, at) - 1]
            sums[(feature, window_start)] += quantity
        return [
            UsagePoint(feature, from_micros(window_start).astimezone(zone), sums[(feature, window_start)])
            for feature, window_start in sorted(sums)
        ]

    def _quantities(
        self, customer: Customer, start: int, end: int, *, whole_days: bool, whole_months: bool = False
    ) -> Iterator[tuple[str, int, Decimal]]:
        """(feature, instant, quantity) covering [start, end): the customer's whole local months from the
        period rollup (when `whole_months`; the instant is then the month's first midnight), its whole local
        days from the day rollup (when `whole_days`), the partial days at the edges from 15-minute buckets
        and raw events."""
        zone_name = customer.timezone
        first_midnight = next_local_midnight(start, zone_name)
        last_midnight = local_midnight(local_day_of(end, zone_name), zone_name)
        if not whole_days or first_midnight >= last_midnight:
            yield from self._within_days(customer.id, start, end)
            return
        yield from self._within_days(customer.id, start, first_midnight)
        first_day, end_day = local_day_of(first_midnight, zone_name), local_day_of(last_midnight, zone_name)
        months = _whole_months(first_day, end_day) if whole_months else None
        if months is None:
            yield from self._days(customer, first_day, end_day)
        else:
            first_month, end_month = months
            yield from self._days(customer, first_day, f"{first_month}-01")
            for feature, period, quantity in self._storage.usage.periods(customer.id, first_month, end_month):
                yield feature, local_midnight(f"{period}-01", zone_name), quantity
            yield from self._days(customer, f"{end_month}-01", end_day)
        yield from self._within_days(customer.id, last_midnight, end)

    def _days(self, customer: Customer, first_day: str, end_day: str) -> list[tuple[str, int, Decimal]]:
        if first_day >= end_day:
            return []
        zone_name = customer.timezone
        days = self._storage.usage.days(customer.id, first_day, end_day)
        return [(feature, local_midnight(day, zone_name), quantity) for feature, day, quantity in days]

    def _within_days(self, customer_id: str, start: int, end: int) -> Iterator[tuple[str, int, Decimal]]:
        """(feature, instant, quantity) covering [start, end): whole buckets plus raw edge events."""
        first_whole, last_whole = ceil_to_bucket(start), end - end % BUCKET_MICROS
        if first_whole >= last_whole:
            yield from self._raw(customer_id, start, end)
            return
        yield from self._raw(customer_id, start, first_whole)
        yield from self._storage.usage.buckets(customer_id, first_whole, last_whole)
        yield from self._raw(customer_id, last_whole, end)

    def _raw(self, customer_id: str, start: int, end: int) -> Iterator[tuple[str, int, Decimal]]:
        if start < end:
            for event in self._storage.usage.events(customer_id, start, end):
                yield event.feature, event.ts, event.quantity


def _range(start: datetime, end: datetime) -> tuple[int, int]:
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    return to_micros(start), to_micros(end)


def _whole_months(first_day: str, end_day: str) -> tuple[str, str] | None:
    """The months (YYYY-MM) lying wholly in the local days [first_day, end_day), as [first, end), or None
    when there is none. Text compares as dates do: billing periods have four-digit years."""
    month = first_day[:7]
    first = month if first_day.endswith("-01") else BillingPeriod.parse(month).next().key
    end = end_day[:7]
    return (first, end) if first < end else None


def _window_starts(start: int, end: int, window: Window, zone: ZoneInfo) -> list[int]:
    """UTC instants (µs) where each local window touching [start, end) begins, ascending."""
    if window == Window.DAY:
        starts = [local_midnight(local_day_of(start, zone.key), zone.key)]
    else:
        hour = from_micros(start).astimezone(zone).replace(minute=0, second=0, microsecond=0)
        starts = [to_micros(hour.astimezone(UTC))]
    while starts[-1] < end:
        if len(starts) > MAX_WINDOWS:
            raise InvalidInput(f"at most {MAX_WINDOWS} windows per request; narrow the range", field="window")
        starts.append(_next_window_start(starts[-1], window, zone))
    return starts


def _next_window_start(window_start: int, window: Window, zone: ZoneInfo) -> int:
    if window == Window.DAY:
        return next_local_midnight(window_start + 1, zone.key)
    return to_micros(_next_local_hour(from_micros(window_start), zone))


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
