"""SQLite invoices: one JSON document per invoice, (customer_id, period, issue) unique, `version` guards
writers; invoice numbers come from a row of `counters` moved in the finalizing transaction."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from billing.adapters.records import invoice_from_record, invoice_to_record
from billing.adapters.sqlite.credits import append_entry
from billing.adapters.sqlite.customers import advance_version
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.engine.paging import after, document, page_of
from billing.domain.credits import CreditEntry
from billing.domain.errors import ConcurrentUpdate, Conflict
from billing.domain.invoices import Invoice, InvoiceStatus, invoice_number
from billing.domain.paging import Page
from billing.domain.time import to_micros

_INVOICE_NUMBERS = "invoice_number"  # the counters row finalization moves


def _invoice(row: tuple) -> Invoice:
    return invoice_from_record(json.loads(row[-2]), version=row[-1])


def _before(cursor: str | None) -> tuple[str, int]:
    """The (period, issue) a page of a customer's invoices starts below. A cursor made before reissues
    existed holds a period alone: every issue of it was listed."""
    position = after(cursor, ["\uffff", 0], "")
    if isinstance(position, str):
        return position, -1
    period, issue = position
    return period, issue


class SqliteInvoices:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, invoice_id: str) -> Invoice | None:
        row = (
            self._db.connection()
            .execute("SELECT document, version FROM invoices WHERE id = ?", (invoice_id,))
            .fetchone()
        )
        return None if row is None else _invoice(row)

    def list_for_customer(self, customer_id: str, *, limit: int, cursor: str | None = None) -> Page[Invoice]:
        period, issue = _before(cursor)
        rows = (
            self._db.connection()
            .execute(
                "SELECT period, issue, document, version FROM invoices WHERE customer_id = ?"
                " AND (period, issue) < (?, ?) ORDER BY period DESC, issue DESC LIMIT ?",
                (customer_id, period, issue, limit + 1),
            )
            .fetchall()
        )
        return page_of(rows, limit, _invoice, lambda row: [row[0], row[1]])

    def list_for_customers(self, customer_ids: Sequence[str]) -> dict[str, builtins.list[Invoice]]:
        ids = builtins.list(dict.fromkeys(customer_ids))
        found: dict[str, builtins.list[Invoice]] = {customer_id: [] for customer_id in ids}
        if ids:
            rows = (
                self._db.connection()
                .execute(
                    "SELECT customer_id, document, version FROM invoices"
                    f" WHERE customer_id IN ({','.join('?' * len(ids))}) ORDER BY customer_id, period DESC, issue DESC",
                    ids,
                )
                .fetchall()
            )
            for row in rows:
                found[row[0]].append(_invoice(row))
        return found

    def list(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        status: InvoiceStatus | None = None,
        period: str | None = None,
        customer_id: str | None = None,
    ) -> Page[Invoice]:
        filters = {"status": status.value if status else None, "period": period, "customer_id": customer_id}
        where = " AND ".join(f"{column} = ?" for column, value in filters.items() if value is not None)
        values = [value for value in filters.values() if value is not None]
        rows = (
            self._db.connection()
            .execute(
                "SELECT id, document, version FROM invoices WHERE id > ?"
                + (f" AND {where}" if where else "")
                + " ORDER BY id LIMIT ?",
                (after(cursor), *values, limit + 1),
            )
            .fetchall()
        )
        return page_of(rows, limit, _invoice, lambda row: row[0])

    def save(self, invoice: Invoice) -> Invoice:
        with self._db.transaction() as conn:
            return self._write(conn, invoice)

    def save_many(self, invoices: Sequence[Invoice]) -> None:
        if not invoices:
            return
        with self._db.transaction() as conn:  # one commit for them all; any refusal rolls every one back
            for invoice in invoices:
                self._put(conn, invoice)

    def drafts_due(self, *, period_end_before: datetime, limit: int, cursor: str | None = None) -> Page[Invoice]:
        last = after(cursor, [0, ""])
        rows = (
            self._db.connection()
            .execute(
                "SELECT period_end, id, document, version FROM invoices WHERE status = 'draft' AND period_end <= ?"
                " AND (period_end, id) > (?, ?) ORDER BY period_end, id LIMIT ?",
                (to_micros(period_end_before), last[0], last[1], limit + 1),
            )
            .fetchall()
        )
        return page_of(rows, limit, _invoice, lambda row: [row[0], row[1]])

    def finalize(
        self, invoice: Invoice, *, credit: CreditEntry | None, customer_version: int, number_prefix: str
    ) -> Invoice:
        with self._db.transaction() as conn:  # the counter moves only if everything else is written too
            advance_version(conn, invoice.customer_id, customer_version)
            if credit is not None:
                _append_or_stale(conn, credit)
            return self._write(conn, invoice.numbered(invoice_number(number_prefix, _next_number(conn))))

    def void(self, invoice: Invoice, *, credit: CreditEntry | None, customer_version: int) -> Invoice:
        with self._db.transaction() as conn:
            advance_version(conn, invoice.customer_id, customer_version)
            if credit is not None:
                _append_or_stale(conn, credit)
            return self._write(conn, invoice)

    def _write(self, conn: sqlite3.Connection, invoice: Invoice) -> Invoice:
        self._put(conn, invoice)
        return replace(invoice, version=invoice.version + 1)

    def _put(self, conn: sqlite3.Connection, invoice: Invoice) -> None:
        body = document(invoice_to_record(invoice))
        new_version = invoice.version + 1
        if invoice.version == 0:
            _insert(conn, invoice, body)
        else:
            updated = conn.execute(
                "UPDATE invoices SET status = ?, version = ?, document = ?, period_end = ?"
                " WHERE id = ? AND version = ?",
                (invoice.status.value, new_version, body, to_micros(invoice.period_end), invoice.id, invoice.version),
            ).rowcount
            if updated != 1:
                raise ConcurrentUpdate(f"invoice {invoice.id} changed since version {invoice.version}")


def _append_or_stale(conn: sqlite3.Connection, entry: CreditEntry) -> None:
    """An entry of an invoice's finalization or voiding: if it cannot be written, what we read is stale."""
    try:
        append_entry(conn, entry)
    except Conflict as error:
        raise ConcurrentUpdate(error.message) from None


def _next_number(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1)"
        " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
        (_INVOICE_NUMBERS,),
    ).fetchone()
    return int(row[0])


def _insert(conn: sqlite3.Connection, invoice: Invoice, body: str) -> None:
    # The table's only constraints are its id and (customer_id, period, issue): either refusal means the
    # invoice exists.
    inserted = conn.execute(
        "INSERT OR IGNORE INTO invoices (id, customer_id, period, issue, status, version, document, period_end)"
        " VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
        (
            invoice.id,
            invoice.customer_id,
            invoice.period,
            invoice.issue,
            invoice.status.value,
            body,
            to_micros(invoice.period_end),
        ),
    ).rowcount
    if inserted != 1:
        raise ConcurrentUpdate(
            f"an invoice for customer {invoice.customer_id}, period {invoice.period} and issue {invoice.issue}"
            " already exists"
        )
