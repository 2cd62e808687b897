"""The SQLite database: one connection per thread, transactions and units of work, a health probe.

A transaction that fails is rolled back, so nothing is acknowledged that was not committed; a connection whose
statements met a fault that calls for it (engine/faults.py) is reopened on next use.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from billing.adapters.sqlite.engine.faults import FaultMappingConnection, storage_unavailable
from billing.adapters.sqlite.engine.migrate import migrate
from billing.adapters.sqlite.engine.shm_guard import SharedMemoryGuard
from billing.adapters.sqlite.engine.sql_functions import register_sql_functions
from billing.domain.errors import StorageUnavailable

_PRIVATE = 0o600  # the database, its -wal and -shm (SQLite gives those the database file's mode)
_PROBE_BYTES = 4096


def _unit_lost() -> StorageUnavailable:
    return StorageUnavailable("storage unavailable: the unit of work was rolled back; nothing of it was saved")


class Database:
    """One connection per thread to one database file (Lambda runs one request at a time per
    container; the local gateway serves requests on threads)."""

    def __init__(self, path: Path, *, journal_mode: str = "WAL", busy_timeout_ms: int = 10_000) -> None:
        self.path = path
        self.journal_mode = journal_mode
        self.busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._open_connections: set[FaultMappingConnection] = set()
        self._lock = threading.Lock()
        self._shm = SharedMemoryGuard(path) if journal_mode == "WAL" else None
        self._writable_as: tuple[int, int, int, int] | None = None  # (inode, uid, gid, mode) last found writable
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
        conn: FaultMappingConnection | None = getattr(self._local, "conn", None)
        if conn is not None and conn.needs_reopen:
            self.close()
            conn = None
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._open_connections.add(conn)
        return conn

    def _open(self) -> FaultMappingConnection:
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, factory=FaultMappingConnection
            )
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

    def _configure(self, conn: FaultMappingConnection) -> FaultMappingConnection:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the lock up front
        # instead of failing half-way when another process also wants to write.
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        conn.execute(f"PRAGMA journal_mode = {self.journal_mode}")
        # NORMAL is durable across application crashes in WAL mode; EFS (DELETE journal) keeps FULL.
        conn.execute("PRAGMA synchronous = NORMAL" if self.journal_mode == "WAL" else "PRAGMA synchronous = FULL")
        # A unit of work's savepoints keep what they would roll back in a statement journal: in memory, not in
        # a temporary file written for every savepoint (their writes are small: one shard's invoices).
        conn.execute("PRAGMA temp_store = MEMORY")
        register_sql_functions(conn)
        return conn

    def _writer(self) -> sqlite3.Connection:
        """This thread's connection, for a write: refused when the database file is not writable by this
        process any more (chmod, a read-only remount). A connection opened before keeps writing through its open
        descriptor and one opened after cannot, so without this check writes succeeded or failed by thread and
        health answered for its own thread only; now every write and the health probe say the same."""
        try:
            info = os.stat(self.path)
        except OSError as error:
            raise StorageUnavailable(
                f"storage unavailable: the database file cannot be opened ({error.strerror})"
            ) from error
        identity = (info.st_ino, info.st_uid, info.st_gid, info.st_mode)
        if identity != self._writable_as:
            if not os.access(self.path, os.W_OK):
                self.close()  # a connection SQLite opened read-only stays so: the next one opens afresh
                raise StorageUnavailable("storage unavailable: the database is read-only")
            self._writable_as = identity
        return self.connection()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; on any error (COMMIT's own included) nothing of it stays.

        Inside a unit of work (`unit_of_work`) on this thread it is a SAVEPOINT of the unit's transaction
        instead: an error undoes its own writes only, and what it wrote is committed with the unit."""
        if getattr(self._local, "units", 0):
            with self._savepoint() as conn:
                yield conn
            return
        conn = self._writer()
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
        conn = self._writer()
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
