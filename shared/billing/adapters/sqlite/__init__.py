"""The SQLite adapter: the embedded default backend, on a local disk (WAL) or on EFS (DELETE journal)."""

from billing.adapters.sqlite.storage import SqliteStorage

__all__ = ["SqliteStorage"]
