"""The SQL functions every connection registers: exact arithmetic on decimal text (SQLite's own SUM goes
through floats and its MAX compares text as text) and the local day of an instant."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from billing.domain.exact import exact_add
from billing.domain.time import local_day_of


def register_sql_functions(conn: sqlite3.Connection) -> None:
    """dec_add(a, b), dec_max(a, b), local_day(ts, timezone), and the aggregates dec_sum(x), dec_max(x)."""
    conn.create_function("dec_add", 2, _dec_add, deterministic=True)
    conn.create_function("dec_max", 2, _dec_max, deterministic=True)
    conn.create_function("local_day", 2, local_day_of, deterministic=True)
    conn.create_aggregate("dec_sum", 1, _DecimalSum)  # type: ignore[arg-type]  # typeshed assumes int values
    conn.create_aggregate("dec_max", 1, _DecimalMax)  # type: ignore[arg-type]  # beside the scalar dec_max(a, b)


def _dec_add(left: str, right: str) -> str:
    return str(exact_add(Decimal(left), Decimal(right)))


def _dec_max(left: str, right: str) -> str:
    return str(max(Decimal(left), Decimal(right)))


class _DecimalMax:
    """SQL aggregate dec_max(text): the greatest decimal text, compared exactly (SQLite's MAX compares text as text)."""

    def __init__(self) -> None:
        self.greatest: Decimal | None = None

    def step(self, value: str) -> None:
        quantity = Decimal(value)
        if self.greatest is None or quantity > self.greatest:
            self.greatest = quantity

    def finalize(self) -> str | None:
        return None if self.greatest is None else str(self.greatest)


class _DecimalSum:
    """SQL aggregate dec_sum(text): the exact sum of decimal text (SQLite's SUM would go through float)."""

    def __init__(self) -> None:
        self.total = Decimal(0)

    def step(self, value: str) -> None:
        self.total = exact_add(self.total, Decimal(value))

    def finalize(self) -> str:
        return str(self.total)
