"""What rollups an event changes, computed once in the core so that every adapter aggregates alike.

An event counts in four rollups of its customer: its 15-minute UTC bucket, its local day and its billing
period (each per feature: sum, count, max, latest), and for each property whose distinct values are
tracked, the set of values seen in the period (a unique_count is the size of that set).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from billing.domain.models import UsageAggregate, UsageEvent
from billing.domain.time import bucket_start

BucketKey = tuple[int, str]  # (bucket start µs, feature)
PeriodKey = tuple[str, str]  # (period YYYY-MM, feature)
DayKey = tuple[str, str]  # (local day YYYY-MM-DD, feature)
DistinctKey = tuple[str, str, str]  # (period, feature, property)


@dataclass
class RollupDeltas:
    """The aggregates a set of events adds, one per rollup row they touch."""

    buckets: dict[BucketKey, UsageAggregate] = field(default_factory=dict)
    periods: dict[PeriodKey, UsageAggregate] = field(default_factory=dict)
    days: dict[DayKey, UsageAggregate] = field(default_factory=dict)
    distinct: dict[DistinctKey, set[str]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """How many rollup rows (not counting distinct values) these deltas touch."""
        return len(self.buckets) + len(self.periods) + len(self.days)


def rollup_deltas(events: Iterable[UsageEvent]) -> RollupDeltas:
    """One pass over the events: aggregates per (bucket, period, day, feature) first, then merged into
    the three rollups, so that each rollup row is written once per call."""
    fine: dict[tuple[int, str, str, str], UsageAggregate] = {}
    deltas = RollupDeltas()
    for event in events:
        if event.day is None:
            raise ValueError(f"event {event.id!r} has no local day: the ingest service sets it")
        key = (bucket_start(event.ts), event.period, event.day, event.feature)
        aggregate = fine.get(key)
        if aggregate is None:
            fine[key] = UsageAggregate.of(event.quantity, event.ts)
        else:
            aggregate.add(event.quantity, event.ts)
        for name, value in distinct_values(event):
            deltas.distinct.setdefault((event.period, event.feature, name), set()).add(value)
    for (bucket, period, day, feature), aggregate in fine.items():
        _merge_into(deltas.buckets, (bucket, feature), aggregate)
        _merge_into(deltas.periods, (period, feature), aggregate)
        _merge_into(deltas.days, (day, feature), aggregate)
    return deltas


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
