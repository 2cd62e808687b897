"""SQLite customers."""

from __future__ import annotations

import builtins
import sqlite3

from billing.adapters.records import customer_from_record, customer_to_record
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.engine.paging import after, page_of
from billing.domain.customers import Customer
from billing.domain.errors import ConcurrentUpdate, CustomerNotFound, DuplicateEmail, DuplicateExternalId
from billing.domain.paging import Page

_COLUMNS = "id, name, email, timezone, currency, plan_id, external_id, created_at, version"
_NAMES = tuple(name.strip() for name in _COLUMNS.split(","))  # the record keys, in _COLUMNS order


class SqliteCustomers:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, customer: Customer) -> None:
        # BEGIN IMMEDIATE serialises writers, so checking the unique keys first cannot race.
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM customers WHERE email_key = ?", (customer.email.lower(),)).fetchone():
                raise DuplicateEmail(customer.email)
            if (
                customer.external_id is not None
                and conn.execute("SELECT 1 FROM customers WHERE external_id = ?", (customer.external_id,)).fetchone()
            ):
                raise DuplicateExternalId(customer.external_id)
            record = customer_to_record(customer)
            conn.execute(
                "INSERT INTO customers (id, name, email, email_key, name_key, timezone, currency, plan_id,"
                " external_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record["id"],
                    record["name"],
                    record["email"],
                    customer.email.lower(),
                    customer.name.lower(),
                    record["timezone"],
                    record["currency"],
                    record["plan_id"],
                    record["external_id"],
                    record["created_at"],
                ),
            )

    def get(self, customer_id: str) -> Customer | None:
        return self._one("id = ?", customer_id)

    def get_by_external_id(self, external_id: str) -> Customer | None:
        return self._one("external_id = ?", external_id)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Customer]:
        rows = (
            self._db.connection()
            .execute(f"SELECT {_COLUMNS} FROM customers WHERE id > ? ORDER BY id LIMIT ?", (after(cursor), limit + 1))
            .fetchall()
        )
        return page_of(rows, limit, _from_row, lambda row: row[0])

    def search(self, text: str, *, limit: int) -> builtins.list[Customer]:
        prefix = text.lower()
        upper = prefix + "\U0010ffff"  # every string that starts with the prefix sorts below this
        rows = self._db.connection().execute(
            f"SELECT {_COLUMNS} FROM customers WHERE (name_key >= ? AND name_key < ?)"
            f" OR (email_key >= ? AND email_key < ?) ORDER BY name_key, id LIMIT ?",
            (prefix, upper, prefix, upper, limit),
        )
        return [_from_row(row) for row in rows]

    def set_plan(self, customer_id: str, plan_id: str, currency: str, *, expected_version: int) -> Customer:
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE customers SET plan_id = ?, currency = ?, version = version + 1 WHERE id = ? AND version = ?",
                (plan_id, currency, customer_id, expected_version),
            ).rowcount
            row = conn.execute(f"SELECT {_COLUMNS} FROM customers WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            raise CustomerNotFound(customer_id)
        if updated != 1:
            raise ConcurrentUpdate(f"customer {customer_id} changed since version {expected_version}")
        return _from_row(row)

    def _one(self, where: str, value: str) -> Customer | None:
        row = self._db.connection().execute(f"SELECT {_COLUMNS} FROM customers WHERE {where}", (value,)).fetchone()
        return None if row is None else _from_row(row)


def advance_version(conn: sqlite3.Connection, customer_id: str, expected_version: int) -> None:
    """Move the customer's version on inside the caller's transaction, if it is still `expected_version`."""
    updated = conn.execute(
        "UPDATE customers SET version = version + 1 WHERE id = ? AND version = ?", (customer_id, expected_version)
    ).rowcount
    if updated != 1:
        raise ConcurrentUpdate(f"customer {customer_id} changed since version {expected_version}")


def _from_row(row: tuple) -> Customer:
    record = dict(zip(_NAMES, row, strict=True))
    return customer_from_record(record, version=record["version"])
