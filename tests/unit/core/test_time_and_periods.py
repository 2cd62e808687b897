"""Periods are calendar months in the customer's timezone; instants are exact microseconds."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from billing.domain.errors import InvalidInput
from billing.domain.time import (
    BUCKET_MICROS,
    BillingPeriod,
    bucket_start,
    ceil_to_bucket,
    from_micros,
    period_key_of,
    to_micros,
)
from billing.domain.time import (
    timezone as zone,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone_name", "start", "end"),
    [
        ("UTC", utc(2025, 9, 1), utc(2025, 10, 1)),
        ("America/New_York", utc(2025, 9, 1, 4), utc(2025, 10, 1, 4)),
        ("Asia/Kolkata", utc(2025, 8, 31, 18, 30), utc(2025, 9, 30, 18, 30)),
        ("Asia/Kathmandu", utc(2025, 8, 31, 18, 15), utc(2025, 9, 30, 18, 15)),
    ],
)
def test_a_period_spans_the_local_calendar_month(zone_name, start, end):
    assert BillingPeriod.parse("2025-09").bounds(zone(zone_name)) == (start, end)


def test_a_period_across_a_dst_change_is_an_hour_shorter_or_longer():
    # New York leaves DST on 2025-11-02: November has 30 days + 1 hour.
    start, end = BillingPeriod.parse("2025-11").bounds(zone("America/New_York"))
    assert (start, end) == (utc(2025, 11, 1, 4), utc(2025, 12, 1, 5))
    assert end - start == timedelta(days=30, hours=1)
    march_start, march_end = BillingPeriod.parse("2025-03").bounds(zone("Europe/Berlin"))
    assert march_end - march_start == timedelta(days=31) - timedelta(hours=1)


def test_the_period_of_an_instant_depends_on_the_customers_zone():
    instant = to_micros(utc(2025, 9, 30, 20, 0))  # already October in Kolkata, still September in New York
    assert period_key_of(instant, "Asia/Kolkata") == "2025-10"
    assert period_key_of(instant, "America/New_York") == "2025-09"
    assert period_key_of(instant, "UTC") == "2025-09"


@pytest.mark.parametrize("text", ["2025-9", "2025-13", "2025-00", "25-09", "", "2025-09-01", "1969-12"])
def test_a_malformed_period_is_refused_naming_the_field(text):
    with pytest.raises(InvalidInput) as error:
        BillingPeriod.parse(text)
    assert error.value.field == "period"


def test_next_and_previous_periods_wrap_the_year():
    assert BillingPeriod.parse("2025-12").next().key == "2026-01"
    assert BillingPeriod.parse("2026-01").previous().key == "2025-12"
    assert BillingPeriod.parse("2025-07").previous().key == "2025-06"


def test_unknown_timezones_are_refused_naming_the_field():
    with pytest.raises(InvalidInput) as error:
        zone("Mars/Olympus_Mons")
    assert error.value.field == "timezone"


def test_microseconds_round_trip_exactly_for_any_offset():
    instant = datetime(2025, 9, 3, 10, 7, 1, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    micros = to_micros(instant)
    assert from_micros(micros) == instant
    assert micros % 1_000_000 == 123456


def test_buckets_are_fifteen_minutes_and_aligned():
    instant = to_micros(utc(2025, 9, 3, 10, 7))
    assert from_micros(bucket_start(instant)) == utc(2025, 9, 3, 10, 0)
    assert from_micros(ceil_to_bucket(instant)) == utc(2025, 9, 3, 10, 15)
    assert ceil_to_bucket(bucket_start(instant)) == bucket_start(instant)
    assert BUCKET_MICROS == 15 * 60 * 1_000_000
