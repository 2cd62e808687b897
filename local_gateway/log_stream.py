"""Output that cannot fail a request: the gateway's stdout and stderr when its logs go to a file on a full disk,
a closed pipe or /dev/full.

Every line the process prints (the access log, the handlers' JSON logs, Powertools' metrics, tracebacks) goes
through `sys.stdout` / `sys.stderr`. A write that raises there used to escape into the request being served:
the connection closed with no answer. `guard_standard_streams()` puts a `DropCountingStream` in front of both:
a line its destination refuses is dropped and counted, and the next line that gets through says how many were
lost and why.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from contextlib import suppress
from typing import TextIO


class DropCountingStream(io.TextIOBase):
    """A line-oriented text stream writing straight to a file descriptor; never raises on write.

    Unbuffered on purpose: a buffered writer keeps what it could not write and fails again on every later
    write; here a refused write loses only its own text."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self._target = target
        self._descriptor = target.fileno()
        self._lock = threading.Lock()
        self.dropped = 0
        self.last_error: OSError | None = None

    @property
    def encoding(self) -> str:
        return "utf-8"

    @property
    def errors(self) -> str:
        return "backslashreplace"

    def fileno(self) -> int:
        return self._descriptor

    def isatty(self) -> bool:
        return os.isatty(self._descriptor)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data = text.encode("utf-8", "backslashreplace")
        with self._lock:
            if self.dropped:
                if not self._write_all(self._drop_report()):
                    self.dropped += _lines(data)
                    return len(text)
                self.dropped = 0
            if not self._write_all(data):
                self.dropped += _lines(data)
            return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def _drop_report(self) -> bytes:
        record = {
            "level": "WARNING",
            "logger": "local_gateway",
            "message": f"{self.dropped} log lines dropped: {self.last_error}",
        }
        return (json.dumps(record) + "\n").encode()

    def _write_all(self, data: bytes) -> bool:
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._descriptor, view) :]
        except OSError as error:
            self.last_error = error
            return False
        return True


def _lines(data: bytes) -> int:
    return max(1, data.count(b"\n"))


def guard_standard_streams() -> None:
    """Put a DropCountingStream in front of sys.stdout and sys.stderr (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, DropCountingStream):
            continue
        with suppress(OSError):  # what it held is lost either way
            stream.flush()
        setattr(sys, name, DropCountingStream(stream))
