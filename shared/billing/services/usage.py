"""Usage reads: totals and time series over any window, served from rollups.

A range is cut into the customer's whole local months for totals (one period-rollup row per feature and
month), its whole local days (one day-rollup row per feature and day), the partial days at its edges
(15-minute buckets), and edges inside a bucket (raw events, at most two partial buckets), so the cost does
not grow with the events stored, and a month's totals read one row per feature.

Read as billed, each feature's quantity is aggregated as the customer's plan prices it (sum, count, max,
latest, unique_count; sum for features the plan does not price): the same cut of the range, reading each
rollup row's whole aggregate instead of its sum. Distinct values cannot be combined from rollups, so a
unique_count feature is counted from the range's raw events, at most MAX_DISTINCT_EVENTS of them.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from billing.domain.customers import Customer
from billing.domain.errors import InvalidInput
from billing.domain.exact import exact
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
from billing.domain.usage import FeatureUsage, UsageAggregate, UsageEvent, UsagePoint
from billing.ports import Storage, UsageRepository
from billing.pricing import Aggregation, Price
from billing.services.customers import CustomerService

MAX_WINDOWS = 10_000
# Raw events a usage read as billed may read to count distinct values (all features' events of the range:
# the port reads a range, not a feature). About a month of a customer sending one event every 30 s; beyond,
# the read is refused rather than left to run into the function's time and memory (README "Bounds",
# docs/architecture.md "Rollups").
MAX_DISTINCT_EVENTS = 100_000

V = TypeVar("V")


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"


class UsageAggregation(StrEnum):
    """How a usage read aggregates each feature: summed (the default), or as the customer's plan bills it."""

    SUM = "sum"
    BILLED = "billed"


@dataclass(frozen=True)
class BilledUsage:
    """A feature's quantity over a range, aggregated as the customer's plan bills it."""

    feature: str
    quantity: Decimal
    aggregation: Aggregation
    property: str | None = None  # the property whose distinct values a unique_count counts


@dataclass(frozen=True)
class BilledUsagePoint:
    """A feature's quantity in one window, aggregated as the customer's plan bills it."""

    feature: str
    window_start: datetime  # aware, in the zone the series was asked for
    quantity: Decimal
    aggregation: Aggregation
    property: str | None = None


@dataclass(frozen=True)
class _RollupReads(Generic[V]):
    """The port's reads of each rollup tier, as sums (Decimal) or as whole aggregates (UsageAggregate), and
    what one raw event gives in the same terms."""

    buckets: Callable[[str, int, int], Iterable[tuple[str, int, V]]]
    days: Callable[[str, str, str], Iterable[tuple[str, str, V]]]
    periods: Callable[[str, str, str], Iterable[tuple[str, str, V]]]
    event: Callable[[UsageEvent], V]


def _sum_reads(usage: UsageRepository) -> _RollupReads[Decimal]:
    return _RollupReads(usage.buckets, usage.days, usage.periods, attrgetter("quantity"))


def _aggregate_reads(usage: UsageRepository) -> _RollupReads[UsageAggregate]:
    return _RollupReads(usage.bucket_aggregates, usage.day_aggregates, usage.period_aggregates, _event_aggregate)


def _event_aggregate(event: UsageEvent) -> UsageAggregate:
    return UsageAggregate.of(event.quantity, event.ts_us)


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
        reads = _sum_reads(self._storage.usage)
        for feature, _, quantity in self._covering(
            customer, start_us, end_us, reads, whole_days=True, whole_months=True
        ):
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
        window_of = _windows(start_us, end_us, window, zone)
        sums: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        reads = _sum_reads(self._storage.usage)
        for feature, at, quantity in self._covering(
            customer, start_us, end_us, reads, whole_days=_whole_days_fit(window, zone, customer)
        ):
            sums[(feature, window_of(at))] += quantity
        return [
            UsagePoint(feature, from_micros(window_start).astimezone(zone), sums[(feature, window_start)])
            for feature, window_start in sorted(sums)
        ]

    @exact
    def billed_totals(self, customer_id: str, start: datetime, end: datetime) -> list[BilledUsage]:
        """Each feature's quantity for events with start <= ts < end, aggregated as the customer's current plan
        prices it (sum for a feature it does not price, and for a customer without a plan), ordered by feature.
        For one whole billing period, these are the quantities of the period's invoice lines."""
        customer = self._customers.get(customer_id)
        start_us, end_us = _range(start, end)
        aggregates: dict[tuple[str, int], UsageAggregate] = {}
        reads = _aggregate_reads(self._storage.usage)
        for feature, _, aggregate in self._covering(
            customer, start_us, end_us, reads, whole_days=True, whole_months=True
        ):
            _merge_into(aggregates, (feature, start_us), aggregate)
        # When [start, end) is exactly one billing period, its distinct-value markers answer a unique_count
        # without raw events if they cover all its events (as the period's invoice counts it).
        period = _whole_period(start_us, end_us, customer.timezone)
        prices = self._prices(customer)
        distinct = self._stored_distinct_counts(customer, period, start_us, prices) if period is not None else None
        if distinct is None:
            distinct = self._distinct_counts(
                customer.id, start_us, end_us, prices, aggregates, window_of=lambda _: start_us
            )
        return [
            BilledUsage(feature, *_billed(prices.get(feature), aggregate, distinct.get((feature, at), 0)))
            for (feature, at), aggregate in sorted(aggregates.items())
        ]

    @exact
    def billed_series(
        self, customer_id: str, start: datetime, end: datetime, window: Window, zone_name: str | None = None
    ) -> list[BilledUsagePoint]:
        """`billed_totals` per window (local hours or days of the customer's timezone, or of `zone_name`): each
        window's events aggregated on their own (the max of the window, its latest, its distinct values);
        windows without usage are left out."""
        customer = self._customers.get(customer_id)
        zone = timezone(zone_name or customer.timezone, field="tz")
        start_us, end_us = _range(start, end)
        window_of = _windows(start_us, end_us, window, zone)
        aggregates: dict[tuple[str, int], UsageAggregate] = {}
        reads = _aggregate_reads(self._storage.usage)
        for feature, at, aggregate in self._covering(
            customer, start_us, end_us, reads, whole_days=_whole_days_fit(window, zone, customer)
        ):
            _merge_into(aggregates, (feature, window_of(at)), aggregate)
        prices = self._prices(customer)
        distinct = self._distinct_counts(customer.id, start_us, end_us, prices, aggregates, window_of=window_of)
        return [
            BilledUsagePoint(
                feature,
                from_micros(window_start).astimezone(zone),
                *_billed(prices.get(feature), aggregate, distinct.get((feature, window_start), 0)),
            )
            for (feature, window_start), aggregate in sorted(aggregates.items())
        ]

    def _prices(self, customer: Customer) -> Mapping[str, Price]:
        """The customer's current plan's prices by feature (none without a plan)."""
        plan = None if customer.plan_id is None else self._storage.plans.get(customer.plan_id)
        return {} if plan is None else plan.prices_by_feature

    def _stored_distinct_counts(
        self, customer: Customer, period: str, start: int, prices: Mapping[str, Price]
    ) -> dict[tuple[str, int], int] | None:
        """The distinct counts of `period`'s unique_count features as storage keeps them, keyed like
        `_distinct_counts` (the window being the period's start `start`), when its distinct-value markers
        cover every event of each such feature (CustomerPeriodUsage.exact_distinct_count); None sends the
        caller to the raw events. One read of the period rollup, whatever the number of events."""
        counted = [price for price in prices.values() if price.aggregation is Aggregation.UNIQUE_COUNT]
        if not counted:
            return {}
        usage = self._storage.usage.period_usage(customer.id, period)
        distinct = {}
        for price in counted:
            exact = usage.exact_distinct_count(price.feature, price.property or "")
            if exact is None:
                return None
            distinct[(price.feature, start)] = exact
        return distinct

    def _distinct_counts(
        self,
        customer_id: str,
        start: int,
        end: int,
        prices: Mapping[str, Price],
        aggregates: Mapping[tuple[str, int], UsageAggregate],
        *,
        window_of: Callable[[int], int],
    ) -> dict[tuple[str, int], int]:
        """(feature, window start) → how many distinct values of its price's property the window's events of
        the feature carry (events without the property do not count), for each unique_count feature with usage
        in [start, end). Read from the range's raw events; `aggregates` (every feature's, per window) say how
        many there are before they are read."""
        counted = {
            feature: price.property
            for feature, price in prices.items()
            if price.aggregation is Aggregation.UNIQUE_COUNT and price.property is not None
        }
        if not counted.keys() & {feature for feature, _ in aggregates}:
            return {}
        stored = sum(aggregate.count for aggregate in aggregates.values())
        if stored > MAX_DISTINCT_EVENTS:
            raise InvalidInput(
                f"counting distinct values reads the range's raw events: {stored:,} here, at most "
                f"{MAX_DISTINCT_EVENTS:,} per request; narrow the range",
                field="aggregation",
            )
        values: dict[tuple[str, int], set[str]] = defaultdict(set)
        for event in self._storage.usage.events(customer_id, start, end):
            name = counted.get(event.feature)
            if name is not None and event.properties and name in event.properties:
                values[(event.feature, window_of(event.ts_us))].add(event.properties[name])
        return {key: len(found) for key, found in values.items()}

    def _covering(
        self,
        customer: Customer,
        start: int,
        end: int,
        reads: _RollupReads[V],
        *,
        whole_days: bool,
        whole_months: bool = False,
    ) -> Iterator[tuple[str, int, V]]:
        """(feature, instant, value) covering [start, end): the customer's whole local months from the
        period rollup (when `whole_months`; the instant is then the month's first midnight), its whole local
        days from the day rollup (when `whole_days`), the partial days at the edges from 15-minute buckets
        and raw events."""
        zone_name = customer.timezone
        first_midnight = next_local_midnight(start, zone_name)
        last_midnight = local_midnight(local_day_of(end, zone_name), zone_name)
        if not whole_days or first_midnight >= last_midnight:
            yield from self._within_days(customer.id, start, end, reads)
            return
        yield from self._within_days(customer.id, start, first_midnight, reads)
        first_day, end_day = local_day_of(first_midnight, zone_name), local_day_of(last_midnight, zone_name)
        months = _whole_months(first_day, end_day) if whole_months else None
        if months is None:
            yield from self._days(customer, first_day, end_day, reads)
        else:
            first_month, end_month = months
            yield from self._days(customer, first_day, f"{first_month}-01", reads)
            for feature, period, value in reads.periods(customer.id, first_month, end_month):
                yield feature, local_midnight(f"{period}-01", zone_name), value
            yield from self._days(customer, f"{end_month}-01", end_day, reads)
        yield from self._within_days(customer.id, last_midnight, end, reads)

    def _days(
        self, customer: Customer, first_day: str, end_day: str, reads: _RollupReads[V]
    ) -> list[tuple[str, int, V]]:
        if first_day >= end_day:
            return []
        zone_name = customer.timezone
        days = reads.days(customer.id, first_day, end_day)
        return [(feature, local_midnight(day, zone_name), value) for feature, day, value in days]

    def _within_days(
        self, customer_id: str, start: int, end: int, reads: _RollupReads[V]
    ) -> Iterator[tuple[str, int, V]]:
        """(feature, instant, value) covering [start, end): whole buckets plus raw edge events."""
        first_whole, last_whole = ceil_to_bucket(start), end - end % BUCKET_MICROS
        if first_whole >= last_whole:
            yield from self._raw(customer_id, start, end, reads)
            return
        yield from self._raw(customer_id, start, first_whole, reads)
        yield from reads.buckets(customer_id, first_whole, last_whole)
        yield from self._raw(customer_id, last_whole, end, reads)

    def _raw(self, customer_id: str, start: int, end: int, reads: _RollupReads[V]) -> Iterator[tuple[str, int, V]]:
        if start < end:
            # Storage keeps no order between events of one ts: (ts, id) makes `latest` the same on every backend.
            for event in sorted(self._storage.usage.events(customer_id, start, end), key=_ts_and_id):
                yield event.feature, event.ts_us, reads.event(event)


def _ts_and_id(event: UsageEvent) -> tuple[int, str]:
    return event.ts_us, event.id


def _billed(price: Price | None, aggregate: UsageAggregate, distinct: int) -> tuple[Decimal, Aggregation, str | None]:
    """(quantity, aggregation, property) of a feature's aggregate under its price (summed when unpriced), with
    the number of distinct values its events carry (used by a unique_count price only)."""
    if price is None:
        return aggregate.sum, Aggregation.SUM, None
    return price.quantity_of(aggregate, lambda _: Decimal(distinct)), price.aggregation, price.property


def _merge_into(aggregates: dict[tuple[str, int], UsageAggregate], key: tuple[str, int], row: UsageAggregate) -> None:
    """Rows of one key never share a ts (disjoint buckets, days, months; raw events come in (ts, id) order),
    so `latest` is the rollups' own: the greatest ts, and between raw events of one ts, the greatest id. The
    first row of a key is kept and merged into: each read builds its rows afresh, so no one else holds them."""
    found = aggregates.get(key)
    if found is None:
        aggregates[key] = row
    else:
        found.merge(row)


def _whole_days_fit(window: Window, zone: ZoneInfo, customer: Customer) -> bool:
    # Day rollups are cut at the customer's midnights: they fit daily windows in its own timezone only.
    return window == Window.DAY and zone.key == customer.timezone


def _windows(start: int, end: int, window: Window, zone: ZoneInfo) -> Callable[[int], int]:
    """The start of the window (local hour or day in `zone`) holding an instant of [start, end)."""
    boundaries = _window_starts(start, end, window, zone)
    return lambda at: boundaries[bisect.bisect_right(boundaries, at) - 1]


def _whole_period(start: int, end: int, zone_name: str) -> str | None:
    """The billing period (YYYY-MM in the zone) that [start, end) is exactly, if it is one."""
    zone = timezone(zone_name)
    period = BillingPeriod.containing(from_micros(start), zone)
    period_start, period_end = period.bounds(zone)
    return period.key if (to_micros(period_start), to_micros(period_end)) == (start, end) else None


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
