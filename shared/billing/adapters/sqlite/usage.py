"""SQLite usage: events keyed (customer_id, event_id), and their rollups written in the same transaction.

SQLite keeps the whole batch in one transaction (the port asks only for per-event atomicity).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from itertools import groupby

from billing.adapters.records import aggregate_from_record, aggregate_to_record
from billing.adapters.sqlite.connection import Database
from billing.domain.models import CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent
from billing.domain.rollups import rollup_deltas

_ID_CHUNK = 500  # ids per `IN (...)` lookup, well under SQLite's variable limit
_INSERT_EVENTS = (
    "INSERT INTO events (customer_id, event_id, feature, quantity, ts, period, properties) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_NEW_EVENTS = _INSERT_EVENTS + " ON CONFLICT DO NOTHING"
_AGGREGATE = ("sum", "count", "max", "latest_ts", "latest_quantity")

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


def _aggregate_row(aggregate: UsageAggregate) -> tuple:
    record = aggregate_to_record(aggregate)
    return tuple(record[name] for name in _AGGREGATE)


def _aggregate(row: Sequence) -> UsageAggregate:
    return aggregate_from_record(dict(zip(_AGGREGATE, row, strict=True)))


def _aggregate_of(total: str, count: int, largest: str, latest_ts: int, latest_quantity: str) -> UsageAggregate:
    """A row's aggregate columns (_AGGREGATE's order) read straight, for reads of many rows."""
    return UsageAggregate(Decimal(total), count, Decimal(largest), latest_ts, Decimal(latest_quantity))


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
                    e.ts,
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
            [(customer_id, bucket, feature, *_aggregate_row(agg)) for (bucket, feature), agg in deltas.buckets.items()],
        )
        conn.executemany(
            "INSERT INTO usage_period (period, customer_id, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [(period, customer_id, feature, *_aggregate_row(agg)) for (period, feature), agg in deltas.periods.items()],
        )
        conn.executemany(
            "INSERT INTO usage_day (customer_id, day, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [(customer_id, day, feature, *_aggregate_row(agg)) for (day, feature), agg in deltas.days.items()],
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
        return [(feature, bucket, _aggregate_of(*rest)) for feature, bucket, *rest in rows]

    def day_aggregates(self, customer_id: str, first_day: str, end_day: str) -> list[tuple[str, str, UsageAggregate]]:
        rows = self._db.connection().execute(
            "SELECT feature, day, sum, count, max, latest_ts, latest_quantity FROM usage_day"
            " WHERE customer_id = ? AND day >= ? AND day < ?",
            (customer_id, first_day, end_day),
        )
        return [(feature, day, _aggregate_of(*rest)) for feature, day, *rest in rows]

    def period_aggregates(
        self, customer_id: str, first_period: str, end_period: str
    ) -> list[tuple[str, str, UsageAggregate]]:
        rows = self._db.connection().execute(
            "SELECT feature, period, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE customer_id = ? AND period >= ? AND period < ?",
            (customer_id, first_period, end_period),
        )
        return [(feature, period, _aggregate_of(*rest)) for feature, period, *rest in rows]

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
        # One query for both: the aggregates (kind 'a') and the distinct-value counts (kind 'd').
        rows = self._db.connection().execute(
            "SELECT 'a', feature, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE period = ? AND customer_id = ?"
            " UNION ALL SELECT 'd', feature, property, count(*), NULL, NULL, NULL FROM usage_distinct"
            " WHERE customer_id = ? AND period = ? GROUP BY feature, property",
            (period, customer_id, customer_id, period),
        )
        features, counts = {}, {}
        for kind, feature, *rest in rows:
            if kind == "a":
                features[feature] = _aggregate(rest)
            else:
                counts[(feature, rest[0])] = rest[1]
        return CustomerPeriodUsage(customer_id, period, features, counts)

    def period_usage_many(self, customer_ids: Sequence[str], period: str) -> dict[str, CustomerPeriodUsage]:
        ids = list(dict.fromkeys(customer_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.connection().execute(
            "SELECT 'a', customer_id, feature, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            f" WHERE period = ? AND customer_id IN ({marks})"
            " UNION ALL SELECT 'd', customer_id, feature, property, count(*), NULL, NULL, NULL FROM usage_distinct"
            f" WHERE customer_id IN ({marks}) AND period = ? GROUP BY customer_id, feature, property",
            (period, *ids, *ids, period),
        )
        features: dict[str, dict[str, UsageAggregate]] = {customer_id: {} for customer_id in ids}
        counts: dict[str, dict[tuple[str, str], int]] = {customer_id: {} for customer_id in ids}
        for kind, customer_id, feature, *rest in rows:
            if kind == "a":
                features[customer_id][feature] = _aggregate(rest)
            else:
                counts[customer_id][(feature, rest[0])] = rest[1]
        return {
            customer_id: CustomerPeriodUsage(customer_id, period, features[customer_id], counts[customer_id])
            for customer_id in ids
        }

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        conn = self._db.connection()
        rows = conn.execute(
            "SELECT period, feature, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE customer_id = ? ORDER BY period",
            (customer_id,),
        )
        counts: dict[str, dict[tuple[str, str], int]] = {}
        for period, feature, name, count in conn.execute(
            "SELECT period, feature, property, count(*) FROM usage_distinct"
            " WHERE customer_id = ? GROUP BY period, feature, property",
            (customer_id,),
        ):
            counts.setdefault(period, {})[(feature, name)] = count
        return [
            CustomerPeriodUsage(
                customer_id, period, {row[1]: _aggregate(row[2:]) for row in group}, counts.get(period, {})
            )
            for period, group in groupby(rows, key=lambda row: row[0])
        ]
