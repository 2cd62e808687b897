"""SQLite implementation of the storage port (billing.ports)."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from billing.adapters.records import invoice_from_record, invoice_to_record
from billing.adapters.sqlite import credits as ledger
from billing.adapters.sqlite.connection import Database
from billing.adapters.sqlite.plans import SqlitePlans
from billing.domain.credits import CreditEntry
from billing.domain.errors import ConcurrentUpdate, CustomerNotFound, DuplicateEmail
from billing.domain.invoices import Invoice, InvoiceStatus
from billing.domain.models import Customer, CustomerPeriodUsage, RecordResult, UsageAggregate, UsageEvent
from billing.domain.time import bucket_start, to_micros

_ID_CHUNK = 500  # ids per `IN (...)` lookup, well under SQLite's variable limit
_FETCH_CHUNK = 2_000


class SqliteCustomers:
    _COLUMNS = "id, name, email, timezone, currency, plan_id, created_at, version"

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, customer: Customer) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    "INSERT INTO customers (id, name, email, email_key, timezone, currency, plan_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        customer.id,
                        customer.name,
                        customer.email,
                        customer.email.lower(),
                        customer.timezone,
                        customer.currency,
                        customer.plan_id,
                        customer.created_at.isoformat(),
                    ),
                )
        except sqlite3.IntegrityError as error:
            if "email_key" in str(error):
                raise DuplicateEmail(customer.email) from None
            raise

    def get(self, customer_id: str) -> Customer | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {self._COLUMNS} FROM customers WHERE id = ?", (customer_id,))
            .fetchone()
        )
        return None if row is None else self._from_row(row)

    def list(self, *, limit: int, after: str | None = None) -> list[Customer]:
        rows = (
            self._db.connection()
            .execute(f"SELECT {self._COLUMNS} FROM customers WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit))
            .fetchall()
        )
        return [self._from_row(row) for row in rows]

    def set_plan(self, customer_id: str, plan_id: str, currency: str, *, expected_version: int) -> Customer:
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE customers SET plan_id = ?, currency = ?, version = version + 1 WHERE id = ? AND version = ?",
                (plan_id, currency, customer_id, expected_version),
            ).rowcount
            row = conn.execute(f"SELECT {self._COLUMNS} FROM customers WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            raise CustomerNotFound(customer_id)
        if updated != 1:
            raise ConcurrentUpdate(f"customer {customer_id} changed since version {expected_version}")
        return self._from_row(row)

    @staticmethod
    def _from_row(row: tuple) -> Customer:
        customer_id, name, email, timezone, currency, plan_id, created_at, version = row
        return Customer(
            id=customer_id,
            name=name,
            email=email,
            timezone=timezone,
            currency=currency,
            plan_id=plan_id,
            created_at=datetime.fromisoformat(created_at),
            version=version,
        )


def _rollups(
    events: Iterable[UsageEvent],
) -> tuple[dict[tuple, UsageAggregate], dict[tuple, UsageAggregate], dict[tuple, UsageAggregate]]:
    """A batch's aggregates per (bucket, feature), (period, feature) and (local day, feature), so that each
    rollup row is written once per batch. One pass over the events; the three are then merged from the few
    aggregates per (bucket, period, day, feature)."""
    fine: dict[tuple, UsageAggregate] = {}
    for event in events:
        if event.day is None:
            raise ValueError(f"event {event.id!r} has no local day: the ingest service sets it")
        key = (bucket_start(event.ts), event.period, event.day, event.feature)
        aggregate = fine.get(key)
        if aggregate is None:
            fine[key] = UsageAggregate.of(event.quantity, event.ts)
        else:
            aggregate.add(event.quantity, event.ts)
    buckets: dict[tuple, UsageAggregate] = {}
    periods: dict[tuple, UsageAggregate] = {}
    days: dict[tuple, UsageAggregate] = {}
    for (bucket, period, day, feature), aggregate in fine.items():
        _merge_into(buckets, (bucket, feature), aggregate)
        _merge_into(periods, (period, feature), aggregate)
        _merge_into(days, (day, feature), aggregate)
    return buckets, periods, days


def _merge_into(rollups: dict[tuple, UsageAggregate], key: tuple, aggregate: UsageAggregate) -> None:
    existing = rollups.get(key)
    if existing is None:
        rollups[key] = replace(aggregate)  # a copy: the same aggregate goes into both rollups
    else:
        existing.merge(aggregate)


def _aggregate_row(aggregate: UsageAggregate) -> tuple:
    return (
        str(aggregate.sum),
        aggregate.count,
        str(aggregate.max),
        aggregate.latest_ts,
        str(aggregate.latest_quantity),
    )


def _aggregate_from(sum_: str, count: int, max_: str, latest_ts: int, latest_quantity: str) -> UsageAggregate:
    return UsageAggregate(Decimal(sum_), count, Decimal(max_), latest_ts, Decimal(latest_quantity))


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
            existing = self._existing_ids(conn, customer_id, [event.id for event in events])
            new_events = [event for event in events if event.id not in existing]
            self._insert_events(conn, new_events)
            self._add_to_rollups(conn, customer_id, new_events)
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
    def _insert_events(conn: sqlite3.Connection, events: list[UsageEvent]) -> None:
        conn.executemany(
            "INSERT INTO events (customer_id, event_id, feature, quantity, ts, period, properties)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.customer_id,
                    e.id,
                    e.feature,
                    str(e.quantity),
                    e.ts,
                    e.period,
                    json.dumps(e.properties, separators=(",", ":")) if e.properties else None,
                )
                for e in events
            ],
        )

    @staticmethod
    def _add_to_rollups(conn: sqlite3.Connection, customer_id: str, events: list[UsageEvent]) -> None:
        buckets, periods, days = _rollups(events)
        conn.executemany(
            "INSERT INTO usage_15m (customer_id, bucket_start, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [(customer_id, bucket, feature, *_aggregate_row(agg)) for (bucket, feature), agg in buckets.items()],
        )
        conn.executemany(
            "INSERT INTO usage_period (period, customer_id, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + _MERGE_ROLLUP,
            [(period, customer_id, feature, *_aggregate_row(agg)) for (period, feature), agg in periods.items()],
        )
        conn.executemany(
            "INSERT INTO usage_day (customer_id, day, feature, sum, count) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET sum = dec_add(sum, excluded.sum), count = count + excluded.count",
            [(customer_id, day, feature, str(agg.sum), agg.count) for (day, feature), agg in days.items()],
        )

    def buckets(self, customer_id: str, start: int, end: int) -> Iterable[tuple[str, int, Decimal]]:
        rows = self._db.connection().execute(
            "SELECT feature, bucket_start, sum FROM usage_15m"
            " WHERE customer_id = ? AND bucket_start >= ? AND bucket_start < ?",
            (customer_id, start, end),
        )
        return [(feature, bucket, Decimal(total)) for feature, bucket, total in rows]

    def days(self, customer_id: str, first_day: str, end_day: str) -> Iterable[tuple[str, str, Decimal]]:
        rows = self._db.connection().execute(
            "SELECT feature, day, sum FROM usage_day WHERE customer_id = ? AND day >= ? AND day < ?",
            (customer_id, first_day, end_day),
        )
        return [(feature, day, Decimal(total)) for feature, day, total in rows]

    def events(self, customer_id: str, start: int, end: int) -> Iterable[UsageEvent]:
        rows = self._db.connection().execute(
            "SELECT event_id, feature, quantity, ts, period, properties FROM events"
            " WHERE customer_id = ? AND ts >= ? AND ts < ? ORDER BY ts",
            (customer_id, start, end),
        )
        for event_id, feature, quantity, ts, period, properties in rows:
            yield UsageEvent(
                customer_id,
                event_id,
                feature,
                Decimal(quantity),
                ts,
                period,
                json.loads(properties) if properties else None,
            )

    def period_usage(self, customer_id: str, period: str) -> CustomerPeriodUsage:
        rows = self._db.connection().execute(
            "SELECT feature, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE period = ? AND customer_id = ?",
            (period, customer_id),
        )
        return CustomerPeriodUsage(customer_id, period, {row[0]: _aggregate_from(*row[1:]) for row in rows})

    def all_period_usage(self, period: str) -> Iterator[CustomerPeriodUsage]:
        cursor = self._db.connection().execute(
            "SELECT customer_id, feature, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE period = ? ORDER BY customer_id",
            (period,),
        )
        rows = itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(_FETCH_CHUNK), []))
        for customer_id, group in itertools.groupby(rows, key=lambda row: row[0]):
            features = {row[1]: _aggregate_from(*row[2:]) for row in group}
            yield CustomerPeriodUsage(customer_id, period, features)

    def customer_period_usage(self, customer_id: str) -> list[CustomerPeriodUsage]:
        rows = self._db.connection().execute(
            "SELECT period, feature, sum, count, max, latest_ts, latest_quantity FROM usage_period"
            " WHERE customer_id = ? ORDER BY period",
            (customer_id,),
        )
        return [
            CustomerPeriodUsage(customer_id, period, {row[1]: _aggregate_from(*row[2:]) for row in group})
            for period, group in itertools.groupby(rows, key=lambda row: row[0])
        ]


class SqliteInvoices:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, invoice_id: str) -> Invoice | None:
        row = (
            self._db.connection()
            .execute("SELECT document, version FROM invoices WHERE id = ?", (invoice_id,))
            .fetchone()
        )
        return None if row is None else invoice_from_record(json.loads(row[0]), version=row[1])

    def list_for_customer(self, customer_id: str) -> list[Invoice]:
        rows = self._db.connection().execute(
            "SELECT document, version FROM invoices WHERE customer_id = ? ORDER BY period DESC", (customer_id,)
        )
        return [invoice_from_record(json.loads(document), version=version) for document, version in rows]

    def save(self, invoice: Invoice) -> Invoice:
        with self._db.transaction() as conn:
            return self._write(conn, invoice)

    def list_by_status(self, status: InvoiceStatus, *, period_end_before: datetime) -> list[Invoice]:
        rows = self._db.connection().execute(
            "SELECT document, version FROM invoices WHERE status = ? AND period_end <= ? ORDER BY period_end, id",
            (status.value, to_micros(period_end_before)),
        )
        return [invoice_from_record(json.loads(document), version=version) for document, version in rows]

    def finalize(self, invoice: Invoice, *, consumption: CreditEntry | None, customer_version: int) -> Invoice:
        with self._db.transaction() as conn:
            self._advance_customer(conn, invoice.customer_id, customer_version)
            if consumption is not None:
                available = ledger.balance(conn, consumption.customer_id, consumption.currency)
                if available + consumption.amount < 0:
                    raise ConcurrentUpdate(f"customer {consumption.customer_id} no longer has that credit")
                ledger.insert_entry(conn, consumption)
            return self._write(conn, invoice)

    def void(self, invoice: Invoice, *, restoration: CreditEntry | None, customer_version: int) -> Invoice:
        with self._db.transaction() as conn:
            self._advance_customer(conn, invoice.customer_id, customer_version)
            if restoration is not None:
                ledger.insert_entry(conn, restoration)
            return self._write(conn, invoice)

    @staticmethod
    def _advance_customer(conn: sqlite3.Connection, customer_id: str, expected_version: int) -> None:
        updated = conn.execute(
            "UPDATE customers SET version = version + 1 WHERE id = ? AND version = ?", (customer_id, expected_version)
        ).rowcount
        if updated != 1:
            raise ConcurrentUpdate(f"customer {customer_id} changed since version {expected_version}")

    def _write(self, conn: sqlite3.Connection, invoice: Invoice) -> Invoice:
        document = json.dumps(invoice_to_record(invoice), separators=(",", ":"))
        new_version = invoice.version + 1
        if invoice.version == 0:
            self._insert(conn, invoice, document)
        else:
            updated = conn.execute(
                "UPDATE invoices SET status = ?, version = ?, document = ?, period_end = ?"
                " WHERE id = ? AND version = ?",
                (
                    invoice.status.value,
                    new_version,
                    document,
                    to_micros(invoice.period_end),
                    invoice.id,
                    invoice.version,
                ),
            ).rowcount
            if updated != 1:
                raise ConcurrentUpdate(f"invoice {invoice.id} changed since version {invoice.version}")
        return replace(invoice, version=new_version)

    @staticmethod
    def _insert(conn: sqlite3.Connection, invoice: Invoice, document: str) -> None:
        try:
            conn.execute(
                "INSERT INTO invoices (id, customer_id, period, status, version, document, period_end)"
                " VALUES (?, ?, ?, ?, 1, ?, ?)",
                (
                    invoice.id,
                    invoice.customer_id,
                    invoice.period,
                    invoice.status.value,
                    document,
                    to_micros(invoice.period_end),
                ),
            )
        except sqlite3.IntegrityError:
            raise ConcurrentUpdate(
                f"an invoice for customer {invoice.customer_id} and period {invoice.period} already exists"
            ) from None


class SqliteStorage:
    """The storage port over one SQLite file; creates the file's folder and migrates on open."""

    def __init__(self, path: Path | str, *, journal_mode: str = "WAL") -> None:
        self.db = Database(Path(path), journal_mode=journal_mode)
        self.customers = SqliteCustomers(self.db)
        self.usage = SqliteUsage(self.db)
        self.invoices = SqliteInvoices(self.db)
        self.plans = SqlitePlans(self.db)
        self.credits = ledger.SqliteCredits(self.db)

    def check(self) -> None:
        self.db.check()

    def close(self) -> None:
        self.db.close()
