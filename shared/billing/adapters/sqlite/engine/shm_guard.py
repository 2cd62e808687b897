"""The guard that keeps a damaged -shm file (WAL mode's shared-memory index) from killing the process."""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from pathlib import Path

from billing.domain.errors import StorageUnavailable


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
