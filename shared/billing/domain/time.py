"""Instants, timezones, billing periods and rollup buckets.

Instants are stored as integer microseconds since the Unix epoch (UTC): exact, compact and ordered.
Every real timezone offset in use is a multiple of 15 minutes, so 15-minute UTC buckets tile every
customer's local hours, days and months exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billing.domain.errors import InvalidInput
from billing.domain.exact import FIRST_PERIOD_YEAR, LAST_PERIOD_YEAR

MICROS_PER_SECOND = 1_000_000
BUCKET_MICROS = 15 * 60 * MICROS_PER_SECOND
_PERIOD_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(instant: datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact: no float arithmetic)."""
    delta = instant - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def bucket_start(micros: int) -> int:
    """Start of the 15-minute UTC bucket holding this instant."""
    return micros - micros % BUCKET_MICROS


def ceil_to_bucket(micros: int) -> int:
    return -((-micros) // BUCKET_MICROS) * BUCKET_MICROS


@lru_cache(maxsize=512)
def timezone(name: str, *, field: str = "timezone") -> ZoneInfo:
    """The IANA zone of that name, or InvalidInput naming the field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown IANA timezone {name!r}", field=field) from None


def iso_utc(instant: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, the form the API returns for instants."""
    text = instant.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


@dataclass(frozen=True, order=True)
class BillingPeriod:
    """A calendar month, e.g. 2025-09. Its instants depend on the customer's timezone."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str, *, field: str = "period") -> BillingPeriod:
        match = _PERIOD_PATTERN.match(text or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise InvalidInput(f"{field} must be a month as YYYY-MM, got {text[:20]!r}", field=field)
        if not FIRST_PERIOD_YEAR <= int(match.group(1)) <= LAST_PERIOD_YEAR:
            first, last = f"{FIRST_PERIOD_YEAR}-01", f"{LAST_PERIOD_YEAR}-12"
            raise InvalidInput(f"{field} must be a month from {first} to {last}, got {text!r}", field=field)
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, instant: datetime, zone: ZoneInfo) -> BillingPeriod:
        local = instant.astimezone(zone)
        return cls(local.year, local.month)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> BillingPeriod:
        return BillingPeriod(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> BillingPeriod:
        return BillingPeriod(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """Local midnight of the 1st, as a UTC instant."""
        return datetime(self.year, self.month, 1, tzinfo=zone).astimezone(UTC)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) of the month in that zone, as UTC instants."""
        return _bounds(self, zone)

    def __str__(self) -> str:
        return self.key


@lru_cache(maxsize=1024)  # a billing run asks for the same few (period, zone) once per customer
def _bounds(period: BillingPeriod, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return period.start(zone), period.next().start(zone)


@lru_cache(maxsize=4096)
def _local_day_of_bucket(bucket: int, zone_name: str) -> str:
    return from_micros(bucket).astimezone(ZoneInfo(zone_name)).date().isoformat()


def local_day_of(micros: int, zone_name: str) -> str:
    """The local date (YYYY-MM-DD in that zone) holding this instant.

    Cached per 15-minute bucket: a bucket never straddles a local midnight.
    """
    return _local_day_of_bucket(bucket_start(micros), zone_name)


def period_key_of(micros: int, zone_name: str) -> str:
    """The billing period (YYYY-MM in that zone) holding this instant."""
    return local_day_of(micros, zone_name)[:7]


@lru_cache(maxsize=4096)
def local_midnight(day: str, zone_name: str) -> int:
    """The instant (µs) a local date begins in that zone (where midnight is skipped by a DST change, the
    instant of the change)."""
    year, month, day_of_month = (int(part) for part in day.split("-"))
    return to_micros(datetime(year, month, day_of_month, tzinfo=ZoneInfo(zone_name)).astimezone(UTC))


def next_local_midnight(micros: int, zone_name: str) -> int:
    """The first local midnight at or after this instant."""
    day = local_day_of(micros, zone_name)
    midnight = local_midnight(day, zone_name)
    if midnight >= micros:
        return midnight
    following = date.fromisoformat(day) + timedelta(days=1)
    return local_midnight(following.isoformat(), zone_name)
