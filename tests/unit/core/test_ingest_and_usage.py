"""Ingestion is idempotent per event id; usage reads are exact for any window, from rollups."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from billing.domain.errors import CustomerNotFound, InvalidInput
from billing.http.routes import json_reply
from billing.http.schemas.events import IngestOut
from billing.http.schemas.usage import UsageOut, UsagePointOut
from billing.services import NewEvent, Window


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def event(feature: str, quantity: str, ts: datetime, event_id: str | None = None, **properties: str) -> NewEvent:
    return NewEvent(feature, Decimal(quantity), ts, event_id, properties or None)


@pytest.fixture
def customer(services):
    return services.customers.create(name="Acme", email="ops@acme.example", timezone_name="America/New_York")


def totals(services, customer_id, start, end):
    return {usage.feature: usage.quantity for usage in services.usage.totals(customer_id, start, end)}


def test_given_a_stored_event_when_its_id_comes_again_then_it_is_a_duplicate_and_not_counted(services, customer):
    first = services.ingest.ingest(customer.id, [event("api_calls", "10", utc(2025, 9, 3, 10), "e1")])
    again = services.ingest.ingest(
        customer.id,
        [event("api_calls", "99", utc(2025, 9, 3, 10), "e1"), event("api_calls", "5", utc(2025, 9, 3, 11), "e2")],
    )
    assert (first.accepted, first.duplicates) == (1, 0)
    assert (again.accepted, again.duplicates) == (1, 1)
    assert [o.duplicate for o in again.outcomes] == [True, False]
    assert totals(services, customer.id, utc(2025, 9, 1), utc(2025, 10, 1)) == {"api_calls": Decimal(15)}


def test_a_repeated_id_inside_one_batch_counts_once(services, customer):
    result = services.ingest.ingest(
        customer.id,
        [event("api_calls", "1", utc(2025, 9, 3), "same"), event("api_calls", "1", utc(2025, 9, 3), "same")],
    )
    assert [(o.index, o.id, o.duplicate) for o in result.outcomes] == [(0, "same", False), (1, "same", True)]
    assert totals(services, customer.id, utc(2025, 9, 1), utc(2025, 10, 1)) == {"api_calls": Decimal(1)}


def test_events_without_an_id_get_distinct_generated_ids(services, customer):
    result = services.ingest.ingest(customer.id, [event("a", "1", utc(2025, 9, 3)), event("a", "1", utc(2025, 9, 3))])
    assert result.accepted == 2
    assert len({o.id for o in result.outcomes}) == 2


def test_an_unknown_customer_is_refused_naming_customer_id(services):
    with pytest.raises(InvalidInput) as error:
        services.ingest.ingest("cus_nope", [event("a", "1", utc(2025, 9, 3))])
    assert error.value.field == "customer_id"


@pytest.mark.parametrize("ts", [utc(1999, 12, 31, 23, 59), utc(2100, 1, 1)], ids=["before 2000", "2100"])
def test_an_event_outside_the_one_window_refuses_the_batch_and_nothing_is_stored(services, customer, ts):
    good = event("a", "1", utc(2025, 9, 3), "good")
    with pytest.raises(InvalidInput) as error:
        services.ingest.ingest(customer.id, [good, event("a", "1", ts, "bad")])
    assert error.value.field == "events[1].ts"
    assert totals(services, customer.id, utc(2000, 1, 1), utc(2100, 1, 1)) == {}


def test_quantities_stay_exact_decimals(services, customer):
    services.ingest.ingest(customer.id, [event("gb", "0.1", utc(2025, 9, 3, 1), f"e{i}") for i in range(3)])
    assert totals(services, customer.id, utc(2025, 9, 1), utc(2025, 10, 1)) == {"gb": Decimal("0.3")}


def test_totals_respect_start_inclusive_end_exclusive_inside_a_bucket(services, customer):
    # 10:07 and 10:14 share the 10:00 bucket; a range starting at 10:07 must include both, one starting
    # at 10:08 only the second: edges inside a bucket are read from raw events, not from the rollup.
    services.ingest.ingest(
        customer.id,
        [
            event("api", "1", utc(2025, 9, 3, 10, 7), "a"),
            event("api", "10", utc(2025, 9, 3, 10, 14), "b"),
            event("api", "100", utc(2025, 9, 3, 12, 0), "c"),
            event("api", "1000", utc(2025, 9, 4, 0, 0), "d"),
        ],
    )
    assert totals(services, customer.id, utc(2025, 9, 3, 10, 7), utc(2025, 9, 4)) == {"api": Decimal(111)}
    assert totals(services, customer.id, utc(2025, 9, 3, 10, 8), utc(2025, 9, 4)) == {"api": Decimal(110)}
    assert totals(services, customer.id, utc(2025, 9, 3, 10, 8), utc(2025, 9, 3, 10, 14)) == {}
    assert totals(services, customer.id, utc(2025, 9, 3, 10, 14), utc(2025, 9, 4, 0, 0, 0)) == {"api": Decimal(110)}
    assert totals(services, customer.id, utc(2025, 9, 1), utc(2025, 9, 4, 0, 0, 1)) == {"api": Decimal(1111)}


def test_rollup_totals_match_a_scan_of_raw_events_for_random_windows(services, customer):
    base = utc(2025, 9, 1)
    events = [event("f" + str(i % 3), str(i % 7), base + timedelta(minutes=37 * i), f"e{i}") for i in range(400)]
    services.ingest.ingest(customer.id, events)
    for start_minutes, length_minutes in [(0, 10_000), (13, 61), (45, 15), (1_234, 4_321), (7, 14_000)]:
        start = base + timedelta(minutes=start_minutes)
        end = start + timedelta(minutes=length_minutes)
        expected: dict[str, Decimal] = {}
        for e in events:
            if start <= e.ts < end:
                expected[e.feature] = expected.get(e.feature, Decimal(0)) + e.quantity
        assert totals(services, customer.id, start, end) == expected


def test_long_ranges_read_from_day_rollups_match_a_raw_scan_across_dst(services, customer):
    # ~60 days of events every 97 minutes around New York's DST end (2025-11-02): whole local days come from
    # the day rollup, partial days from 15-minute buckets, edges inside a bucket from raw events.
    base = utc(2025, 10, 1)
    events = [event("f" + str(i % 2), str(i % 5), base + timedelta(minutes=97 * i), f"e{i}") for i in range(900)]
    services.ingest.ingest(customer.id, events)
    windows = [
        (utc(2025, 10, 1, 4), utc(2025, 12, 1, 5)),
        (utc(2025, 10, 3, 7, 13), utc(2025, 11, 20, 2, 2)),
        (utc(2025, 11, 1, 3, 59), utc(2025, 11, 3, 5, 1)),
        (utc(2025, 9, 1), utc(2026, 1, 1)),
    ]
    for start, end in windows:
        expected: dict[str, Decimal] = {}
        for e in events:
            if start <= e.ts < end:
                expected[e.feature] = expected.get(e.feature, Decimal(0)) + e.quantity
        assert totals(services, customer.id, start, end) == expected
        daily = services.usage.series(customer.id, start, end, Window.DAY)
        hourly = services.usage.series(customer.id, start, end, Window.HOUR)
        for points in (daily, hourly):
            summed: dict[str, Decimal] = {}
            for p in points:
                summed[p.feature] = summed.get(p.feature, Decimal(0)) + p.quantity
            assert summed == expected


def test_daily_series_uses_the_customers_local_days(services, customer):
    # 2025-09-03T02:00Z is still Sept 2 in New York (UTC-4).
    services.ingest.ingest(
        customer.id,
        [
            event("api", "1", utc(2025, 9, 3, 2), "a"),
            event("api", "2", utc(2025, 9, 3, 5), "b"),
        ],
    )
    points = services.usage.series(customer.id, utc(2025, 9, 1, 4), utc(2025, 9, 5, 4), Window.DAY)
    assert [(p.window_start.isoformat(), p.quantity) for p in points] == [
        ("2025-09-02T00:00:00-04:00", Decimal(1)),
        ("2025-09-03T00:00:00-04:00", Decimal(2)),
    ]


def test_hourly_series_in_a_half_hour_zone_starts_windows_at_local_hours(services, customer):
    services.ingest.ingest(
        customer.id,
        [
            event("api", "1", utc(2025, 9, 3, 10, 20), "a"),  # 15:50 in Kolkata
            event("api", "2", utc(2025, 9, 3, 10, 40), "b"),  # 16:10 in Kolkata
        ],
    )
    points = services.usage.series(customer.id, utc(2025, 9, 3), utc(2025, 9, 4), Window.HOUR, "Asia/Kolkata")
    assert [(p.window_start.isoformat(), p.quantity) for p in points] == [
        ("2025-09-03T15:00:00+05:30", Decimal(1)),
        ("2025-09-03T16:00:00+05:30", Decimal(2)),
    ]


def test_daily_series_across_the_dst_change_keeps_25_hour_days_whole(services, customer):
    # 2025-11-02 in New York lasts 25 hours: 04:00Z on the 2nd to 05:00Z on the 3rd.
    services.ingest.ingest(
        customer.id,
        [
            event("api", "1", utc(2025, 11, 2, 4, 0), "start-of-day"),
            event("api", "2", utc(2025, 11, 3, 4, 30), "last-hour-of-the-long-day"),
            event("api", "4", utc(2025, 11, 3, 5, 0), "next-day"),
        ],
    )
    points = services.usage.series(customer.id, utc(2025, 11, 1, 4), utc(2025, 11, 5, 5), Window.DAY)
    assert [(p.window_start.isoformat(), p.quantity) for p in points] == [
        ("2025-11-02T00:00:00-04:00", Decimal(3)),
        ("2025-11-03T00:00:00-05:00", Decimal(4)),
    ]


def test_usage_of_an_unknown_customer_is_not_found(services):
    with pytest.raises(CustomerNotFound):
        services.usage.totals("cus_missing", utc(2025, 9, 1), utc(2025, 10, 1))


def test_an_empty_or_reversed_range_is_refused_naming_end(services, customer):
    with pytest.raises(InvalidInput) as error:
        services.usage.totals(customer.id, utc(2025, 10, 1), utc(2025, 9, 1))
    assert error.value.field == "end"


def test_too_many_windows_are_refused_naming_window(services, customer):
    with pytest.raises(InvalidInput) as error:
        services.usage.series(customer.id, utc(2020, 1, 1), utc(2025, 1, 1), Window.HOUR)
    assert error.value.field == "window"


def test_given_a_batch_with_stored_and_repeated_ids_then_the_reply_text_is_what_the_reply_model_writes(
    services, customer
):
    services.ingest.ingest(customer.id, [event("api_calls", "1", utc(2025, 9, 3, 10), "stored")])
    sent = ["new", "stored", "new", None, 'quote"and\u00e9']
    result = services.ingest.ingest(
        customer.id, [event("api_calls", "2", utc(2025, 9, 3, 11), event_id) for event_id in sent]
    )

    reply = json_reply(IngestOut.document_of(result)).body

    assert json.loads(reply) == IngestOut.of(result).model_dump(mode="json")
    assert reply == json.dumps(IngestOut.of(result).model_dump(mode="json"), separators=(",", ":"))
    assert [o.duplicate for o in result.outcomes] == [False, True, True, False, False]
    assert (result.accepted, result.duplicates) == (3, 2)


def test_usage_reply_items_are_what_their_reply_models_dump(services, customer):
    services.ingest.ingest(
        customer.id,
        [
            event("api_calls", "1.50", utc(2025, 9, 3, 10), "a"),
            event("api_calls", "2", utc(2025, 9, 4, 10), "b"),
            event("gb", "0.000000001", utc(2025, 9, 4, 11), "c"),
        ],
    )
    totals = services.usage.totals(customer.id, utc(2025, 9, 1), utc(2025, 10, 1))
    points = services.usage.series(customer.id, utc(2025, 9, 1), utc(2025, 10, 1), Window.DAY)

    for items, model in ((totals, UsageOut), (points, UsagePointOut)):
        documents = [model.document_of(item) for item in items]  # type: ignore[attr-defined]
        assert documents == [model.model_validate(document).model_dump(mode="json") for document in documents]
    assert [UsageOut.document_of(total) for total in totals] == [
        {"feature": "api_calls", "quantity": "3.50"},
        {"feature": "gb", "quantity": "0.000000001"},
    ]
    assert UsagePointOut.document_of(points[0]) == {
        "feature": "api_calls",
        "window_start": "2025-09-03T00:00:00-04:00",
        "quantity": "1.50",
    }
