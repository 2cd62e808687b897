"""Usage totals on every storage adapter: whole local months come from the period rollup, whole days from the
day rollup, the rest from buckets and raw events, and every range sums what a scan of the events sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing.bootstrap import build_services
from billing.services import NewEvent, Window

from tests.conftest import FrozenClock


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_totals_over_whole_local_months_read_the_period_rollup_and_match_a_raw_scan(store):
    services = build_services(store, clock=FrozenClock(utc(2026, 1, 15)))
    # A New York customer: its months begin at local midnight, 04:00 or 05:00 UTC (DST ends on 2025-11-02).
    customer = services.customers.create(name="Acme", email="ops@acme.example", timezone_name="America/New_York")
    base = utc(2025, 8, 20)
    events = [
        NewEvent("f" + str(i % 2), Decimal(i % 7), base + timedelta(minutes=422 * i), f"e{i}", None) for i in range(400)
    ]
    services.ingest.ingest(customer.id, events)
    read_periods = []
    periods = store.usage.periods
    store.usage.periods = lambda *args: read_periods.append(args[1:]) or periods(*args)
    windows = [
        (utc(2025, 9, 1, 4), utc(2025, 10, 1, 4)),  # exactly September in New York
        (utc(2025, 9, 1), utc(2025, 10, 1)),  # September in UTC: no whole local month
        (utc(2025, 8, 25, 13, 7), utc(2025, 12, 1, 5, 1)),  # days, September to November, days, a bucket's edge
        (utc(2025, 9, 1, 4), utc(2025, 11, 1, 4)),  # two whole months, nothing else
        (utc(2025, 10, 2, 4), utc(2025, 10, 30)),  # days and buckets only
    ]
    for start, end in windows:
        expected: dict[str, Decimal] = {}
        for e in events:
            if start <= e.ts < end:
                expected[e.feature] = expected.get(e.feature, Decimal(0)) + e.quantity
        got = {usage.feature: usage.quantity for usage in services.usage.totals(customer.id, start, end)}
        assert got == expected, (start, end)
    assert read_periods == [("2025-09", "2025-10"), ("2025-09", "2025-12"), ("2025-09", "2025-11")]


def _as_billed(aggregation: str, events: list[NewEvent]) -> Decimal:
    """The reference: one window's events of one feature aggregated from scratch (every ts distinct here)."""
    if aggregation == "max":
        return max(e.quantity for e in events)
    if aggregation == "latest":
        return max(events, key=lambda e: e.ts).quantity
    if aggregation == "count":
        return Decimal(len(events))
    if aggregation == "unique_count":
        return Decimal(len({e.properties["user"] for e in events if e.properties and "user" in e.properties}))
    return sum((e.quantity for e in events), Decimal(0))


def test_usage_as_billed_over_any_range_and_window_matches_the_events_aggregated_from_scratch(store):
    services = build_services(store, clock=FrozenClock(utc(2026, 1, 15)))
    aggregations = {"f_max": "max", "f_latest": "latest", "f_count": "count", "f_users": "unique_count"}
    prices = [
        {"feature": feature, "model": "per_unit", "unit_amount": "1", "aggregation": aggregation}
        | ({"property": "user"} if aggregation == "unique_count" else {})
        for feature, aggregation in aggregations.items()
    ]
    plan = services.plans.create(name="Every aggregation", currency="USD", prices=prices)
    customer = services.customers.create(name="Acme", email="ops@acme.example", timezone_name="America/New_York")
    services.customers.assign_plan(customer.id, plan.id)
    features = [*aggregations, "f_sum"]
    base = utc(2025, 8, 20)
    events = [
        NewEvent(
            features[i % 5],
            Decimal(i * 7919 % 23) / 4,
            base + timedelta(minutes=367 * i, seconds=i % 60),
            f"e{i}",
            {"user": f"u{i * 31 % 17}"} if i % 4 else None,
        )
        for i in range(400)
    ]
    services.ingest.ingest(customer.id, events)
    aggregations["f_sum"] = "sum"
    ranges = [
        (utc(2025, 9, 1, 4), utc(2025, 10, 1, 4)),  # exactly September in New York
        (utc(2025, 8, 25, 13, 7), utc(2025, 12, 1, 5, 1)),  # days, September to November, days, a bucket's edge
        (utc(2025, 10, 2, 4, 10, 30), utc(2025, 10, 30)),  # days and buckets only, a raw edge
    ]
    for start, end in ranges:
        inside = [e for e in events if start <= e.ts < end]
        expected = {
            f: (_as_billed(aggregations[f], of), aggregations[f])
            for f in features
            if (of := [e for e in inside if e.feature == f])
        }
        got = {
            b.feature: (b.quantity, b.aggregation.value) for b in services.usage.billed_totals(customer.id, start, end)
        }
        assert got == expected, (start, end)
    start, end = ranges[1]
    inside = [e for e in events if start <= e.ts < end]
    for window, zone in ((Window.DAY, None), (Window.DAY, "Asia/Kolkata"), (Window.HOUR, "Australia/Lord_Howe")):
        points = services.usage.billed_series(customer.id, start, end, window, zone)
        # Windows without usage are left out, so a window's events are those up to the next listed window.
        starts = sorted({p.window_start for p in points})
        ends = dict(zip(starts, [*starts[1:], end], strict=True))
        for point in points:
            window_end = ends[point.window_start]
            of = [e for e in inside if e.feature == point.feature and point.window_start <= e.ts < window_end]
            assert point.quantity == _as_billed(aggregations[point.feature], of), (window, zone, point)
        assert sum(p.quantity for p in points if p.feature == "f_count") == sum(
            1 for e in inside if e.feature == "f_count"
        )
