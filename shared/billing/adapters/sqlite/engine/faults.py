"""Storage faults become one domain error here, whatever statement meets them.

Every connection is a `FaultMappingConnection`, whose statements and fetches turn SQLite's "cannot serve" result
codes (full, read-only, I/O error, cannot open, busy) into `StorageUnavailable`, read from the exception's
`sqlite_errorcode`, never from its message. A connection that met a read-only or unreadable file asks to be
reopened on next use, so the service recovers once the file is fixed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from billing.domain.errors import StorageUnavailable

# Primary result codes (the low byte of the extended code) meaning "the storage cannot serve now", and what
# the client is told. Constraint violations and SQL errors are not among them: those are bugs or domain errors.
_UNAVAILABLE = {
    sqlite3.SQLITE_FULL: "the disk or the database is full",
    sqlite3.SQLITE_READONLY: "the database is read-only",
    sqlite3.SQLITE_IOERR: "disk I/O error",
    sqlite3.SQLITE_CANTOPEN: "the database file cannot be opened",
    sqlite3.SQLITE_PERM: "access to the database file is denied",
    sqlite3.SQLITE_BUSY: "the database stayed locked by another writer",
    sqlite3.SQLITE_LOCKED: "the database stayed locked by another writer",
}
# After these, the connection is reopened on next use: SQLite keeps a file it opened read-only read-only.
_REOPEN = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM}


def storage_unavailable(error: sqlite3.Error) -> StorageUnavailable | None:
    """The domain error for a SQLite error that means the storage cannot serve, else None."""
    code = getattr(error, "sqlite_errorcode", None)
    reason = None if code is None else _UNAVAILABLE.get(code & 0xFF)
    return None if reason is None else StorageUnavailable(f"storage unavailable: {reason}")


class FaultMappingCursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise StorageUnavailable for storage faults.

    Iteration row by row is left to the C implementation (a Python __next__ costs a microsecond per row):
    execute() has already run the first step, where a fault of the read shows up."""

    connection: FaultMappingConnection

    def _fault(self, error: sqlite3.Error) -> Exception:
        return self.connection.fault(error)

    def execute(self, sql: str, parameters: Any = (), /) -> FaultMappingCursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise self._fault(error) from error

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> FaultMappingCursor:
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as error:
            raise self._fault(error) from error

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as error:
            raise self._fault(error) from error

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.Error as error:
            raise self._fault(error) from error

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as error:
            raise self._fault(error) from error


class FaultMappingConnection(sqlite3.Connection):
    """A connection that runs every statement through `FaultMappingCursor`, and remembers when it must be reopened."""

    needs_reopen = False

    def fault(self, error: sqlite3.Error) -> Exception:
        unavailable = storage_unavailable(error)
        if unavailable is None:
            return error
        if error.sqlite_errorcode & 0xFF in _REOPEN:
            self.needs_reopen = True
        return unavailable

    def cursor(self, factory: Any = None) -> FaultMappingCursor:  # type: ignore[override]
        return super().cursor(factory or FaultMappingCursor)

    # `FaultMappingCursor(self)`, not `self.cursor()`: one Python frame less per statement (every request runs these).
    def execute(self, sql: str, parameters: Any = (), /) -> FaultMappingCursor:
        return FaultMappingCursor(self).execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> FaultMappingCursor:
        return FaultMappingCursor(self).executemany(sql, seq_of_parameters)
