"""SQLite usage: events keyed (customer_id, event_id), and their rollups written in the same transaction.

SQLite keeps the whole batch in one transaction (the port asks only for per-event atomicity).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal

from billing.adapters.records import aggregate_from_values, aggregate_values
from billing.adapters.sqlite.engine.database import Database
from billing.domain.rollups import rollup_deltas
from billing.domain.usage import CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent

_ID_CHUNK = 500  # ids per `IN (...)` lookup, well under SQLite's variable limit
_INSERT_EVENTS = (
    "INSERT INTO events (customer_id, event_id, feature, quantity, ts, period, properties) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_NEW_EVENTS = _INSERT_EVENTS + " ON CONFLICT DO NOTHING"

# Merging a batch's aggregate into a stored rollup row; `latest` keeps the quantity of the greatest ts.
_MERGE_ROLLUP = """
    ON CONFLICT DO UPDATE SET
        sum = dec_add(sum, excluded.sum),
        count = count + excluded.count,
        max = dec_max(max, excluded.max),
        latest_quantity = CASE WHEN excluded.latest_ts >= latest_ts
                               THEN excluded.latest_quantity ELSE latest_quantity END,
        latest_ts = max(latest_ts, excluded.latest_ts)
"""


class SqliteUsage:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, events: Sequence[UsageEvent]) -> RecordResult:
        if not events:
            return RecordResult(())
        customer_id = events[0].customer_id
        with self._db.transaction() as conn:
            # The usual batch is all new: insert it whole, skipping any stored id, and count what went in.
            # Only when some id was skipped does the batch go back to the savepoint and look every id up.
            conn.execute("SAVEPOINT record_events")
            if self._insert_events(conn, events, _INSERT_NEW_EVENTS) == len(events):
                conn.execute("RELEASE record_events")
                existing: set[str] = set()
                new_events: Sequence[UsageEvent] = events
            else:
                conn.execute("ROLLBACK TO record_events")
                conn.execute("RELEASE record_events")
                existing = self._existing_ids(conn, customer_id, [event.id for event in events])
                new_events = [event for event in events if event.id not in existing]
                self._insert_events(conn, new_events, _INSERT_EVENTS)
            self._add_to_rollups(conn, customer_id, new_events)
        if not existing:
            return RecordResult((True,) * len(events))
        return RecordResult(tuple(event.id not in existing for event in events))

    @staticmethod
    def _existing_ids(conn: sqlite3.Connection, customer_id: str, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start : start + _ID_CHUNK]
            placeholders = ",".join("?" * len(chunk))
            rows = conn.execute(
                f"SELECT event_id FROM events WHERE customer_id = ? AND event_id IN ({placeholders})",
                (customer_id, *chunk),
            )
            found.update(row[0] for row in rows)
        return found

    @staticmethod
    def _insert_events(conn: sqlite3.Connection, events: Sequence[UsageEvent], statement: str) -> int:
        """Inserts the events' rows; how many rows went in."""
        dumps = json.dumps
        return conn.executemany(
            statement,
            [
                (
                    e.customer_id,
                    e.id,
                    e.feature,
                    str(e.quantity),
                    e.ts_us,
                    e.period,
                    dumps(e.properties, separators=(",", ":")) if e.properties else None,
                )
                for e in events
            ],
        ).rowcount

    @staticmethod
    def _add_to_rollups(conn: sqlite3.Connection, customer_id: str, events: Sequence[UsageEvent]) -> None:
        deltas = rollup_deltas(events)
        conn.executemany(
            "INSERT INTO usage_15m (customer_id, bucket_start, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [
                (customer_id, bucket, feature, *aggregate_values(agg))
                for (bucket, feature), agg in deltas.buckets.items()
            ],
        )
        conn.executemany(
            "INSERT INTO usage_period (period, customer_id, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [
                (period, customer_id, feature, *aggregate_values(agg))
                for (period, feature), agg in deltas.periods.items()
            ],
        )
        conn.executemany(
            "INSERT INTO usage_day (customer_id, day, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [(customer_id, day, feature, *aggregate_values(agg)) for (day, feature), agg in deltas.days.items()],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO usage_distinct (customer_id, period, feature, property, value)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (customer_id, period, feature, name, value)
                for (period, feature, name), values in deltas.distinct.items()
                for value in values
            ],
        )
        conn.executemany(
            "INSERT INTO usage_coverage (customer_id, period, feature, property, checked) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET checked = checked + excluded.checked",
            [(customer_id, *key, checked) for key, checked in deltas.coverage.items()],
        )

    def buckets(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, Decimal]]:
        rows = self._db.connection().execute(
            "SELECT feature, bucket_start, sum FROM usage_15m"
            " WHERE customer_id = ? AND bucket_start >= ? AND bucket_start < ?",
            (customer_id, start, end),
        )
        return [(feature, bucket, Decimal(total)) for feature, bucket, total in rows]

    def days(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, Decimal]]:
        rows = self._db.connection().execute(
            "SELECT feature, day, sum FROM usage_day WHERE customer_id = ? AND day >= ? AND day < ?",
            (customer_id, first_day, end_day),
        )
        return [(feature, day, Decimal(total)) for feature, day, total in rows]

    def periods(self, customer_id: str, first_period: str, end_period: str) -> list[tuple[str, str, Decimal]]:
        rows = self._db.connection().execute(
            "SELECT feature, period, sum FROM usage_period WHERE customer_id = ? AND period >= ? AND period < ?",
            (customer_id, first_period, end_period),
        )
        return [(feature, period, Decimal(total)) for feature, period, total in rows]

    def bucket_aggregates(self, customer_id: str, start: int, end: int) -> list[tuple[str, int, UsageAggregate]]:
        rows = self._db.connection().execute(
            "SELECT feature, bucket_start, sum, count, max, latest_ts, latest_quantity FROM usage_15m"
            " WHERE customer_id = ? AND bucket_start >= ? AND bucket_start < ?",
            (customer_id, start, end),
        )
        return [(feature, bucket, aggregate_from_values(*rest)) for feature, bucket, *rest in rows]

    def day_aggregates(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, UsageAggregate]]:
        rows = self._db.connection().execute(
            "SELECT feature, day, sum, count, max, latest_ts, latest_quantity FROM usage_day"
            " WHERE customer_id = ? AND day >= ? AND day < ?",
            (customer_id, first_day, end_day),
        )
        return [(feature, day, aggregate_from_values(*rest)) for feature, day, *rest in rows]

    def period_aggregates(
        self, customer_id: str, first_period: str, end_period: str
    ) -> list[tuple[str, str, UsageAggregate]]:
        rows = self._db.connection().execute(
            "SELECT feature, period, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE customer_id = ? AND period >= ? AND period < ?",
            (customer_id, first_period, end_period),
        )
        return [(feature, period, aggregate_from_values(*rest)) for feature, period, *rest in rows]

    def events(self, customer_id: str, start: int, end: int) -> list[UsageEvent]:
        rows = self._db.connection().execute(
            "SELECT event_id, feature, quantity, ts, period, properties FROM events"
            " WHERE customer_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
            (customer_id, start, end),
        )
        return [
            UsageEvent(
                customer_id,
                event_id,
                feature,
                Decimal(quantity),
                ts,
                period,
                json.loads(properties) if properties else None,
            )
            for event_id, feature, quantity, ts, period, properties in rows
        ]

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        return self.period_usage_many([customer_id], period)[customer_id]

    def period_usage_many(self, customer_ids: Sequence[str], period: str) -> dict[str, CustomerPeriodUsage]:
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        # One statement, so one snapshot: the aggregates, distinct counts and coverage of one moment.
        rows = self._db.connection().execute(
            _rollups_where(f"period = ? AND customer_id IN ({marks})"), (period, *ids) * 3
        )
        usages = _usages(rows)
        return {
            customer_id: usages.get((customer_id, period)) or CustomerPeriodUsage(customer_id, period)
            for customer_id in ids
        }

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        rows = self._db.connection().execute(_rollups_where("customer_id = ?"), (customer_id,) * 3)
        usages = _usages(rows)
        return [usages[key] for key in sorted(usages) if usages[key].features]

    def cover_distinct(
        self, customer_id: str, period: str, feature: str, prop: str, values: Collection[str], *, events: int
    ) -> bool:
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT count FROM usage_period WHERE period = ? AND customer_id = ? AND feature = ?",
                (period, customer_id, feature),
            ).fetchone()
            if row is None or row[0] != events:
                return False  # events arrived since they were read (or none was ever stored)
            conn.executemany(
                "INSERT OR IGNORE INTO usage_distinct (customer_id, period, feature, property, value)"
                " VALUES (?, ?, ?, ?, ?)",
                [(customer_id, period, feature, prop, value) for value in values],
            )
            conn.execute(
                "INSERT INTO usage_coverage (customer_id, period, feature, property, checked) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET checked = excluded.checked",
                (customer_id, period, feature, prop, events),
            )
        return True


def _rollups_where(condition: str) -> str:
    """One statement, so one snapshot, for the period rows (kind 'a'), distinct counts ('d') and coverage ('c')
    matching `condition` (placeholders only; its parameters are passed three times): rows of (kind, customer,
    period, feature, property, then the aggregate's columns)."""
    return (
        "SELECT 'a', customer_id, period, feature, NULL, sum, count, max, latest_ts, latest_quantity"
        f" FROM usage_period WHERE {condition}"
        " UNION ALL SELECT 'd', customer_id, period, feature, property, count(*), NULL, NULL, NULL, NULL"
        f" FROM usage_distinct WHERE {condition} GROUP BY customer_id, period, feature, property"
        " UNION ALL SELECT 'c', customer_id, period, feature, property, checked, NULL, NULL, NULL, NULL"
        f" FROM usage_coverage WHERE {condition}"
    )


def _usages(rows: Iterable[Sequence]) -> dict[tuple[str, str], CustomerPeriodUsage]:
    """The CustomerPeriodUsage of each (customer, period) in `_rollups_where`'s rows."""
    features: dict[tuple[str, str], dict[str, UsageAggregate]] = {}
    counts: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    coverage: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    for kind, customer_id, period, feature, prop, *rest in rows:
        key = (customer_id, period)
        if kind == "a":
            features.setdefault(key, {})[feature] = aggregate_from_values(*rest)
        else:
            (counts if kind == "d" else coverage).setdefault(key, {})[(feature, prop)] = rest[0]
    return {
        key: CustomerPeriodUsage(key[0], key[1], features.get(key, {}), counts.get(key, {}), coverage.get(key, {}))
        for key in features.keys() | counts.keys() | coverage.keys()
    }
