"""The gateway's HTTP transport over raw sockets on 127.0.0.1: framing, limits, workers, timeouts, headers.

Raw sockets, because http.client refuses to send most of these requests.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from local_gateway.server import LocalGateway
from local_gateway.transport import MAX_BODY_BYTES, Limits, worker_thread_prefix

GOOD = "Authorization: Bearer good\r\n"
CLIENT_TIMEOUT_S = 10  # a safety net against a hung test, never what a test checks


class Wire:
    """One TCP connection to the gateway, sending bytes as written and reading whole responses."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=CLIENT_TIMEOUT_S)
        self.reader = self.sock.makefile("rb")

    def send(self, data: bytes | str) -> Wire:
        self.sock.sendall(data.encode() if isinstance(data, str) else data)
        return self

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self.reader.readline()
        assert status_line, "the connection closed without an answer"
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.reader.read(int(headers.get("content-length", "0")))
        return status, headers, body

    def closed_by_server(self) -> bool:
        return self.reader.read() == b""

    @staticmethod
    def closed_by_server_socket(sock: socket.socket) -> bool:
        """Reads until the server closes (answers included); False if it never does within the timeout."""
        try:
            while sock.recv(65536):
                pass
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


@pytest.fixture
def wire(gateway: LocalGateway) -> Iterator[Wire]:
    connection = Wire(gateway.url)
    yield connection
    connection.close()


def message(body: bytes) -> Any:
    return json.loads(body)["message"]


# -- keep-alive, one write per response ---------------------------------------------------------


def test_a_kept_alive_connection_serves_request_after_request(wire: Wire) -> None:
    for _ in range(5):
        status, headers, body = wire.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n").response()

        assert status == 200
        assert json.loads(body)["status"] == "ok"
        assert "connection" not in headers


def test_each_response_leaves_in_one_write_on_a_no_delay_socket(
    gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Headers and body written apart wait for the client's delayed ACK (Nagle): 40 ms per kept-alive request.
    writes: list[tuple[bytes, int]] = []
    original = socketserver._SocketWriter.write  # type: ignore[attr-defined]

    def recording_write(self: Any, data: bytes) -> int:
        if threading.current_thread().name.startswith(worker_thread_prefix(port)):
            writes.append((bytes(data), self._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))
        return original(self, data)

    port = int(gateway.url.rsplit(":", 1)[1])
    monkeypatch.setattr(socketserver._SocketWriter, "write", recording_write)  # type: ignore[attr-defined]
    wire = Wire(gateway.url)
    try:
        for request in (
            "GET /v1/health HTTP/1.1\r\n\r\n",
            "POST /v1/echo HTTP/1.1\r\n" + GOOD + "Content-Length: 2\r\n\r\n{}",
        ):
            wire.send(request).response()
    finally:
        wire.close()

    assert len(writes) == 2
    for data, no_delay in writes:
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")
        _, _, body = data.partition(b"\r\n\r\n")
        assert json.loads(body)  # the body came in the same write as the status line
        assert no_delay


# -- malformed requests are answered, not dropped -------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        ("GARBAGE\r\n\r\n", 400),
        ("GET /v1/health HTTP/1.1 extra\r\n\r\n", 400),
        ("GET /v1/health\r\n\r\n", 400),  # HTTP/0.9
        ("GET /v1/health HTTX/1.1\r\n\r\n", 400),
        ("GET http://elsewhere/ HTTP/1.1\r\n\r\n", 400),
        ("\r\n\r\n", 400),
        ("GET /v1/health HTTP/2.0\r\n\r\n", 505),
        ("BREW /v1/health HTTP/1.1\r\n\r\n", 501),
        ("GET /" + "a" * 20_000 + " HTTP/1.1\r\n\r\n", 414),
    ],
)
def test_a_malformed_request_line_is_answered(wire: Wire, request_bytes: str, status: int) -> None:
    answer, headers, body = wire.send(request_bytes).response()

    assert answer == status
    assert headers["content-type"] == "application/json"
    assert isinstance(message(body), str)
    assert headers["connection"] == "close"
    assert wire.closed_by_server()


@pytest.mark.parametrize(
    "framing",
    [
        "Content-Length: abc\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: +2\r\n",
        "Content-Length: 2.0\r\n",
        "Content-Length: 1, 2\r\n",
        "Content-Length: 2\r\nContent-Length: 3\r\n",
        "Content-Length: 99999999999999999999999\r\n",
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
    ],
)
def test_a_malformed_content_length_is_400(wire: Wire, framing: str) -> None:
    status, headers, body = wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}{framing}\r\n{{}}").response()

    assert (status, message(body)) == (400, "Bad Request")
    assert headers["connection"] == "close"


def test_a_body_shorter_than_its_content_length_is_400(wire: Wire) -> None:
    wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: 10\r\n\r\n{{}}")
    wire.sock.shutdown(socket.SHUT_WR)

    assert wire.response()[0] == 400


def test_repeated_identical_content_lengths_are_one_length(wire: Wire) -> None:
    status, _, body = wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: 2, 2\r\n\r\n{{}}").response()

    assert status == 200
    assert json.loads(body)["event"]["body"] == "{}"


def test_an_unknown_transfer_coding_is_501(wire: Wire) -> None:
    status, _, _ = wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Transfer-Encoding: gzip, chunked\r\n\r\n").response()

    assert status == 501


@pytest.mark.parametrize("chunks", ["zz\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2;ext=1\r\n{}\r\n0\r\nbad trailer"])
def test_a_malformed_chunked_body_is_400(wire: Wire, chunks: str) -> None:
    wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Transfer-Encoding: chunked\r\n\r\n{chunks}")
    wire.sock.shutdown(socket.SHUT_WR)

    assert wire.response()[0] == 400


def test_a_chunked_body_with_extensions_and_trailers_is_read(wire: Wire) -> None:
    chunks = '3;name=value\r\n{"a\r\n4\r\n": 1\r\n1\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    status, _, body = wire.send(
        f"POST /v1/echo HTTP/1.1\r\n{GOOD}Transfer-Encoding: chunked\r\n\r\n{chunks}"
    ).response()

    assert status == 200
    assert json.loads(body)["event"]["body"] == '{"a": 1}'


# -- body size ----------------------------------------------------------------------------------


def test_a_body_over_one_mib_is_413_before_it_is_sent(wire: Wire) -> None:
    # Only the headers go out: the answer cannot depend on reading the body.
    status, headers, body = wire.send(
        f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    ).response()

    assert (status, message(body)) == (413, "Request Entity Too Large")
    assert headers["connection"] == "close"


def test_a_body_of_exactly_one_mib_is_served(wire: Wire) -> None:
    payload = b"x" * MAX_BODY_BYTES
    status, _, _ = wire.send(
        f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: {len(payload)}\r\n\r\n".encode() + payload
    ).response()

    assert status == 200


def test_an_oversize_body_sent_whole_still_gets_its_413(wire: Wire) -> None:
    # The gateway answers after the headers and reads the rest away, so the client never gets a reset.
    payload = b"x" * (2 * MAX_BODY_BYTES)
    sender = threading.Thread(
        target=wire.send,
        args=(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: {len(payload)}\r\n\r\n".encode() + payload,),
    )
    sender.start()
    status, _, _ = wire.response()
    sender.join()

    assert status == 413


def test_a_chunked_body_stops_being_read_past_one_mib(wire: Wire) -> None:
    # A chunk announced bigger than the limit: refused from its size line, its bytes never sent.
    first_chunk = f"10000\r\n{'x' * 0x10000}\r\n"
    status, headers, _ = wire.send(
        f"POST /v1/echo HTTP/1.1\r\n{GOOD}Transfer-Encoding: chunked\r\n\r\n{first_chunk}{MAX_BODY_BYTES:x}\r\n"
    ).response()

    assert status == 413
    assert headers["connection"] == "close"


def test_expect_100_continue_with_an_oversize_length_gets_413_instead_of_100(wire: Wire) -> None:
    status, _, _ = wire.send(
        f"POST /v1/echo HTTP/1.1\r\n{GOOD}Expect: 100-continue\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n"
    ).response()

    assert status == 413


def test_expect_100_continue_within_the_limit_is_invited(wire: Wire) -> None:
    interim, _, _ = wire.send(
        f"POST /v1/echo HTTP/1.1\r\n{GOOD}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n"
    ).response()
    status, _, _ = wire.send("{}").response()

    assert (interim, status) == (100, 200)


def test_the_body_limit_is_configurable(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(max_body_bytes=10)) as small:
        wire = Wire(small.url)
        try:
            status, _, _ = wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: 11\r\n\r\n").response()
        finally:
            wire.close()

    assert status == 413


# -- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_bytes",
    [
        "GET /v1/health HTTP/1.1\r\n\r\n",  # a handler's reply
        "GET /v1/nothing HTTP/1.1\r\n\r\n",  # the gateway's 404
        "GET /v1/echo HTTP/1.1\r\n\r\n",  # the gateway's 401
        "GET /index.html HTTP/1.1\r\n\r\n",  # a static file
        "GARBAGE\r\n\r\n",  # the transport's 400
        f"POST /v1/echo HTTP/1.1\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n",  # the transport's 413
    ],
)
def test_every_response_says_nosniff_has_a_date_and_no_server_version(wire: Wire, request_bytes: str) -> None:
    _, headers, _ = wire.send(request_bytes).response()

    assert headers["x-content-type-options"] == "nosniff"
    assert "server" not in headers
    assert headers["date"].endswith("GMT")


# -- workers and timeouts -----------------------------------------------------------------------


def test_requests_share_a_bounded_pool_of_workers_and_idle_connections_hold_none(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(max_workers=2)) as small:
        held = [Wire(small.url) for _ in range(4)]
        for wire in held:  # served, then kept alive and idle: a worker each, once, no more
            assert wire.send("GET /v1/health HTTP/1.1\r\n\r\n").response()[0] == 200
        fresh = [Wire(small.url).send("GET /v1/health HTTP/1.1\r\n\r\n") for _ in range(6)]
        statuses = [wire.response()[0] for wire in fresh]

        prefix = worker_thread_prefix(int(small.url.rsplit(":", 1)[1]))
        workers = [t for t in threading.enumerate() if t.name.startswith(prefix)]
        for wire in held + fresh:
            wire.close()

    assert statuses == [200] * 6
    assert 1 <= len(workers) <= 2  # not one thread per connection


def test_a_client_that_stops_sending_its_headers_is_disconnected(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(header_timeout_s=0.2, idle_timeout_s=0.2)) as quick:
        wire = Wire(quick.url)
        try:
            wire.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n")  # no empty line: the headers never end
            assert wire.closed_by_server()
        finally:
            wire.close()


def test_a_body_that_stops_arriving_is_408(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(body_timeout_s=0.2)) as quick:
        wire = Wire(quick.url)
        try:
            status, headers, _ = wire.send(f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: 10\r\n\r\n{{}}").response()
        finally:
            wire.close()

    assert (status, headers["connection"]) == (408, "close")


def test_an_idle_kept_alive_connection_is_closed(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(idle_timeout_s=0.2)) as quick:
        wire = Wire(quick.url)
        try:
            assert wire.send("GET /v1/health HTTP/1.1\r\n\r\n").response()[0] == 200
            assert wire.closed_by_server()
        finally:
            wire.close()


def test_stop_returns_while_connections_are_open(fixture_template: Path) -> None:
    gateway = LocalGateway(fixture_template, limits=Limits(max_workers=1)).start()
    held = Wire(gateway.url)
    held.send("GET /v1/health HTTP/1.1\r\n\r\n").response()
    queued = Wire(gateway.url)  # waits for the only worker

    gateway.stop()

    assert held.closed_by_server()
    held.close()
    queued.close()


# -- slow and silent clients ----------------------------------------------------------------------


class Trickle:
    """Sockets that send their request a piece at a time, all from one thread, until stopped or closed."""

    def __init__(self, url: str, count: int, first: str, piece: str, every_s: float, source: str = "127.0.0.1"):
        host, port = url.removeprefix("http://").split(":")
        self.sockets = [
            socket.create_connection((host, int(port)), timeout=CLIENT_TIMEOUT_S, source_address=(source, 0))
            for _ in range(count)
        ]
        for sock in self.sockets:
            sock.sendall(first.encode())
        self._piece, self._every_s = piece.encode(), every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            for sock in self.sockets:
                with suppress(OSError):
                    sock.sendall(self._piece)

    def closed_by_server(self) -> list[bool]:
        """Which sockets the server has closed (without waiting)."""
        closed = []
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                closed.append(sock.recv(65536) == b"")
            except BlockingIOError:
                closed.append(False)
            except OSError:
                closed.append(True)
            finally:
                sock.setblocking(True)
        return closed

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


def health_from(url: str, source: str = "127.0.0.1") -> int:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=CLIENT_TIMEOUT_S, source_address=(source, 0)) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nConnection: close\r\n\r\n")
        reply = sock.makefile("rb").readline()
    assert reply, "the connection closed without an answer"
    return int(reply.split()[1])


def test_slow_and_silent_clients_hold_no_worker_and_fresh_clients_are_served(fixture_template: Path) -> None:
    # 197 sockets sending a header line every 5 s, or 195 silent ones, held all 32 workers: 0 of 12 fresh health
    # checks were answered for a minute. Here 2 workers and 16 of each kind (48: within the bound per address),
    # all still connected while the fresh clients are served.
    with LocalGateway(fixture_template, limits=Limits(max_workers=2)) as small:
        slow_headers = Trickle(small.url, 16, "GET /v1/health HTTP/1.1\r\n", "X-Slow: 1\r\n", every_s=0.05)
        slow_bodies = Trickle(
            small.url, 24, f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: 100000\r\n\r\n", "x", every_s=0.05
        )
        silent = Trickle(small.url, 16, "", "", every_s=1)
        try:
            statuses = [health_from(small.url) for _ in range(12)]
            still_open = [not any(trickle.closed_by_server()) for trickle in (slow_headers, slow_bodies, silent)]
        finally:
            for trickle in (slow_headers, slow_bodies, silent):
                trickle.close()

    assert statuses == [200] * 12
    assert still_open == [True, True, True]  # served during the attack, not after it timed out


def test_a_head_that_keeps_trickling_in_is_cut_off_at_its_deadline(fixture_template: Path) -> None:
    # A read timeout reset by every line let a header line every 5 s hold a connection forever.
    with LocalGateway(fixture_template, limits=Limits(header_timeout_s=0.5)) as quick:
        slow = Trickle(quick.url, 1, "GET /v1/health HTTP/1.1\r\n", "X-Slow: 1\r\n", every_s=0.05)
        try:
            assert Wire.closed_by_server_socket(slow.sockets[0])
        finally:
            slow.close()


def test_a_body_that_keeps_trickling_in_is_408_at_its_deadline(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(body_timeout_s=0.5)) as quick:
        slow = Trickle(quick.url, 1, f"POST /v1/echo HTTP/1.1\r\n{GOOD}Content-Length: 100000\r\n\r\n", "x", 0.05)
        try:
            status_line = slow.sockets[0].makefile("rb").readline()
        finally:
            slow.close()

    assert status_line.startswith(b"HTTP/1.1 408 ")


def test_one_address_keeps_a_bounded_number_of_connections_and_its_newest_is_served(fixture_template: Path) -> None:
    with LocalGateway(fixture_template, limits=Limits(max_connections_per_client=8)) as small:
        silent = Trickle(small.url, 20, "", "", every_s=1, source="127.0.0.2")
        try:
            expected = [True] * 12 + [False] * 8  # the longest-waiting ones made room
            deadline = time.monotonic() + CLIENT_TIMEOUT_S  # until the reception has taken them all in
            while (closed := silent.closed_by_server()) != expected and time.monotonic() < deadline:
                time.sleep(0.05)
            other_address = health_from(small.url)
            same_address = health_from(small.url, source="127.0.0.2")  # closes the longest-waiting one
            closed_after = silent.closed_by_server()
        finally:
            silent.close()

    assert closed == expected
    assert (other_address, same_address) == (200, 200)
    assert closed_after[12] and not any(closed_after[13:])


# -- the access log -----------------------------------------------------------------------------


def test_the_access_log_never_prints_credentials(wire: Wire, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    secret = "s3cr3t-key-that-must-not-be-logged"
    wire.send(f"GET /v1/echo?api_key={secret} HTTP/1.1\r\nAuthorization: Bearer {secret}\r\n\r\n").response()
    wire.send(f"GARBAGE {secret}\r\n\r\n").response()

    logged = capsys.readouterr().err  # (stdout has the fixture authorizer's own print)
    assert "GET /v1/echo 403 " in logged
    assert "400 Bad Request" in logged
    assert secret not in logged
