"""SQLite prepaid-credit ledger."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal

from billing.adapters.sqlite.connection import Database
from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.errors import Conflict
from billing.domain.money import ZERO

_COLUMNS = "entry_id, customer_id, kind, amount, currency, created_at, description, invoice_id"


def insert_entry(conn: sqlite3.Connection, entry: CreditEntry) -> None:
    """Append one entry inside the caller's transaction."""
    try:
        conn.execute(
            f"INSERT INTO credit_entries ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                entry.customer_id,
                entry.kind.value,
                str(entry.amount),
                entry.currency,
                entry.created_at.isoformat(),
                entry.description,
                entry.invoice_id,
            ),
        )
    except sqlite3.IntegrityError:
        raise Conflict(f"credit entry {entry.id} already exists") from None


def balance(conn: sqlite3.Connection, customer_id: str, currency: str) -> Decimal:
    rows = conn.execute(
        "SELECT amount FROM credit_entries WHERE customer_id = ? AND currency = ?", (customer_id, currency)
    )
    return sum((Decimal(amount) for (amount,) in rows), ZERO)


class SqliteCredits:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, entry: CreditEntry) -> None:
        with self._db.transaction() as conn:
            insert_entry(conn, entry)

    def entries(self, customer_id: str) -> list[CreditEntry]:
        rows = self._db.connection().execute(
            f"SELECT {_COLUMNS} FROM credit_entries WHERE customer_id = ? ORDER BY seq", (customer_id,)
        )
        return [_entry(row) for row in rows]

    def balance(self, customer_id: str, currency: str) -> Decimal:
        return balance(self._db.connection(), customer_id, currency)


def _entry(row: tuple) -> CreditEntry:
    entry_id, customer_id, kind, amount, currency, created_at, description, invoice_id = row
    return CreditEntry(
        id=entry_id,
        customer_id=customer_id,
        kind=CreditKind(kind),
        amount=Decimal(amount),
        currency=currency,
        created_at=datetime.fromisoformat(created_at),
        description=description,
        invoice_id=invoice_id,
    )
