"""Faults against the real `python -m local_gateway` process over HTTP on 127.0.0.1, and its logs.

How each fault is made real without mounting anything:
- a full disk: the gateway's file-size limit (RLIMIT_FSIZE) set to 0 from outside with prlimit(2): no file
  can grow, exactly what a full disk does to SQLite's WAL and to any new file; raised back = space returns;
- a read-only database: chmod 0444, with the gateway started without the capabilities that let root ignore
  file modes (see `running_gateway(without_root_file_access=True)`);
- a truncated -shm: truncating the file the running gateway has mapped (this used to kill it with SIGBUS).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_gateway
from tests.e2e.conftest import HttpClient

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
KEY = "faults-admin-key-0123456789abcdefghijklmn"


@dataclass
class Gateway:
    client: HttpClient
    data: Path

    @property
    def pid(self) -> int:
        return int((self.data / "gateway.pid").read_text())

    def is_alive(self) -> bool:
        status = Path(f"/proc/{self.pid}/status")
        return status.exists() and "\nState:\tZ" not in status.read_text()

    def request(self, method: str, path: str, body: Any = None, *, key: str | None = None) -> tuple[int, Any]:
        return self.client.request(method, path, body, key=key)


@pytest.fixture
def gateway(tmp_path: Path, dashboard_build: Path) -> Iterator[Gateway]:
    data = tmp_path / "data"
    data.mkdir()
    env = {"POWERTOOLS_LOG_LEVEL": "INFO"}
    with running_gateway(data, dashboard_build, KEY, env=env, without_root_file_access=True) as url:
        yield Gateway(HttpClient(url, KEY), data)


def create_customer(gateway: Gateway | HttpClient) -> str:
    status, body = gateway.request("POST", "/v1/customers", {"name": "Acme", "email": "ops@acme.example"})
    assert status == 201, body
    return body["id"]


def batch(customer_id: str, ids: range) -> dict[str, Any]:
    # ~300 bytes an event: a few hundred events need more WAL than the first writes left.
    return {
        "customer_id": customer_id,
        "events": [
            {
                "id": f"e{i}",
                "feature": "api_calls",
                "quantity": 1,
                "ts": "2025-09-03T10:00:00Z",
                "properties": {"p": "x" * 200},
            }
            for i in ids
        ],
    }


def total(gateway: Gateway, customer_id: str) -> str:
    status, body = gateway.request(
        "GET", f"/v1/customers/{customer_id}/usage?start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z"
    )
    assert status == 200, body
    return body[0]["quantity"] if body else "0"


def test_a_full_disk_answers_503_stores_nothing_and_recovers_when_space_returns(gateway: Gateway) -> None:
    customer = create_customer(gateway)
    assert gateway.request("POST", "/v1/events/batch", batch(customer, range(10)))[0] == 200
    pid = gateway.pid

    resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))  # no file may grow any more
    try:
        status, body = gateway.request("POST", "/v1/events/batch", batch(customer, range(10, 1010)))
        health = gateway.request("GET", "/v1/health", key="")
    finally:
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    assert (status, body["error"]["code"]) == (503, "storage_unavailable"), body
    assert body["error"]["message"] in (
        "storage unavailable: the disk or the database is full",  # SQLite's SQLITE_FULL (short write)
        "storage unavailable: disk I/O error",  # SQLITE_IOERR_WRITE (the write failed with EFBIG)
    )
    # Health says so, from SQLite (it may meet the limit first) or from its own probe file.
    assert (health[0], health[1]["error"]["code"]) == (503, "storage_unavailable")
    assert health[1]["error"]["message"] in (
        "storage unavailable: disk I/O error",
        "storage unavailable: cannot write next to the database (File too large)",
    )
    assert gateway.request("GET", "/v1/health", key="") == (200, {"status": "ok"})  # space is back
    assert total(gateway, customer) == "10"  # nothing of the refused batch was stored
    status, body = gateway.request("POST", "/v1/events/batch", batch(customer, range(10, 1010)))  # the retry
    assert (status, body["accepted"], body["duplicates"]) == (200, 1000, 0)
    assert total(gateway, customer) == "1010"


def test_a_database_read_only_from_the_start_answers_503_with_the_reason(tmp_path: Path, dashboard_build: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with running_gateway(data, dashboard_build, KEY, without_root_file_access=True) as url:
        client = HttpClient(url, KEY)
        assert client.request("POST", "/v1/customers", {"name": "A", "email": "a@x.example"})[0] == 201
    (data / "billing.db").chmod(0o400)

    with running_gateway(data, dashboard_build, KEY, without_root_file_access=True) as url:
        client = HttpClient(url, KEY)
        write = client.request("POST", "/v1/customers", {"name": "B", "email": "b@x.example"})
        health = client.request("GET", "/v1/health", key="")
        listing = client.request("GET", "/v1/customers")
        (data / "billing.db").chmod(0o600)  # fixed by the operator
        after = [client.request("POST", "/v1/customers", {"name": "B", "email": "b@x.example"}) for _ in range(3)]
        healthy = client.request("GET", "/v1/health", key="")
        listed = client.request("GET", "/v1/customers")

    message = {"error": {"code": "storage_unavailable", "message": "storage unavailable: the database is read-only"}}
    # Reads are refused too: SQLite would map the -shm of a read-only database read-only (see SharedMemoryGuard).
    assert write == health == listing == (503, message)
    # Recovered without a restart: a connection that met the read-only file is reopened (at most one more 503).
    statuses = [status for status, _ in after]
    assert 201 in statuses and set(statuses) <= {201, 409, 503}
    assert all(body == message for status, body in after if status == 503)
    assert healthy == (200, {"status": "ok"})
    assert sorted(c["email"] for c in listed[1]["data"]) == ["a@x.example", "b@x.example"]


def test_a_database_made_read_only_while_serving_refuses_every_write_as_health_says(gateway: Gateway) -> None:
    # Connections opened before the chmod kept writing through their descriptors, one opened after could not:
    # writes answered 201 or 503 by thread, and health answered for its own thread only.
    create_customer(gateway)
    database = gateway.data / "billing.db"
    database.chmod(0o400)
    try:
        replies = []
        for i in range(8):
            replies.append(gateway.request("GET", "/v1/health", key=""))
            replies.append(gateway.request("POST", "/v1/customers", {"name": "B", "email": f"b{i}@x.example"}))
    finally:
        database.chmod(0o600)  # fixed by the operator
    healthy = gateway.request("GET", "/v1/health", key="")
    after = gateway.request("POST", "/v1/customers", {"name": "C", "email": "c@x.example"})

    read_only = {"error": {"code": "storage_unavailable", "message": "storage unavailable: the database is read-only"}}
    assert replies == [(503, read_only)] * 16
    assert healthy == (200, {"status": "ok"})
    assert after[0] == 201
    listed = gateway.request("GET", "/v1/customers")[1]["data"]
    assert sorted(c["name"] for c in listed) == ["Acme", "C"]  # nothing written while it was read-only


def test_a_truncated_shm_no_longer_kills_the_gateway(gateway: Gateway) -> None:
    customer = create_customer(gateway)
    shm = gateway.data / "billing.db-shm"
    size = shm.stat().st_size

    shm.write_bytes(b"")  # overwritten in place (or `: > billing.db-shm`): the mapped file is now empty
    replies = [gateway.request("GET", f"/v1/customers/{customer}") for _ in range(3)]

    assert gateway.is_alive()  # it used to die of SIGBUS here
    assert replies[0] == (
        503,
        {
            "error": {
                "code": "storage_unavailable",
                "message": "storage unavailable: the database's -shm file was truncated while in use; restored",
            }
        },
    )
    assert shm.stat().st_size == size
    assert all(reply[0] in (200, 503) for reply in replies[1:]) and replies[-1][0] == 200
    assert gateway.request("POST", "/v1/events/batch", batch(customer, range(5)))[0] == 200


def test_a_read_only_shm_gets_the_databases_mode_back_instead_of_being_mapped_read_only(
    tmp_path: Path, dashboard_build: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with running_gateway(data, dashboard_build, KEY, without_root_file_access=True) as url:
        assert HttpClient(url, KEY).request("POST", "/v1/customers", {"name": "A", "email": "a@x.example"})[0] == 201
    shm = data / "billing.db-shm"
    shm.write_bytes(b"\0" * 32768)
    shm.chmod(0o400)

    with running_gateway(data, dashboard_build, KEY, without_root_file_access=True) as url:
        client = HttpClient(url, KEY)
        replies = [client.request("GET", "/v1/customers")[0], client.request("GET", "/v1/health", key="")[0]]

    assert replies == [200, 200]
    assert stat.S_IMODE((data / "billing.db").stat().st_mode) == 0o600


# -- logs ---------------------------------------------------------------------------------------------


def log_records(data: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (data / "gateway.out").read_text().splitlines() if line.startswith("{")]


def test_no_key_ever_appears_in_the_gateways_logs(tmp_path: Path, dashboard_build: Path) -> None:
    wrong = "wrong-key-that-must-not-be-logged-0123456789"
    with running_gateway(tmp_path, dashboard_build, KEY, env={"POWERTOOLS_LOG_LEVEL": "DEBUG"}) as url:
        client = HttpClient(url, KEY)
        customer = client.request("POST", "/v1/customers", {"name": "Acme", "email": "ops@acme.example"})[1]["id"]
        client.request("GET", f"/v1/customers/{customer}")
        client.request("GET", "/v1/customers", key=wrong)
        client.request("POST", "/v1/events/batch", {"customer_id": customer, "events": [{"feature": "x"}]})
        client.request("GET", f"/v1/customers?api_key={KEY}")
        client.request("GET", "/v1/health", key=KEY)

    logs = (tmp_path / "gateway.out").read_text() + (tmp_path / "gateway.log").read_text()
    requests = [record for record in log_records(tmp_path) if record.get("message") == "request"]
    assert len(requests) >= 5  # the handlers did log (at DEBUG, the most talkative level), with their principal
    assert {"key_id": "admin", "role": "admin", "customer_id": ""} in [record.get("principal") for record in requests]
    assert KEY not in logs
    assert wrong not in logs
    assert "Bearer" not in logs


def test_each_response_names_its_log_line(tmp_path: Path, dashboard_build: Path) -> None:
    with running_gateway(tmp_path, dashboard_build, KEY, env={"POWERTOOLS_LOG_LEVEL": "INFO"}) as url:
        request = urllib.request.Request(url + "/v1/customers", headers={"Authorization": f"Bearer {KEY}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            request_id = response.headers["x-request-id"]
            headers = response.headers

    assert headers["x-content-type-options"] == "nosniff"
    assert headers["apigw-requestid"] == request_id
    [line] = [
        r for r in log_records(tmp_path) if r.get("message") == "request" and r.get("correlation_id") == request_id
    ]
    assert (line["route"], line["status"]) == ("GET /v1/customers", 200)
    assert line["principal"] == {"key_id": "admin", "role": "admin", "customer_id": ""}
    assert isinstance(line["latency_ms"], float | int)


@contextmanager
def gateway_printing_to(output: Path, data: Path, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """`python -m local_gateway` with stdout and stderr both on `output` (a file, /dev/full), as `make run >
    file 2>&1` does; yields its URL and pid."""
    with socket.socket() as probe:  # a free port: the gateway cannot tell us its own through a full disk
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {
        **{name: value for name, value in os.environ.items() if name != "POWERTOOLS_METRICS_DISABLED"},
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "BILLING_DB_PATH": str(data / "billing.db"),
        "BILLING_ADMIN_API_KEY": KEY,
        **env,
    }
    with output.open("w") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_gateway", "--template", "template.yaml"],
            cwd=ROOT,
            env=environ,
            stdout=stream,
            stderr=stream,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the gateway exited ({process.returncode})"
            assert time.monotonic() < deadline, "the gateway never answered"
            with suppress(OSError):
                urllib.request.urlopen(url + "/v1/openapi.json", timeout=5).close()
                break
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def malformed_request_status(url: str) -> int:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GARBAGE\r\n\r\n")
        reply = connection.recv(65536)
    assert reply, "the connection closed without an answer"
    return int(reply.split()[1])


def test_logs_on_the_full_disk_lose_lines_never_answers(tmp_path: Path) -> None:
    # With its output in a file on the disk that filled up, every request got its connection closed, no answer.
    data = tmp_path / "data"
    data.mkdir()
    output = data / "gateway.out"
    with gateway_printing_to(output, data, {"POWERTOOLS_LOG_LEVEL": "INFO"}) as (url, pid):
        client = HttpClient(url, KEY)
        customer = create_customer(client)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))  # no file may grow any more
        try:
            read = client.request("GET", f"/v1/customers/{customer}")
            write = client.request("POST", "/v1/customers", {"name": "B", "email": "b@x.example"})
            health = client.request("GET", "/v1/health", key="")
            unauthorized = client.request("GET", "/v1/customers", key="")
            malformed = malformed_request_status(url)
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        after = client.request("GET", "/v1/health", key="")

    assert (read[0], read[1]["id"]) == (200, customer)
    assert (write[0], write[1]["error"]["code"]) == (503, "storage_unavailable")  # the documented 503
    assert (health[0], health[1]["error"]["code"]) == (503, "storage_unavailable")
    assert unauthorized[0] == 401
    assert malformed == 400
    assert after == (200, {"status": "ok"})
    assert "log lines dropped: [Errno 27] File too large" in output.read_text()  # counted, said once space is back


def test_a_gateway_whose_output_cannot_be_written_at_all_still_serves(tmp_path: Path) -> None:
    with gateway_printing_to(Path("/dev/full"), tmp_path, {"POWERTOOLS_LOG_LEVEL": "DEBUG"}) as (url, _):
        client = HttpClient(url, KEY)
        created = client.request("POST", "/v1/customers", {"name": "A", "email": "a@x.example"})
        replies = [
            client.request("GET", "/v1/health", key="")[0],
            client.request("GET", f"/v1/customers/{created[1]['id']}")[0],
            client.request("GET", "/v1/customers/cus_missing")[0],
            client.request("POST", "/v1/customers", raw=b"{not json")[0],
            malformed_request_status(url),
        ]

    assert created[0] == 201
    assert replies == [200, 200, 404, 400, 400]
