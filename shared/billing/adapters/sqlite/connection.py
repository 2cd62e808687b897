"""Connections, transactions and versioned migrations for the SQLite adapter."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from importlib import resources
from pathlib import Path

from billing.domain.exact import exact_add
from billing.domain.time import local_day_of

_MIGRATIONS = resources.files("billing.adapters.sqlite") / "migrations"


def _dec_add(left: str, right: str) -> str:
    return str(exact_add(Decimal(left), Decimal(right)))


def _dec_max(left: str, right: str) -> str:
    return str(max(Decimal(left), Decimal(right)))


class _DecimalSum:
    """SQL aggregate dec_sum(text): the exact sum of decimal text (SQLite's SUM would go through float)."""

    def __init__(self) -> None:
        self.total = Decimal(0)

    def step(self, value: str) -> None:
        self.total = exact_add(self.total, Decimal(value))

    def finalize(self) -> str:
        return str(self.total)


class Database:
    """One connection per thread to one database file (Lambda runs one request at a time per
    container; the local gateway serves requests on threads)."""

    def __init__(self, path: Path, *, journal_mode: str = "WAL", busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self.journal_mode = journal_mode
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        migrate(self.connection())

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the lock up front
        # instead of failing half-way when another process also wants to write.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute(f"PRAGMA journal_mode = {self.journal_mode}")
        # NORMAL is durable across application crashes in WAL mode; EFS (DELETE journal) keeps FULL.
        conn.execute("PRAGMA synchronous = NORMAL" if self.journal_mode == "WAL" else "PRAGMA synchronous = FULL")
        conn.create_function("dec_add", 2, _dec_add, deterministic=True)
        conn.create_function("dec_max", 2, _dec_max, deterministic=True)
        conn.create_function("local_day", 2, local_day_of, deterministic=True)
        conn.create_aggregate("dec_sum", 1, _DecimalSum)  # type: ignore[arg-type]  # typeshed assumes int values
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _migration_files() -> list[tuple[int, str]]:
    files = [entry for entry in _MIGRATIONS.iterdir() if entry.name.endswith(".sql")]
    return sorted((int(entry.name.split("_", 1)[0]), entry.read_text()) for entry in files)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply the migrations newer than the database's user_version, each in its own transaction.

    BEGIN IMMEDIATE serialises concurrent cold starts: the second one sees the new version and skips.
    """
    for version, script in _migration_files():
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= version:
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]
