"""What rollups an event changes, computed once in the core so that every adapter aggregates alike.

An event counts in four rollups of its customer: its 15-minute UTC bucket, its local day and its billing
period (each per feature: sum, count, max, latest), and for each property whose distinct values are
tracked, the set of values seen in the period (a unique_count is the size of that set) and the coverage:
how many of the period's events of the feature were checked for the property (those that carry it and
those that do not). The set is the period's whole set when its coverage equals the period's event count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import reduce
from operator import attrgetter

from billing.domain.exact import EXACT
from billing.domain.time import BUCKET_MICROS
from billing.domain.usage import UsageAggregate, UsageEvent

BucketKey = tuple[int, str]  # (bucket start µs, feature)
PeriodKey = tuple[str, str]  # (period YYYY-MM, feature)
DayKey = tuple[str, str]  # (local day YYYY-MM-DD, feature)
DistinctKey = tuple[str, str, str]  # (period, feature, property)
_TS = attrgetter("ts_us")


@dataclass
class RollupDeltas:
    """The aggregates a set of events adds, one per rollup row they touch."""

    buckets: dict[BucketKey, UsageAggregate] = field(default_factory=dict)
    periods: dict[PeriodKey, UsageAggregate] = field(default_factory=dict)
    days: dict[DayKey, UsageAggregate] = field(default_factory=dict)
    distinct: dict[DistinctKey, set[str]] = field(default_factory=dict)
    coverage: dict[DistinctKey, int] = field(default_factory=dict)  # events checked for the property

    @property
    def rows(self) -> int:
        """How many rollup rows (not counting distinct values) these deltas touch."""
        return len(self.buckets) + len(self.periods) + len(self.days)


def rollup_deltas(events: Iterable[UsageEvent]) -> RollupDeltas:
    """One pass over the events: grouped per (bucket, period, day, feature) first, each group aggregated
    once, then merged into the three rollups, so that each rollup row is written once per call."""
    fine: dict[tuple[int, str, str, str], list[UsageEvent]] = {}
    deltas = RollupDeltas()
    for event in events:
        ts_us, day = event.ts_us, event.day
        if day is None:
            raise ValueError(f"event {event.id!r} has no local day: the ingest service sets it")
        key = (ts_us - ts_us % BUCKET_MICROS, event.period, day, event.feature)
        group = fine.get(key)
        if group is None:
            fine[key] = [event]
        else:
            group.append(event)
        if event.distinct:
            coverage = deltas.coverage
            for name in event.distinct:
                checked = (event.period, event.feature, name)
                coverage[checked] = coverage.get(checked, 0) + 1
            for name, value in distinct_values(event):
                deltas.distinct.setdefault((event.period, event.feature, name), set()).add(value)
    for (bucket, period, day, feature), group in fine.items():
        aggregate = _aggregate(group)
        _merge_into(deltas.buckets, (bucket, feature), aggregate)
        _merge_into(deltas.periods, (period, feature), aggregate)
        _merge_into(deltas.days, (day, feature), aggregate)
    return deltas


def _aggregate(events: list[UsageEvent]) -> UsageAggregate:
    """The aggregate of one group of events (sums exact); `latest` is the last event of the greatest ts."""
    quantities = [event.quantity for event in events]
    latest = max(reversed(events), key=_TS)  # max() keeps the first of equals: the last one sent
    return UsageAggregate(
        reduce(EXACT.add, quantities), len(quantities), max(quantities), latest.ts_us, latest.quantity
    )


def distinct_values(event: UsageEvent) -> list[tuple[str, str]]:
    """(property, value) of the event's tracked properties that it carries."""
    properties = event.properties or {}
    return [(name, properties[name]) for name in event.distinct if name in properties]


def _merge_into(rollups: dict, key: tuple, aggregate: UsageAggregate) -> None:
    existing = rollups.get(key)
    if existing is None:
        rollups[key] = replace(aggregate)  # a copy: the same aggregate goes into three rollups
    else:
        existing.merge(aggregate)
