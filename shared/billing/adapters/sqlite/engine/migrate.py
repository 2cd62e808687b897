"""The migrations runner: `migrations/NNNN_name.sql` in order; the database's version is its user_version."""

from __future__ import annotations

import sqlite3
from importlib import resources

_MIGRATIONS = resources.files("billing.adapters.sqlite") / "migrations"


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
