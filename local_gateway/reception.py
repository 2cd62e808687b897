"""The gateway's front door: one thread that accepts connections and holds them until a request has arrived.

A worker thread used to own a connection from accept to close, so slow or silent clients starved everyone:
197 sockets sending one header line every 5 s (each line reset a 10 s read timeout), or 195 silent sockets,
held every worker, and fresh health checks waited in the listen backlog for a minute. Now:

- a connection costs a worker only once its request head, and its body when `Content-Length` announces one
  within the limit, has arrived: until then it is a file descriptor in this thread's selector;
- the head must arrive within `header_timeout_s` of the connection (or, on a kept-alive connection, of the
  first byte of the next request, which may take `idle_timeout_s` to come), the body within `body_timeout_s`
  of the head; a connection past its deadline is closed;
- connections are counted per client address: a new one over `max_connections_per_client` closes that
  address's longest-waiting connection that has not finished sending its request (a fresh client is served,
  a slow one pays), and over `max_connections` in all the longest-waiting one of anyone; when nothing can be
  closed that way (every connection of that address is being served), the new one is answered 503 and closed.

Anything the reception cannot judge (a chunked body, `Expect: 100-continue`, framing it does not understand,
an end of input) goes to a worker at once, whose request reader answers it as before (400, 408, 413, 501).
"""

from __future__ import annotations

import heapq
import itertools
import re
import selectors
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

_RECEIVE_BYTES = 65536
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*([0-9]{1,18})[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_DEFERRED_FRAMING = re.compile(rb"^(transfer-encoding|expect|content-length)[ \t]*:", re.IGNORECASE | re.MULTILINE)

Dispatch = Callable[[socket.socket, Any, bytes, float], None]  # (connection, address, bytes read, body deadline)


@dataclass(eq=False)
class _Waiting:
    connection: socket.socket
    address: Any
    deadline: float
    idle: bool  # kept alive, no byte of the next request yet
    received: bytearray = field(default_factory=bytearray)
    head_end: int | None = None  # offset just past the empty line, once the head is complete
    body_length: int = 0
    body_deadline: float = 0.0

    @property
    def client(self) -> str:
        return str(self.address[0])


class Reception:
    """The selector loop: accepts on `listener`, reads heads and bodies without blocking, hands complete
    requests to `dispatch` (which runs them on a worker and gives kept-alive connections back by `readmit`)."""

    def __init__(
        self,
        listener: socket.socket,
        dispatch: Dispatch,
        refusal: bytes,
        *,
        header_timeout_s: float,
        body_timeout_s: float,
        idle_timeout_s: float,
        max_body_bytes: int,
        max_head_bytes: int,
        max_request_line: int,
        max_connections: int,
        max_connections_per_client: int,
    ) -> None:
        self._listener = listener
        self._dispatch = dispatch
        self._refusal = refusal
        self._header_timeout_s = header_timeout_s
        self._body_timeout_s = body_timeout_s
        self._idle_timeout_s = idle_timeout_s
        self._max_body_bytes = max_body_bytes
        self._max_head_bytes = max_head_bytes
        self._max_request_line = max_request_line
        self._max_connections = max_connections
        self._max_per_client = max_connections_per_client
        self._selector = selectors.DefaultSelector()
        self._waiting: dict[socket.socket, _Waiting] = {}  # in arrival order: the first is the longest waiting
        self._deadlines: list[tuple[float, int, _Waiting]] = []
        self._sequence = itertools.count()
        self._open_per_client: Counter[str] = Counter()  # every open connection, waiting or being served
        self._open_lock = threading.Lock()
        self._readmitted: deque[tuple[socket.socket, Any, bytes]] = deque()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._stop = threading.Event()

    # -- from other threads ------------------------------------------------------------------------

    def readmit(self, connection: socket.socket, address: Any, leftover: bytes) -> None:
        """A worker is done with a kept-alive connection: wait for its next request (`leftover` is what the
        client already sent of it)."""
        if self._stop.is_set():
            self.close(connection, address)
            return
        self._readmitted.append((connection, address, leftover))
        self._wake()

    def close(self, connection: socket.socket, address: Any) -> None:
        """Close a connection (from a worker or from here) and stop counting it."""
        with suppress(OSError):
            connection.close()
        with self._open_lock:
            client = str(address[0])
            self._open_per_client[client] -= 1
            if self._open_per_client[client] <= 0:
                del self._open_per_client[client]

    def stop(self) -> None:
        self._stop.set()
        self._wake()

    def _wake(self) -> None:
        with suppress(OSError):
            self._wake_writer.send(b"\0")

    # -- the loop ----------------------------------------------------------------------------------

    def run(self) -> None:
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, "listener")
        self._selector.register(self._wake_reader, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(self._seconds_to_next_deadline()):
                    if key.data == "listener":
                        self._accept_all()
                    elif key.data == "wake":
                        with suppress(OSError):
                            self._wake_reader.recv(4096)
                        self._take_readmitted()
                    else:
                        self._receive(key.data)
                self._expire()
        finally:
            for waiting in list(self._waiting.values()):
                self._drop(waiting)
            while self._readmitted:
                connection, address, _ = self._readmitted.popleft()
                self.close(connection, address)
            self._selector.close()
            self._wake_reader.close()
            self._wake_writer.close()

    def _seconds_to_next_deadline(self) -> float:
        while self._deadlines and self._stale(self._deadlines[0]):
            heapq.heappop(self._deadlines)
        if not self._deadlines:
            return 1.0
        return min(1.0, max(0.0, self._deadlines[0][0] - time.monotonic()))

    def _stale(self, entry: tuple[float, int, _Waiting]) -> bool:
        deadline, _, waiting = entry
        return self._waiting.get(waiting.connection) is not waiting or waiting.deadline != deadline

    def _set_deadline(self, waiting: _Waiting, deadline: float) -> None:
        waiting.deadline = deadline
        heapq.heappush(self._deadlines, (deadline, next(self._sequence), waiting))

    def _expire(self) -> None:
        now = time.monotonic()
        while self._deadlines and (self._stale(self._deadlines[0]) or self._deadlines[0][0] <= now):
            _, _, waiting = heapq.heappop(self._deadlines)
            if self._waiting.get(waiting.connection) is not waiting or waiting.deadline > now:
                continue
            if waiting.head_end is not None:
                # The body stopped arriving: a worker answers 408 (its deadline has passed too).
                self._hand_over(waiting)
            else:
                self._drop(waiting)  # idle, or silent half-way through its head: nothing to answer

    # -- admission ---------------------------------------------------------------------------------

    def _accept_all(self) -> None:
        while True:
            try:
                connection, address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of file descriptors, say: the next select() tries again
                return
            self._admit(connection, address)

    def _admit(self, connection: socket.socket, address: Any) -> None:
        client = str(address[0])
        with self._open_lock:
            open_from_client = self._open_per_client[client]
            open_in_all = sum(self._open_per_client.values())
        if open_from_client >= self._max_per_client and not self._drop_longest_waiting(client):
            self._refuse(connection)
            return
        if open_in_all >= self._max_connections and not self._drop_longest_waiting(None):
            self._refuse(connection)
            return
        with self._open_lock:
            self._open_per_client[client] += 1
        now = time.monotonic()
        self._wait(_Waiting(connection, address, 0.0, idle=False), now + self._header_timeout_s)

    def _take_readmitted(self) -> None:
        while self._readmitted:
            connection, address, leftover = self._readmitted.popleft()
            waiting = _Waiting(connection, address, 0.0, idle=not leftover, received=bytearray(leftover))
            timeout = self._idle_timeout_s if waiting.idle else self._header_timeout_s
            self._wait(waiting, time.monotonic() + timeout)
            if not waiting.idle:
                self._check_complete(waiting)

    def _wait(self, waiting: _Waiting, deadline: float) -> None:
        try:
            waiting.connection.setblocking(False)
            self._selector.register(waiting.connection, selectors.EVENT_READ, waiting)
        except (OSError, ValueError):
            self.close(waiting.connection, waiting.address)
            return
        self._waiting[waiting.connection] = waiting
        self._set_deadline(waiting, deadline)

    def _drop_longest_waiting(self, client: str | None) -> bool:
        """Close the longest-waiting connection (of `client`, or of anyone) still sending its request."""
        for waiting in self._waiting.values():
            if client is None or waiting.client == client:
                self._drop(waiting)
                return True
        return False

    def _refuse(self, connection: socket.socket) -> None:
        with suppress(OSError):
            connection.setblocking(False)
            connection.send(self._refusal)
        with suppress(OSError):
            connection.close()

    # -- reading -----------------------------------------------------------------------------------

    def _receive(self, waiting: _Waiting) -> None:
        try:
            data = waiting.connection.recv(_RECEIVE_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(waiting)
            return
        if not data:  # the client closed its side: a worker answers what came, if a request came at all
            if waiting.head_end is not None or _head_end(waiting.received) is not None:
                self._hand_over(waiting)
            else:
                self._drop(waiting)
            return
        waiting.received += data
        if waiting.idle:
            waiting.idle = False
            self._set_deadline(waiting, time.monotonic() + self._header_timeout_s)
        self._check_complete(waiting)

    def _check_complete(self, waiting: _Waiting) -> None:
        if waiting.head_end is None:
            waiting.head_end = _head_end(waiting.received)
            if waiting.head_end is None:
                if _head_too_long(waiting.received, self._max_head_bytes, self._max_request_line):
                    self._hand_over(waiting)  # the worker answers 414 or 431
                return
            waiting.body_deadline = time.monotonic() + self._body_timeout_s
            body_length = self._body_to_wait_for(bytes(waiting.received[: waiting.head_end]))
            if body_length is None:
                self._hand_over(waiting)
                return
            waiting.body_length = body_length
            self._set_deadline(waiting, waiting.body_deadline)
        if len(waiting.received) >= waiting.head_end + waiting.body_length:
            self._hand_over(waiting)

    def _body_to_wait_for(self, head: bytes) -> int | None:
        """The body's length when the reception may wait for it (one plain Content-Length within the limit);
        None when a worker should take the request now."""
        framing = _DEFERRED_FRAMING.findall(head)
        lengths = _CONTENT_LENGTH.findall(head)
        if not framing:
            return 0
        if [name.lower() for name in framing] != [b"content-length"] or len(lengths) != 1:
            return None
        length = int(lengths[0])
        return length if length <= self._max_body_bytes else None

    def _hand_over(self, waiting: _Waiting) -> None:
        self._forget(waiting)
        try:
            waiting.connection.setblocking(True)
        except OSError:
            self.close(waiting.connection, waiting.address)
            return
        deadline = waiting.body_deadline or time.monotonic() + self._body_timeout_s
        self._dispatch(waiting.connection, waiting.address, bytes(waiting.received), deadline)

    def _drop(self, waiting: _Waiting) -> None:
        self._forget(waiting)
        self.close(waiting.connection, waiting.address)

    def _forget(self, waiting: _Waiting) -> None:
        self._waiting.pop(waiting.connection, None)
        with suppress(KeyError, ValueError, OSError):
            self._selector.unregister(waiting.connection)


def _head_end(data: bytearray) -> int | None:
    """The offset just past a complete request head (one empty line before it is allowed, RFC 9112 §2.2), or
    None while it is incomplete."""
    start = 2 if data.startswith(b"\r\n") else 1 if data.startswith(b"\n") else 0
    if data.startswith((b"\r\n", b"\n"), start):  # an empty request line: a worker answers 400
        return start + (2 if data.startswith(b"\r\n", start) else 1)
    ends = [found + len(end) for end in (b"\n\r\n", b"\n\n") if (found := data.find(end, start)) >= 0]
    return min(ends) if ends else None


def _head_too_long(data: bytearray, limit: int, line_limit: int) -> bool:
    """Past what a worker refuses anyway: a request line over `line_limit` (414), a head over `limit` (431)."""
    return len(data) > limit or (len(data) > line_limit + 2 and b"\n" not in data[: line_limit + 3])
