"""SQLite prepaid-credit ledger: entries and the stored balance they move, in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal

from billing.adapters.records import credit_entry_from_record, credit_entry_to_record
from billing.adapters.sqlite.engine.database import Database
from billing.domain.credits import CreditEntry
from billing.domain.errors import Conflict, InsufficientCredit
from billing.domain.money import ZERO

_COLUMNS = ("id", "customer_id", "kind", "amount", "currency", "created_at", "description", "invoice_id")
_SELECT = (
    "SELECT entry_id, customer_id, kind, amount, currency, created_at, description, invoice_id FROM credit_entries"
)


def append_entry(conn: sqlite3.Connection, entry: CreditEntry) -> Decimal:
    """Append one entry and move its currency's balance, inside the caller's transaction; the new balance."""
    balance = current_balance(conn, entry.customer_id, entry.currency) + entry.amount
    if balance < ZERO:
        raise InsufficientCredit(f"customer {entry.customer_id} has not enough {entry.currency} credit")
    if conn.execute(
        "SELECT 1 FROM credit_entries WHERE customer_id = ? AND entry_id = ?", (entry.customer_id, entry.id)
    ).fetchone():
        raise Conflict(f"credit entry {entry.id} already exists")
    record = credit_entry_to_record(entry)
    conn.execute(
        "INSERT INTO credit_entries (entry_id, customer_id, kind, amount, currency, created_at, description,"
        " invoice_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        tuple(record[name] for name in _COLUMNS),
    )
    conn.execute(
        "INSERT INTO credit_balances (customer_id, currency, balance) VALUES (?, ?, ?)"
        " ON CONFLICT DO UPDATE SET balance = excluded.balance",
        (entry.customer_id, entry.currency, str(balance)),
    )
    return balance


def current_balance(conn: sqlite3.Connection, customer_id: str, currency: str) -> Decimal:
    row = conn.execute(
        "SELECT balance FROM credit_balances WHERE customer_id = ? AND currency = ?", (customer_id, currency)
    ).fetchone()
    return ZERO if row is None else Decimal(row[0])


class SqliteCredits:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, entry: CreditEntry) -> Decimal:
        with self._db.transaction() as conn:
            return append_entry(conn, entry)

    def entry(self, customer_id: str, entry_id: str) -> CreditEntry | None:
        row = (
            self._db.connection()
            .execute(f"{_SELECT} WHERE customer_id = ? AND entry_id = ?", (customer_id, entry_id))
            .fetchone()
        )
        return None if row is None else credit_entry_from_record(dict(zip(_COLUMNS, row, strict=True)))

    def entries(self, customer_id: str) -> list[CreditEntry]:
        rows = self._db.connection().execute(f"{_SELECT} WHERE customer_id = ? ORDER BY seq", (customer_id,))
        return [credit_entry_from_record(dict(zip(_COLUMNS, row, strict=True))) for row in rows]

    def balance(self, customer_id: str, currency: str) -> Decimal:
        return current_balance(self._db.connection(), customer_id, currency)

    def balances(self, accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
        wanted = dict.fromkeys(accounts, ZERO)
        customer_ids = list(dict.fromkeys(customer_id for customer_id, _ in wanted))
        if customer_ids:
            rows = self._db.connection().execute(
                "SELECT customer_id, currency, balance FROM credit_balances"
                f" WHERE customer_id IN ({','.join('?' * len(customer_ids))})",
                customer_ids,
            )
            for customer_id, currency, balance in rows:
                if (customer_id, currency) in wanted:
                    wanted[(customer_id, currency)] = Decimal(balance)
        return wanted
