"""Usage totals on every storage adapter: whole local months come from the period rollup, whole days from the
day rollup, the rest from buckets and raw events, and every range sums what a scan of the events sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from billing.bootstrap import build_services
from billing.services import NewEvent

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
