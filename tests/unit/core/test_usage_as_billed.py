"""Usage read as billed: each feature aggregated as the customer's current plan prices it, over a range and
per window, from the rollups' aggregates, with distinct values counted from the range's raw events."""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from billing.domain.errors import InvalidInput
from billing.http.schemas import AggregationName, BilledUsageOut, BilledUsagePointOut
from billing.pricing import Aggregation
from billing.services import NewEvent, Window
from billing.services import usage as usage_module

D = Decimal


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def event(feature: str, quantity: str, ts: datetime, event_id: str, **properties: str) -> NewEvent:
    return NewEvent(feature, Decimal(quantity), ts, event_id, properties or None)


PRICES = [
    {"feature": "seats", "model": "per_unit", "unit_amount": "8", "aggregation": "max"},
    {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.25", "aggregation": "latest"},
    {"feature": "requests", "model": "per_unit", "unit_amount": "0.01", "aggregation": "count"},
    {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.002"},
    {
        "feature": "active_users",
        "model": "per_unit",
        "unit_amount": "3",
        "aggregation": "unique_count",
        "property": "user_id",
    },
]
SEPTEMBER_NY = (utc(2025, 9, 1, 4), utc(2025, 10, 1, 4))  # September in New York


@pytest.fixture
def customer(services):
    plan = services.plans.create(name="Every aggregation", currency="USD", prices=PRICES)
    customer = services.customers.create(name="Acme", email="ops@acme.example", timezone_name="America/New_York")
    return services.customers.assign_plan(customer.id, plan.id)


@pytest.fixture
def september(services, customer):
    """Two New York days of usage in September, sent out of order and in two batches."""
    day1, day2 = utc(2025, 9, 3, 14), utc(2025, 9, 4, 14)  # 10:00 in New York
    services.ingest.ingest(
        customer.id,
        [
            event("seats", "3", day1, "s1"),
            event("seats", "7", day1 + timedelta(hours=2), "s2"),
            event("seats", "5", day2, "s3"),
            event("storage_gb", "1.5", day1, "g1"),
            event("storage_gb", "4", day2 + timedelta(hours=1), "g2"),
            event("requests", "100", day1, "r1"),
            event("requests", "250", day2, "r2"),
            event("api_calls", "10", day1, "a1"),
            event("active_users", "1", day1, "u1", user_id="ada"),
            event("active_users", "1", day1 + timedelta(minutes=1), "u2", user_id="bob"),
            event("active_users", "1", day2, "u3", user_id="ada"),
            event("active_users", "1", day2, "u4"),  # no user_id: not counted, but usage all the same
            event("unpriced", "2.5", day2, "x1"),
        ],
    )
    # sent last, earlier than g2: the latest stays g2's
    services.ingest.ingest(customer.id, [event("storage_gb", "9", day2, "g0"), event("api_calls", "5", day2, "a2")])
    return day1, day2


def by_feature(items):
    return {item.feature: (item.quantity, item.aggregation.value, item.property) for item in items}


def test_totals_aggregate_each_feature_as_its_price_says_and_say_how(services, customer, september):
    billed = services.usage.billed_totals(customer.id, *SEPTEMBER_NY)

    assert [item.feature for item in billed] == sorted(item.feature for item in billed)
    assert by_feature(billed) == {
        "active_users": (D(2), "unique_count", "user_id"),
        "api_calls": (D(15), "sum", None),
        "requests": (D(2), "count", None),
        "seats": (D(7), "max", None),
        "storage_gb": (D(4), "latest", None),
        "unpriced": (D("2.5"), "sum", None),
    }


def test_each_window_aggregates_its_own_events(services, customer, september):
    day1, _ = september
    points = services.usage.billed_series(customer.id, *SEPTEMBER_NY, Window.DAY)

    per_day = {(p.feature, p.window_start.isoformat()[:10]): (p.quantity, p.aggregation.value) for p in points}
    assert per_day == {
        ("active_users", "2025-09-03"): (D(2), "unique_count"),
        ("active_users", "2025-09-04"): (D(1), "unique_count"),  # ada again, and an event without user_id
        ("api_calls", "2025-09-03"): (D(10), "sum"),
        ("api_calls", "2025-09-04"): (D(5), "sum"),
        ("requests", "2025-09-03"): (D(1), "count"),
        ("requests", "2025-09-04"): (D(1), "count"),
        ("seats", "2025-09-03"): (D(7), "max"),
        ("seats", "2025-09-04"): (D(5), "max"),
        ("storage_gb", "2025-09-03"): (D("1.5"), "latest"),
        ("storage_gb", "2025-09-04"): (D(4), "latest"),
        ("unpriced", "2025-09-04"): (D("2.5"), "sum"),
    }
    assert {p.window_start.isoformat() for p in points} == {"2025-09-03T00:00:00-04:00", "2025-09-04T00:00:00-04:00"}
    assert {p.property for p in points if p.feature == "active_users"} == {"user_id"}
    hourly = services.usage.billed_series(customer.id, day1, day1 + timedelta(hours=3), Window.HOUR, "Asia/Kolkata")
    assert [(p.feature, p.window_start.isoformat(), p.quantity) for p in hourly if p.feature == "seats"] == [
        ("seats", "2025-09-03T19:00:00+05:30", D(3)),  # Kolkata's hours start at :30 UTC
        ("seats", "2025-09-03T21:00:00+05:30", D(7)),
    ]


def test_without_a_plan_every_feature_is_summed_as_the_plain_read_sums_it(services, september):
    alone = services.customers.create(name="Solo", email="solo@acme.example", timezone_name="Europe/Paris")
    services.ingest.ingest(
        alone.id, [event("seats", "3", utc(2025, 9, 3), "s1"), event("seats", "7", utc(2025, 9, 4), "s2")]
    )
    start, end = utc(2025, 8, 1), utc(2025, 11, 1)

    billed = services.usage.billed_totals(alone.id, start, end)

    assert [(b.feature, b.quantity, b.aggregation, b.property) for b in billed] == [
        ("seats", D(10), Aggregation.SUM, None)
    ]
    assert [(b.feature, b.quantity) for b in billed] == [
        (t.feature, t.quantity) for t in services.usage.totals(alone.id, start, end)
    ]
    daily = services.usage.billed_series(alone.id, start, end, Window.DAY)
    assert [(p.feature, p.window_start, p.quantity) for p in daily] == [
        (p.feature, p.window_start, p.quantity) for p in services.usage.series(alone.id, start, end, Window.DAY)
    ]


def test_the_latest_between_events_of_one_instant_is_the_last_stored_or_at_a_bucket_edge_the_greatest_id(
    services, customer
):
    at = utc(2025, 9, 3, 14, 7)
    services.ingest.ingest(customer.id, [event("storage_gb", "2", at, "b-first")])
    services.ingest.ingest(customer.id, [event("storage_gb", "1", at, "a-second")])  # same instant, stored after

    whole_buckets = services.usage.billed_totals(customer.id, utc(2025, 9, 3), utc(2025, 9, 4))
    edge = services.usage.billed_totals(customer.id, at, at + timedelta(minutes=1))  # inside one bucket: raw events

    assert by_feature(whole_buckets)["storage_gb"] == (D(1), "latest", None)  # the rollups keep the last stored
    assert by_feature(edge)["storage_gb"] == (D(2), "latest", None)  # storage keeps no order: "b-first" > "a-second"


def test_edges_inside_a_bucket_read_raw_events_and_every_cut_agrees_with_the_events(services, customer):
    base = utc(2025, 9, 1, 2)
    events = [
        event("seats", str(1 + (i * 37) % 11), base + timedelta(minutes=53 * i), f"s{i}", user_id=f"u{i % 5}")
        for i in range(300)
    ] + [
        event("active_users", "1", base + timedelta(minutes=41 * i), f"u{i}", user_id=f"u{(i * 7) % 13}")
        for i in range(300)
    ]
    services.ingest.ingest(customer.id, events)
    ranges = [
        (utc(2025, 9, 1, 4), utc(2025, 10, 1, 4)),  # a whole local month
        (utc(2025, 9, 2, 3, 7, 30), utc(2025, 9, 9, 17, 44)),  # days, buckets and raw edges
        (utc(2025, 9, 5, 10, 1), utc(2025, 9, 5, 10, 14)),  # inside one bucket
    ]
    for start, end in ranges:
        inside = [e for e in events if start <= e.ts < end]
        seats = [e.quantity for e in inside if e.feature == "seats"]
        users = {e.properties["user_id"] for e in inside if e.feature == "active_users"}
        got = by_feature(services.usage.billed_totals(customer.id, start, end))
        assert got.get("seats", (None,))[0] == (max(seats) if seats else None), (start, end)
        assert got.get("active_users", (None,))[0] == (len(users) if users else None), (start, end)


def test_unique_count_reads_raw_events_only_when_a_unique_count_feature_has_usage(services, customer, storage):
    services.ingest.ingest(customer.id, [event("seats", "3", utc(2025, 9, 3, 14), "s1")])
    reads = []
    events = storage.usage.events
    storage.usage.events = lambda *args: reads.append(args) or events(*args)

    services.usage.billed_totals(customer.id, *SEPTEMBER_NY)
    assert reads == []  # no active_users in the range: nothing to count

    services.ingest.ingest(customer.id, [event("active_users", "1", utc(2025, 9, 3, 14), "u1", user_id="ada")])
    services.usage.billed_series(customer.id, *SEPTEMBER_NY, Window.DAY)
    assert reads == [(customer.id, *(int(t.timestamp() * 1_000_000) for t in SEPTEMBER_NY))]


def test_counting_distinct_values_over_too_many_events_is_refused_naming_aggregation(services, customer, monkeypatch):
    services.ingest.ingest(
        customer.id,
        [
            event("active_users", "1", utc(2025, 9, 3, 14) + timedelta(seconds=i), f"u{i}", user_id="ada")
            for i in range(3)
        ]
        + [event("seats", "1", utc(2025, 9, 3, 14), "s1")],
    )
    monkeypatch.setattr(usage_module, "MAX_DISTINCT_EVENTS", 3)  # the range holds 4 events, of every feature

    a_day_more = (SEPTEMBER_NY[0] - timedelta(days=1), SEPTEMBER_NY[1])
    with pytest.raises(InvalidInput, match="4 here, at most 3 per request; narrow the range") as refused:
        services.usage.billed_totals(customer.id, *a_day_more)
    assert refused.value.field == "aggregation"
    # the period exactly is answered by its covering distinct-value markers: no raw events, no bound
    assert by_feature(services.usage.billed_totals(customer.id, *SEPTEMBER_NY))["active_users"] == (
        D(1),
        "unique_count",
        "user_id",
    )
    assert by_feature(services.usage.billed_totals(customer.id, utc(2025, 9, 3, 14), utc(2025, 9, 3, 14, 0, 2))) == {
        "active_users": (D(1), "unique_count", "user_id"),
        "seats": (D(1), "max", None),
    }


def test_a_range_that_is_one_whole_billing_period_asks_the_stored_distinct_counts_first(
    services, customer, september, storage, monkeypatch
):
    asked, reads = [], []

    def stored(service, who, period, start, prices):
        asked.append(period)
        return {("active_users", int(SEPTEMBER_NY[0].timestamp() * 1_000_000)): 42}

    monkeypatch.setattr(usage_module.UsageService, "_stored_distinct_counts", stored)
    events = storage.usage.events
    storage.usage.events = lambda *args: reads.append(args) or events(*args)

    assert by_feature(services.usage.billed_totals(customer.id, *SEPTEMBER_NY))["active_users"][0] == D(42)
    assert (asked, reads) == (["2025-09"], [])
    longer = services.usage.billed_totals(customer.id, SEPTEMBER_NY[0], SEPTEMBER_NY[1] + timedelta(hours=1))
    assert by_feature(longer)["active_users"][0] == D(2)
    assert (asked, len(reads)) == (["2025-09"], 1)  # not one whole period: counted from raw events


def test_billed_reply_items_are_what_their_reply_models_dump(services, customer, september):
    totals = services.usage.billed_totals(customer.id, *SEPTEMBER_NY)
    points = services.usage.billed_series(customer.id, *SEPTEMBER_NY, Window.DAY)

    for items, model in ((totals, BilledUsageOut), (points, BilledUsagePointOut)):
        documents = [model.document_of(item) for item in items]  # type: ignore[attr-defined]
        assert documents == [model.model_validate(d).model_dump(mode="json", exclude_none=True) for d in documents]
    assert json.loads(json.dumps([BilledUsageOut.document_of(t) for t in totals]))[:2] == [
        {"feature": "active_users", "quantity": "2", "aggregation": "unique_count", "property": "user_id"},
        {"feature": "api_calls", "quantity": "15", "aggregation": "sum"},
    ]


def test_the_replies_name_exactly_the_aggregations_prices_know():
    assert set(typing.get_args(AggregationName)) == {kind.value for kind in Aggregation}
