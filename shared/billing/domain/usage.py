"""Metered usage: the events as stored, what rollups keep of them, and what reads return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from billing.domain.exact import exact_add


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One metered event. `id` is the client's transaction id: unique per customer, forever."""

    customer_id: str
    id: str
    feature: str
    quantity: Decimal
    ts_us: int  # microseconds since the epoch, UTC
    period: str  # billing period (YYYY-MM) of `ts_us` in the customer's timezone
    properties: Mapping[str, str] | None = None
    # local date (YYYY-MM-DD) of `ts_us` in the customer's timezone; set at ingest, needed to record
    day: str | None = None
    # properties whose distinct values storage counts per period (unique_count prices), set at ingest: the
    # event counts towards each one's coverage, whether it carries the property or not
    distinct: tuple[str, ...] = ()


@dataclass(slots=True)
class UsageAggregate:
    """What rollups keep for a set of events of one feature: enough for sum, count, max and latest.

    Sums are exact (billing.domain.exact): never rounded to the default context's 28 digits."""

    sum: Decimal
    count: int
    max: Decimal
    latest_ts: int  # µs since the epoch, as UsageEvent.ts_us
    latest_quantity: Decimal

    @classmethod
    def of(cls, quantity: Decimal, ts_us: int) -> UsageAggregate:
        return cls(quantity, 1, quantity, ts_us, quantity)

    def add(self, quantity: Decimal, ts_us: int) -> None:
        self.sum = exact_add(self.sum, quantity)
        self.count += 1
        self.max = max(self.max, quantity)
        if ts_us >= self.latest_ts:
            self.latest_ts, self.latest_quantity = ts_us, quantity

    def merge(self, other: UsageAggregate) -> None:
        self.sum = exact_add(self.sum, other.sum)
        self.count += other.count
        self.max = max(self.max, other.max)
        if other.latest_ts >= self.latest_ts:
            self.latest_ts, self.latest_quantity = other.latest_ts, other.latest_quantity


@dataclass(frozen=True)
class RecordResult:
    """Per event of a batch, in order: True when stored now, False when its id was already stored."""

    stored: tuple[bool, ...]

    @property
    def accepted(self) -> int:
        return sum(self.stored)

    @property
    def duplicates(self) -> int:
        return len(self.stored) - self.accepted


@dataclass(frozen=True)
class FeatureUsage:
    feature: str
    quantity: Decimal


@dataclass(frozen=True)
class UsagePoint:
    feature: str
    window_start: datetime  # aware, in the zone the series was asked for
    quantity: Decimal


@dataclass(frozen=True)
class CustomerPeriodUsage:
    """A customer's rolled-up usage for one billing period, per feature.

    Distinct values are counted only for the events checked for the property when they were stored (its
    coverage): a distinct count is the period's exact number of distinct values when its coverage equals the
    feature's event count (`exact_distinct_count`), and at most that number otherwise."""

    customer_id: str
    period: str
    features: Mapping[str, UsageAggregate] = field(default_factory=dict)
    # (feature, property) → how many distinct values of the property storage has counted
    distinct_counts: Mapping[tuple[str, str], int] = field(default_factory=dict)
    # (feature, property) → how many of the period's events of the feature were checked for the property
    coverage: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def exact_distinct_count(self, feature: str, prop: str) -> int | None:
        """The stored distinct count of the property when every event of the feature was checked for it;
        None when some were not (stored before the property was tracked): count them from the raw events."""
        aggregate = self.features.get(feature)
        events = 0 if aggregate is None else aggregate.count
        if self.coverage.get((feature, prop), 0) != events:
            return None
        return self.distinct_counts.get((feature, prop), 0)
