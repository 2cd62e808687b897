"""HTTP/1.1 transport of the local gateway: sockets in, `GatewayRequest` to the gateway, one write out.

What it guarantees, as API Gateway's front door does:

- each response leaves in one write (status line, headers and body together) on a socket with
  TCP_NODELAY, so a request on a kept-alive connection costs the handler's time, not a delayed ACK;
- a reception thread (local_gateway/reception.py) that holds every connection until its request has arrived,
  within a deadline for the head and one for the body, and bounds the connections open per client address and
  in all; only then a worker of a bounded pool (`max_workers`) serves the request, so slow or silent clients
  cost a file descriptor each, never a worker;
- an answer to every malformed request: 400 for a bad request line or framing header, 413 for a body over
  `max_body_bytes` (decided from Content-Length before reading it; a chunked body stops being read as soon
  as it passes the limit), 408 for a body that stops arriving, 501 for an unknown transfer coding;
- no `Server` header (nothing that names the Python version), `X-Content-Type-Options: nosniff` on every
  response.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from local_gateway.reception import Reception
from local_gateway.responses import GatewayResponse, gateway_message, internal_server_error

MAX_BODY_BYTES = 1024 * 1024  # 1 MiB
MAX_WORKERS = 32
HEADER_TIMEOUT_S = 10.0  # for a request's whole head, from the connection (or the first byte of a kept-alive one)
BODY_TIMEOUT_S = 10.0  # for a request's whole body, from the end of its head
IDLE_TIMEOUT_S = 15.0  # waiting for the next request on a kept-alive connection
MAX_CONNECTIONS = 1024  # open at once, waiting or served
MAX_CONNECTIONS_PER_CLIENT = 64  # open at once from one client address
MAX_REQUEST_LINE = 16 * 1024
MAX_HEAD_BYTES = MAX_REQUEST_LINE + 64 * 1024  # past this a worker takes the request (and answers 431)
_MAX_CHUNK_LINE = 1024
_MAX_TRAILER_LINES = 100
_LINGER_S = 1.0  # how long a refused body may keep arriving after the answer (so the client reads it)

# Connection-level headers end at the gateway; API Gateway does not forward them.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_PHRASES = {status.value: status.phrase for status in HTTPStatus}
_DIGITS = re.compile(r"[0-9]{1,18}")
_HEX = re.compile(r"[0-9A-Fa-f]{1,15}")


@dataclass(frozen=True)
class IncomingRequest:
    """A request as read off the wire: framing checked, hop-by-hop headers kept (the gateway drops them)."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes | None
    client_ip: str
    server_port: int


@dataclass(frozen=True)
class Limits:
    max_workers: int = MAX_WORKERS  # requests served at once
    max_body_bytes: int = MAX_BODY_BYTES
    header_timeout_s: float = HEADER_TIMEOUT_S
    body_timeout_s: float = BODY_TIMEOUT_S
    idle_timeout_s: float = IDLE_TIMEOUT_S
    max_connections: int = MAX_CONNECTIONS
    max_connections_per_client: int = MAX_CONNECTIONS_PER_CLIENT


DEFAULT_LIMITS = Limits()
Serve = Callable[[IncomingRequest], GatewayResponse]


def worker_thread_prefix(port: int) -> str:
    """The names of the worker threads of the gateway listening on `port`."""
    return f"local-gateway-worker:{port}_"


def log(message: str) -> None:
    # Looked up at each call, so that test capture and redirections see it. A log destination that fails (a
    # full disk) loses the line, never the answer (`python -m local_gateway` also counts what it drops).
    with suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


def log_error(message: str, *, exception: bool = False) -> None:
    """One JSON line, traceback included as a field: never multi-line text in the log."""
    record: dict[str, Any] = {"level": "ERROR", "logger": "local_gateway", "message": message}
    if exception:
        record["exception"] = traceback.format_exc()
    log(json.dumps(record))


def response_bytes(response: GatewayResponse, *, close: bool, include_body: bool = True) -> bytes:
    """Status line, headers and body, to leave in one write."""
    lines = [f"HTTP/1.1 {response.status} {_PHRASES.get(response.status, '')}".rstrip()]
    lines += [f"{name}: {value}" for name, value in response.headers if name.lower() not in HOP_BY_HOP]
    if response.header("x-content-type-options") is None:
        lines.append("x-content-type-options: nosniff")
    lines.append(f"date: {formatdate(usegmt=True)}")
    lines.append(f"content-length: {len(response.body)}")
    if close:
        lines.append("connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + response.body if include_body else head


class Refused(Exception):
    """The request cannot be served; `response` says why. The connection closes after it."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.response = gateway_message(status, status.phrase)
        self.reason = reason


class GatewayHTTPServer(socketserver.TCPServer):
    """A TCP server whose reception (local_gateway.reception) holds connections until a request has arrived,
    then hands it to a bounded pool of worker threads."""

    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], serve: Serve, limits: Limits = DEFAULT_LIMITS) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.serve = serve
        self.limits = limits
        self._served: dict[socket.socket, Any] = {}  # connections a worker holds, with their address
        self._served_lock = threading.Lock()
        self._closing = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        super().__init__(address, _RequestHandler, bind_and_activate=False)
        try:
            self.server_bind()
            self.server_activate()
        except OSError:
            self.socket.close()  # not server_close(): nothing else exists yet
            raise
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self._workers = ThreadPoolExecutor(
            limits.max_workers, thread_name_prefix=worker_thread_prefix(self.server_port)
        )
        self.reception = Reception(
            self.socket,
            self._dispatch,
            response_bytes(gateway_message(HTTPStatus.SERVICE_UNAVAILABLE, "Service Unavailable"), close=True),
            header_timeout_s=limits.header_timeout_s,
            body_timeout_s=limits.body_timeout_s,
            idle_timeout_s=limits.idle_timeout_s,
            max_body_bytes=limits.max_body_bytes,
            max_head_bytes=MAX_HEAD_BYTES,
            max_request_line=MAX_REQUEST_LINE,
            max_connections=limits.max_connections,
            max_connections_per_client=limits.max_connections_per_client,
        )

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """The reception's loop, until `shutdown()`."""
        self._stopped.clear()
        try:
            self.reception.run()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self.reception.stop()
        self._stopped.wait()

    def _dispatch(self, connection: socket.socket, client_address: Any, received: bytes, deadline: float) -> None:
        try:
            self._workers.submit(self._serve_request, connection, client_address, received, deadline)
        except RuntimeError:  # shutting down
            self.reception.close(connection, client_address)

    def _serve_request(self, connection: socket.socket, client_address: Any, received: bytes, deadline: float) -> None:
        keep, leftover = False, b""
        with self._served_lock:
            self._served[connection] = client_address
        try:
            handler = _RequestHandler(connection, client_address, self, _RequestReader(connection, received, deadline))
            keep = not handler.close_connection and not self._closing.is_set()
            leftover = handler.rfile.leftover() if keep else b""
        except Exception:
            self.handle_error(connection, client_address)
        finally:
            with self._served_lock:
                self._served.pop(connection, None)
        if keep:
            self.reception.readmit(connection, client_address, leftover)
            return
        with suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        self.reception.close(connection, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log_error(f"connection from {client_address[0]} failed", exception=True)

    def begin_close(self) -> None:
        """Stop keeping connections alive, so that `shutdown()` and `server_close()` return promptly."""
        self._closing.set()

    def server_close(self) -> None:
        self._closing.set()
        super().server_close()
        with self._served_lock:
            served = list(self._served)
        for connection in served:  # a worker waiting on a slow body: wake it up
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._workers.shutdown(wait=True)


class _RequestReader:
    """What a worker reads one request from: the bytes the reception received, then the socket, every read
    bounded by the request's deadline (`body_timeout_s` after its head). Only what http.server and the body
    reader call: `readline(limit)`, `read(size)`."""

    def __init__(self, connection: socket.socket, received: bytes, deadline: float) -> None:
        self._connection = connection
        self._buffer = bytearray(received)
        self._deadline = deadline

    def _fill(self) -> bool:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._connection.settimeout(remaining)
        chunk = self._connection.recv(65536)
        self._buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        return taken

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0 and (limit < 0 or end < limit):
                return self._take(end + 1)
            if 0 <= limit <= len(self._buffer):
                return self._take(limit)
            if not self._fill():
                return self._take(len(self._buffer))

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and self._fill():
            pass
        return self._take(len(self._buffer) if size < 0 else size)

    def leftover(self) -> bytes:
        """What the client sent past this request (a pipelined next one)."""
        return self._take(len(self._buffer))

    def close(self) -> None:
        """The connection outlives the request: nothing to close."""


class _RequestHandler(BaseHTTPRequestHandler):
    """One request on a connection; the server gives kept-alive connections back to the reception."""

    protocol_version = "HTTP/1.1"
    server: GatewayHTTPServer
    rfile: _RequestReader  # type: ignore[assignment]

    def __init__(
        self, connection: socket.socket, client_address: Any, server: GatewayHTTPServer, reader: _RequestReader
    ) -> None:
        self._reader = reader
        super().__init__(connection, client_address, server)

    def setup(self) -> None:
        self.connection = self.request
        # TCP_NODELAY: a response never waits for the client's delayed ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        self.rfile = self._reader
        self.wfile = socketserver._SocketWriter(self.connection)  # type: ignore[attr-defined]
        self._linger = False  # a refused body may still be arriving: drain it before closing

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        if self._linger:
            self._drain()

    def handle_one_request(self) -> None:
        try:
            line = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if line in (b"\r\n", b"\n"):  # RFC 9112 §2.2: ignore an empty line before a request
                line = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if not line:
                self.close_connection = True
                return
            self.raw_requestline = line
            if len(line) > MAX_REQUEST_LINE:
                self._prepare_error_state()
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self._parse():
                return
            if self.command not in METHODS:
                self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"method {self.command!r}")
                return
            self._serve()
        except TimeoutError:
            self.close_connection = True  # the head stopped arriving: nothing to answer
        except ConnectionError:
            self.close_connection = True

    def _prepare_error_state(self) -> None:
        self.command, self.requestline, self.request_version = "", "", "HTTP/1.1"

    def _parse(self) -> bool:
        """The request line and headers; False once a 400/431/505 has been sent."""
        if not self.raw_requestline.strip():
            self._prepare_error_state()
            self.send_error(HTTPStatus.BAD_REQUEST, "empty request line")
            return False
        if not self.parse_request():  # sends its own errors through send_error below
            return False
        if self.request_version == self.default_request_version:  # "GET /": HTTP/0.9, which we do not speak
            self.send_error(HTTPStatus.BAD_REQUEST, "no HTTP version in the request line")
            return False
        if not self.path.startswith("/"):
            self.send_error(HTTPStatus.BAD_REQUEST, "the request target is not a path")
            return False
        return True

    def handle_expect_100(self) -> bool:
        # Refuse an oversize body before the client sends it, instead of inviting it with 100 Continue.
        try:
            self._declared_length()
        except Refused as refused:
            self._refuse(refused)
            return False
        return super().handle_expect_100()

    def _serve(self) -> None:
        started = time.perf_counter()
        try:
            request = self._incoming_request()
        except Refused as refused:
            self._refuse(refused)
            return
        except TimeoutError:
            self._refuse(Refused(HTTPStatus.REQUEST_TIMEOUT, "the body stopped arriving"))
            return
        try:
            response = self.server.serve(request)
        except Exception:  # a bug in the gateway itself must still answer
            log_error("local gateway error", exception=True)
            response = internal_server_error()
        elapsed_ms = (time.perf_counter() - started) * 1000
        # Logged before the answer leaves: whoever reads the answer can find its line already written.
        log(f"{request.method} {request.target.partition('?')[0]} {response.status} {elapsed_ms:.1f}ms")
        self._write(response, include_body=request.method != "HEAD")

    def _incoming_request(self) -> IncomingRequest:
        headers = list(self.headers.items())
        return IncomingRequest(
            self.command,
            self.path,
            headers,
            self._read_body(),
            self.client_address[0],
            self.server.server_port,
        )

    # -- body ----------------------------------------------------------------------------

    def _declared_length(self) -> int | None:
        """Content-Length as a number, None for a chunked body; Refused when the framing is wrong or too big."""
        codings = [c.strip().lower() for v in self.headers.get_all("transfer-encoding", []) for c in v.split(",")]
        lengths = [v.strip() for value in self.headers.get_all("content-length", []) for v in value.split(",")]
        if codings:
            if lengths:  # both: the classic request-smuggling ambiguity
                raise Refused(HTTPStatus.BAD_REQUEST, "both Content-Length and Transfer-Encoding")
            if codings != ["chunked"]:
                raise Refused(HTTPStatus.NOT_IMPLEMENTED, f"transfer coding {','.join(codings)!r}")
            return None
        if not lengths:
            return 0
        if any(not _DIGITS.fullmatch(value) for value in lengths) or len(set(lengths)) > 1:
            raise Refused(HTTPStatus.BAD_REQUEST, f"malformed Content-Length {','.join(lengths)!r}")
        length = int(lengths[0])
        if length > self.server.limits.max_body_bytes:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"Content-Length {length}")
        return length

    def _read_body(self) -> bytes | None:
        length = self._declared_length()
        if length is None:
            return self._read_chunked() or None
        if length == 0:
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            raise Refused(HTTPStatus.BAD_REQUEST, f"body ended after {len(body)} of {length} bytes")
        return body

    def _read_chunked(self) -> bytes:
        limit = self.server.limits.max_body_bytes
        chunks: list[bytes] = []
        received = 0
        while size := self._chunk_size():
            received += size
            if received > limit:  # stop reading: the rest is never buffered
                raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"chunked body over {limit} bytes")
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise Refused(HTTPStatus.BAD_REQUEST, "malformed chunk")
            chunks.append(chunk)
        for _ in range(_MAX_TRAILER_LINES):  # trailers, up to the empty line
            line = self.rfile.readline(_MAX_CHUNK_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return b"".join(chunks)
            if not line or len(line) > _MAX_CHUNK_LINE:
                break
        raise Refused(HTTPStatus.BAD_REQUEST, "malformed chunked trailer")

    def _chunk_size(self) -> int:
        line = self.rfile.readline(_MAX_CHUNK_LINE + 1)
        size = line.split(b";", 1)[0].strip().decode("latin-1")
        if len(line) > _MAX_CHUNK_LINE or not _HEX.fullmatch(size):
            raise Refused(HTTPStatus.BAD_REQUEST, f"malformed chunk size {size[:20]!r}")
        return int(size, 16)

    # -- responses -----------------------------------------------------------------------

    def _refuse(self, refused: Refused) -> None:
        self.close_connection = True
        self._linger = True
        log(f"{self.command or '-'} {self.path.partition('?')[0] if self.path else '-'} refused: {refused.reason}")
        self._write(refused.response, include_body=self.command != "HEAD")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, headers too large, unknown method) in the gateway's
        JSON shape instead of an HTML page, and in one write like every other response."""
        status = HTTPStatus(code)
        self.close_connection = True
        # Not http.server's message: it quotes the request line, which may carry a key in its query string.
        log(f"{status.value} {status.phrase}: malformed request from {self.client_address[0]}")
        self._write(gateway_message(status, status.phrase), include_body=self.command != "HEAD")

    def _write(self, response: GatewayResponse, include_body: bool) -> None:
        self.wfile.write(response_bytes(response, close=self.close_connection, include_body=include_body))

    def _drain(self) -> None:
        """Close gracefully after refusing a body the client may still be sending: stop writing, read and
        discard for a moment, then close. Closing at once with unread input makes the kernel reset the
        connection, and the client would lose the answer it has not read yet."""
        with suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_LINGER_S)
            deadline = time.monotonic() + _LINGER_S
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (http.server's signature)
        log(format % args)
