"""Connections, transactions and versioned migrations for the SQLite adapter.

Storage faults become one domain error here, whatever statement meets them: every connection is a
`_Connection` whose statements and fetches turn SQLite's "cannot serve" result codes (full, read-only,
I/O error, cannot open, busy) into `StorageUnavailable`, read from the exception's `sqlite_errorcode`,
never from its message. A transaction that fails is rolled back, so nothing is acknowledged that was not
committed, and a connection that met a read-only or unreadable file is reopened on next use, so the
service recovers once the file is fixed.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from billing.domain.errors import StorageUnavailable
from billing.domain.exact import exact_add
from billing.domain.time import local_day_of

_MIGRATIONS = resources.files("billing.adapters.sqlite") / "migrations"


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
_PRIVATE = 0o600  # the database, its -wal and -shm (SQLite gives those the database file's mode)
_PROBE_BYTES = 4096


def _unit_lost() -> StorageUnavailable:
    return StorageUnavailable("storage unavailable: the unit of work was rolled back; nothing of it was saved")


def storage_unavailable(error: sqlite3.Error) -> StorageUnavailable | None:
    """The domain error for a SQLite error that means the storage cannot serve, else None."""
    code = getattr(error, "sqlite_errorcode", None)
    reason = None if code is None else _UNAVAILABLE.get(code & 0xFF)
    return None if reason is None else StorageUnavailable(f"storage unavailable: {reason}")


class _Cursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise StorageUnavailable for storage faults.

    Iteration row by row is left to the C implementation (a Python __next__ costs a microsecond per row):
    execute() has already run the first step, where a fault of the read shows up."""

    connection: _Connection

    def _fault(self, error: sqlite3.Error) -> Exception:
        return self.connection.fault(error)

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise self._fault(error) from error

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> _Cursor:
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


class _Connection(sqlite3.Connection):
    """A connection that runs every statement through `_Cursor`, and remembers when it must be reopened."""

    needs_reopen = False

    def fault(self, error: sqlite3.Error) -> Exception:
        unavailable = storage_unavailable(error)
        if unavailable is None:
            return error
        if error.sqlite_errorcode & 0xFF in _REOPEN:
            self.needs_reopen = True
        return unavailable

    def cursor(self, factory: Any = None) -> _Cursor:  # type: ignore[override]
        return super().cursor(factory or _Cursor)

    # `_Cursor(self)`, not `self.cursor()`: one Python frame less per statement, and every request runs these.
    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        return _Cursor(self).execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Iterable[Any], /) -> _Cursor:
        return _Cursor(self).executemany(sql, seq_of_parameters)


class Database:
    """One connection per thread to one database file (Lambda runs one request at a time per
    container; the local gateway serves requests on threads)."""

    def __init__(self, path: Path, *, journal_mode: str = "WAL", busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self.journal_mode = journal_mode
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._open_connections: set[_Connection] = set()
        self._lock = threading.Lock()
        self._shm = SharedMemoryGuard(path) if journal_mode == "WAL" else None
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        _make_private(path)
        try:
            migrate(self.connection())
        except BaseException:
            self.close()  # not left to the garbage collector: the caller never gets this object to close
            raise
        if self._shm is not None:
            self._shm.seen()

    def connection(self) -> sqlite3.Connection:
        if self._shm is not None:
            self._shm.check()  # before SQLite touches a mapping that would kill the process
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is not None and conn.needs_reopen:
            self.close()
            conn = None
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._open_connections.add(conn)
        return conn

    def _open(self) -> _Connection:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, factory=_Connection)
            try:
                return self._configure(conn)
            except BaseException:
                # Closed here, not left to the garbage collector: while it stays open, SQLite lets this
                # process's next connection share its -shm mapping, and a database that turned read-only
                # would go on being served through it.
                conn.close()
                raise
        except sqlite3.Error as error:
            unavailable = storage_unavailable(error)
            if unavailable is None:
                raise
            raise unavailable from error

    def _configure(self, conn: _Connection) -> _Connection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the lock up front
        # instead of failing half-way when another process also wants to write.
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute(f"PRAGMA journal_mode = {self.journal_mode}")
        # NORMAL is durable across application crashes in WAL mode; EFS (DELETE journal) keeps FULL.
        conn.execute("PRAGMA synchronous = NORMAL" if self.journal_mode == "WAL" else "PRAGMA synchronous = FULL")
        # A unit of work's savepoints keep what they would roll back in a statement journal: in memory, not in
        # a temporary file written for every savepoint (their writes are small: one shard's invoices).
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.create_function("dec_add", 2, _dec_add, deterministic=True)
        conn.create_function("dec_max", 2, _dec_max, deterministic=True)
        conn.create_function("local_day", 2, local_day_of, deterministic=True)
        conn.create_aggregate("dec_sum", 1, _DecimalSum)  # type: ignore[arg-type]  # typeshed assumes int values
        conn.create_aggregate("dec_max", 1, _DecimalMax)  # type: ignore[arg-type]  # beside the scalar dec_max(a, b)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; on any error (COMMIT's own included) nothing of it stays.

        Inside a unit of work (`unit_of_work`) on this thread it is a SAVEPOINT of the unit's transaction
        instead: an error undoes its own writes only, and what it wrote is committed with the unit."""
        if getattr(self._local, "units", 0):
            with self._savepoint() as conn:
                yield conn
            return
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        finally:
            if self._shm is not None:
                self._shm.seen()

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One transaction for every write made on this thread until it ends (each a savepoint of it), so
        that many small writes cost one commit; on any error nothing of it stays. Nested units join the
        outermost one."""
        if getattr(self._local, "units", 0):
            self._local.units += 1
            try:
                yield
            finally:
                self._local.units -= 1
            return
        with self.transaction() as conn:
            self._local.units = 1
            try:
                yield
            finally:
                self._local.units = 0
            # SQLite rolled it back itself (a full disk, an I/O error) or the connection was reopened after a fault:
            # nothing of it is left to commit.
            if getattr(self._local, "conn", None) is not conn or not conn.in_transaction:
                raise _unit_lost()

    @contextmanager
    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        conn = self.connection()
        if not conn.in_transaction:  # the unit's transaction is gone: never write outside it
            raise _unit_lost()
        conn.execute("SAVEPOINT unit")
        try:
            yield conn
            conn.execute("RELEASE unit")
        except BaseException:
            if conn.in_transaction:
                with suppress(sqlite3.Error, StorageUnavailable):
                    conn.execute("ROLLBACK TO unit")
                    conn.execute("RELEASE unit")
            raise

    def check(self) -> None:
        """A cheap probe for health checks; raises StorageUnavailable naming what is wrong.

        Reads the schema, takes the write lock and writes a table that is rolled back (a read-only file
        fails there), compares the page count with the database's page limit, and writes a
        page-sized file next to the database (a full disk, a file-size limit or a read-only filesystem
        fail there: SQLite itself would only meet them when the WAL next grows).
        """
        conn = self.connection()
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE storage_probe (id INTEGER)")
        finally:
            _rollback(conn)
        pages, limit = (conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "max_page_count"))
        if pages >= limit:
            raise StorageUnavailable("storage unavailable: the database is full (page limit reached)")
        self._probe_file()

    def _probe_file(self) -> None:
        probe = self.path.with_name(f".{self.path.name}.probe-{os.getpid()}-{threading.get_ident()}")
        try:
            descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE)
            try:
                # No fsync: a filesystem reserves the space at write() (ENOSPC, EFBIG come from here), and an
                # fsync per health check would cost milliseconds.
                if os.write(descriptor, b"\0" * _PROBE_BYTES) < _PROBE_BYTES:  # the space ran out half-way
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            finally:
                os.close(descriptor)
        except OSError as error:
            raise StorageUnavailable(
                f"storage unavailable: cannot write next to the database ({error.strerror})"
            ) from error
        finally:
            with suppress(OSError):
                probe.unlink()

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        with suppress(sqlite3.Error):
            conn.close()
        self._local.conn = None
        with self._lock:
            self._open_connections.discard(conn)
            if not self._open_connections and self._shm is not None:
                self._shm.forget()  # the mapping is gone with the last connection


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may already have rolled back by itself (a full disk or an I/O error during COMMIT does that), or
    # the connection may have been closed after a fault (in_transaction then raises ProgrammingError).
    with suppress(sqlite3.Error, StorageUnavailable):
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _make_private(path: Path) -> None:
    """Create the database file readable by its owner only, or make an existing one so (SQLite creates the
    -wal and -shm files with the database file's mode)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, _PRIVATE)
    except OSError as error:
        raise StorageUnavailable(
            f"storage unavailable: the database file cannot be opened ({error.strerror})"
        ) from error
    try:
        file_mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
        if file_mode & 0o077:  # group and others lose their access; a read-only file stays read-only
            with suppress(PermissionError):  # not ours to change: it stays as its owner set it
                os.fchmod(descriptor, file_mode & 0o700)
    finally:
        os.close(descriptor)


class SharedMemoryGuard:
    """Keeps a damaged -shm file from killing the process.

    In WAL mode SQLite maps the -shm file into memory (mmap). If that file shrinks under a running process
    (truncated or overwritten in place, or truncated by another process that opens it while we mapped it
    read-only and so held no lock that stops it), the next access to the mapping kills the whole process
    with SIGBUS: no exception, no answer, every request in flight lost.

    So before each use of the database:
    - a -shm file this process cannot write gets the database file's mode back, as SQLite created it; if the
      database itself is read-only, or the -shm is not ours to change, the database is refused (SQLite would
      map the -shm read-only);
    - a -shm file smaller than what SQLite mapped is grown back to that size at once (zero-filled, as SQLite
      itself creates it: SQLite then rebuilds the index from the WAL) and that request is refused;
    - a -shm file replaced by another file is refused until the process restarts (two processes would
      otherwise index the same WAL in two places).
    Refused means StorageUnavailable, a 503 with the reason.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = str(database.with_name(database.name + "-shm"))  # text: a Path costs an fspath per stat
        self._mapped: tuple[int, int, int] | None = None  # (device, inode, size) while in use
        self._writable_as: tuple[int, int, int, int] | None = None  # (inode, uid, gid, mode) last found writable

    def check(self) -> None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return  # created by SQLite on first use, with the database file's mode
        if self._mapped is not None:
            device, inode, size = self._mapped
            if (info.st_dev, info.st_ino) != (device, inode):
                raise StorageUnavailable(
                    "storage unavailable: the database's -shm file was replaced while in use; restart the service"
                )
            if info.st_size < size:
                self._grow_back(size)
        # access() only when the file's owner or mode changed since it was last found writable (a stat is cheap,
        # and this runs before every use of the database).
        identity = (info.st_ino, info.st_uid, info.st_gid, info.st_mode)
        if identity != self._writable_as:
            if not os.access(self.path, os.W_OK):
                self._make_writable()
            self._writable_as = identity

    def _make_writable(self) -> None:
        """A -shm we cannot write takes the database file's mode back (SQLite creates it with that mode), or
        the database is refused: a read-only mapping would hold no lock against another process truncating it."""
        if not os.access(self.database, os.W_OK):
            raise StorageUnavailable("storage unavailable: the database is read-only")
        with suppress(OSError):  # not ours: it stays read-only, and refused
            os.chmod(self.path, stat.S_IMODE(os.stat(self.database).st_mode))
        if not os.access(self.path, os.W_OK):
            raise StorageUnavailable("storage unavailable: the database's -shm file is read-only")

    def _grow_back(self, size: int) -> None:
        try:
            os.truncate(self.path, size)
        except OSError as error:
            raise StorageUnavailable(
                f"storage unavailable: the database's -shm file was truncated while in use and cannot be restored"
                f" ({error.strerror}); restart the service"
            ) from error
        raise StorageUnavailable("storage unavailable: the database's -shm file was truncated while in use; restored")

    def forget(self) -> None:
        self._mapped = None

    def seen(self) -> None:
        """Remember the -shm file SQLite is using (after a transaction: it only grows while in use)."""
        with suppress(FileNotFoundError):
            info = os.stat(self.path)
            if self._mapped is None or self._mapped[:2] == (info.st_dev, info.st_ino):
                self._mapped = (info.st_dev, info.st_ino, max(info.st_size, self._mapped[2] if self._mapped else 0))


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
