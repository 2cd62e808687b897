"""`python -m bench.faults [--quick] [--backend sqlite]`: faults tried against the real local gateway.

Every scenario runs `python -m local_gateway` as a process on 127.0.0.1 (loopback only) and talks to it over
HTTP, as a client would:

- writers: concurrent client processes send batches with shared duplicate ids; the stored totals must be exact;
- kills: a writer keeps sending while the gateway is SIGKILLed at random moments and restarted; every batch is
  retried until acknowledged; after each kill no batch may be half-written (SQLite: read the file directly),
  and at the end nothing acknowledged is lost and nothing counted twice;
- billing runs: two runs of the same period at once make one invoice per customer;
- run starts: the gateway is SIGKILLed 5-120 ms into `POST /v1/invoices/run`; half the clients retry with the same
  Idempotency-Key, the others leave the run to the schedule's sweep; no run may stay stuck, every customer ends
  with one invoice of the exact total;
- finalizations: two gateway processes on one database race to finalize the same invoices; credit is spent
  once and no caller is told 409 about an invoice that did end finalized.

Prints a markdown report (figures and the command) for docs/reliability.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# moto's DynamoDB serves a few hundred requests a second over HTTP, one at a time, and concurrent writers of one
# customer retry on its period rollup row: its sizes are smaller.
SIZES = {
    ("sqlite", False): {
        "writers": 4,
        "batches": 50,
        "size": 1000,
        "kills": 10,
        "customers": 50,
        "invoices": 20,
        "callers": 8,
        "run customers": 400,
        "run kills": 6,
    },
    ("sqlite", True): {
        "writers": 2,
        "batches": 3,
        "size": 50,
        "kills": 2,
        "customers": 5,
        "invoices": 3,
        "callers": 4,
        "run customers": 150,
        "run kills": 2,
    },
    ("dynamodb", False): {
        "writers": 2,
        "batches": 5,
        "size": 50,
        "kills": 5,
        "customers": 20,
        "invoices": 10,
        "callers": 4,
        "run customers": 60,
        "run kills": 6,
    },
    ("dynamodb", True): {
        "writers": 2,
        "batches": 2,
        "size": 20,
        "kills": 1,
        "customers": 3,
        "invoices": 2,
        "callers": 2,
        "run customers": 20,
        "run kills": 2,
    },
}
KEY = "faults-admin-key"
PERIOD_TS = "2025-09-{day:02d}T{hour:02d}:{minute:02d}:00Z"


@dataclass
class Gateway:
    process: subprocess.Popen[str]
    url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


# What makes a process use the emulated AWS: a SQLite scenario's processes must not inherit it (from a caller
# that ran a DynamoDB scenario, or a test session), or the schedule's run would send its shards to a queue.
_AWS_SETTINGS = ("QUEUE_URL", "TABLE_NAME", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS")


def inherited(env: dict[str, str]) -> dict[str, str]:
    """This process's environment for a gateway or a schedule run of the backend `env` describes."""
    base = dict(os.environ)
    if env.get("STORAGE_BACKEND") != "dynamodb":
        for name in _AWS_SETTINGS:
            base.pop(name, None)
    return {**base, **env}


def start_gateway(data: Path, env: dict[str, str], port: int = 0) -> Gateway:
    environment = {
        **inherited(env),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "BILLING_DB_PATH": str(data / "billing.db"),
        "BILLING_ADMIN_API_KEY": KEY,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "local_gateway", "--template", "template.yaml"]
    process = subprocess.Popen(
        command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"Local gateway on (http://127\.0\.0\.1:\d+)", line)
        if match:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return Gateway(process, match.group(1))
    raise RuntimeError(f"the gateway exited before listening ({process.wait()})")


def stop(gateway: Gateway, sig: int = signal.SIGINT) -> None:
    gateway.process.send_signal(sig)
    try:
        gateway.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        gateway.process.kill()
        gateway.process.wait(timeout=20)


@contextmanager
def running(data: Path, env: dict[str, str]) -> Iterator[Gateway]:
    gateway = start_gateway(data, env)
    try:
        yield gateway
    finally:
        stop(gateway)


class Client:
    """One kept-alive HTTP connection with the admin key."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self._connection = http.client.HTTPConnection(host, int(port), timeout=timeout)

    def call(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, object]:
        payload = None if body is None else json.dumps(body)
        headers = {"authorization": f"Bearer {KEY}", "content-type": "application/json", **(headers or {})}
        self._connection.request(method, path, body=payload, headers=headers)
        response = self._connection.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)

    def close(self) -> None:
        self._connection.close()


def create_customers(url: str, count: int, tag: str) -> list[str]:
    client = Client(url)
    ids = []
    for n in range(count):
        status, body = client.call("POST", "/v1/customers", {"name": f"{tag} {n}", "email": f"{tag}{n}@faults.example"})
        assert status == 201, body
        ids.append(body["id"])  # type: ignore[index]
    client.close()
    return ids


def batch(customer_id: str, ids: list[str], quantities: list[str]) -> dict[str, object]:
    events = [
        {"id": event_id, "feature": "api_calls", "quantity": quantity, "ts": _ts(n)}
        for n, (event_id, quantity) in enumerate(zip(ids, quantities, strict=True))
    ]
    return {"customer_id": customer_id, "events": events}


def _ts(n: int) -> str:
    return PERIOD_TS.format(day=1 + n % 28, hour=n % 24, minute=n % 60)


def quantity_of(event_id: str) -> str:
    """Every event id has one quantity, whoever sends it (so duplicates are true duplicates)."""
    return f"{1 + int(event_id.rsplit('-', 1)[1]) % 7}.25"


def usage_total(url: str, customer_id: str) -> Decimal:
    status, body = Client(url).call(
        "GET", f"/v1/customers/{customer_id}/usage?start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z"
    )
    assert status == 200, body
    return sum((Decimal(item["quantity"]) for item in body), Decimal(0))  # type: ignore[union-attr]


# --- concurrent writers -------------------------------------------------------------------------------


def _writer(job: tuple[str, str, int, int, int, int]) -> tuple[int, int, int]:
    """Send `batches` batches; 20 % of each batch's ids are drawn from a pool every writer shares."""
    url, customer_id, writer, batches, size, shared = job
    rng = random.Random(writer)
    client = Client(url)
    accepted = duplicates = sent = 0
    for number in range(batches):
        own = [f"w{writer}-b{number}-{i}" for i in range(size - size // 5)]
        common = [f"shared-{rng.randrange(shared)}" for _ in range(size // 5)]
        ids = list(dict.fromkeys(own + common))
        sent += len(ids)
        body = post_until_stored(client, batch(customer_id, ids, [quantity_of(i) for i in ids]))
        accepted += body["accepted"]
        duplicates += body["duplicates"]
    client.close()
    return accepted, duplicates, sent


def post_until_stored(client: Client, payload: dict[str, object], attempts: int = 10) -> dict[str, int]:
    """POST a batch as a client should: a 503 stored nothing it acknowledged, so send it again (events stored
    before the failure come back as duplicates)."""
    for _ in range(attempts):
        status, body = client.call("POST", "/v1/events/batch", payload)
        if status != 503:
            assert status == 200, body
            return body  # type: ignore[return-value]
        time.sleep(0.5)
    raise AssertionError(f"still 503 after {attempts} attempts: {body}")


def concurrent_writers(data: Path, env: dict[str, str], *, writers: int, batches: int, size: int) -> dict[str, object]:
    with running(data, env) as gateway:
        (customer_id,) = create_customers(gateway.url, 1, "writers")
        shared = batches * size // 5
        with multiprocessing.get_context("spawn").Pool(writers) as pool:
            jobs = [(gateway.url, customer_id, w, batches, size, shared) for w in range(writers)]
            results = pool.map(_writer, jobs)
        accepted = sum(r[0] for r in results)
        duplicates = sum(r[1] for r in results)
        # The exact expectation: every distinct id once, with its quantity.
        distinct = {f"w{w}-b{b}-{i}" for w in range(writers) for b in range(batches) for i in range(size - size // 5)}
        sent_shared = _shared_ids_sent(writers, batches, size, shared)
        expected = sum((Decimal(quantity_of(i)) for i in distinct | sent_shared), Decimal(0))
        total = usage_total(gateway.url, customer_id)
    return {
        "writers": writers,
        "events sent": sum(r[2] for r in results),
        "accepted": accepted,
        "duplicates": duplicates,
        "distinct ids": len(distinct | sent_shared),
        "stored total": str(total),
        "expected total": str(expected),
        # After a 503 a retry reports what the failed attempt stored as duplicates, so accepted may fall short.
        "exact": total == expected and accepted <= len(distinct | sent_shared),
    }


def _shared_ids_sent(writers: int, batches: int, size: int, shared: int) -> set[str]:
    ids = set()
    for writer in range(writers):
        rng = random.Random(writer)
        for _ in range(batches):
            ids.update(f"shared-{rng.randrange(shared)}" for _ in range(size // 5))
    return ids


# --- SIGKILL mid-ingest --------------------------------------------------------------------------------


def kills(data: Path, env: dict[str, str], *, kills: int, size: int, seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    gateway = start_gateway(data, env)
    (customer_id,) = create_customers(gateway.url, 1, "kills")
    sent: dict[str, str] = {}
    acknowledged: set[str] = set()
    half_written = 0
    batch_number = 0
    for _ in range(kills):
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        killer = threading.Timer(max(0.0, deadline - time.monotonic()), gateway.process.kill)
        killer.start()
        pending: list[list[str]] = []
        try:
            client = Client(gateway.url, timeout=10)
            while True:
                ids = [f"k{batch_number}-{i}" for i in range(size)]
                batch_number += 1
                pending.append(ids)
                for event_id in ids:
                    sent[event_id] = quantity_of(event_id)
                status, _ = client.call("POST", "/v1/events/batch", batch(customer_id, ids, [sent[i] for i in ids]))
                if status == 200:
                    acknowledged.update(ids)
                    pending.pop()
        except (OSError, http.client.HTTPException):
            pass  # killed mid-request
        killer.cancel()
        gateway.process.wait(timeout=20)
        half_written += _half_written(data, customer_id, pending)
        gateway = start_gateway(data, env, port=gateway.port)
        _resend(gateway.url, customer_id, pending, sent, acknowledged)
    total = usage_total(gateway.url, customer_id)
    stop(gateway)
    expected = sum((Decimal(q) for q in sent.values()), Decimal(0))
    return {
        "kills": kills,
        "batches": batch_number,
        "events acknowledged": len(acknowledged),
        "half-written batches": half_written
        if env.get("STORAGE_BACKEND") != "dynamodb"
        else "n/a: DynamoDB stores each event atomically with its rollups, not whole batches; the retry completed them",
        "stored total": str(total),
        "expected total": str(expected),
        "lost or doubled": total != expected,
    }


def _half_written(data: Path, customer_id: str, pending: list[list[str]]) -> int:
    """Batches in flight at the kill that the file holds only part of (SQLite promises whole batches)."""
    path = data / "billing.db"
    if not path.exists():
        return 0
    connection = sqlite3.connect(path)
    count = 0
    for ids in pending:
        marks = ",".join("?" * len(ids))
        stored = connection.execute(
            f"SELECT count(*) FROM events WHERE customer_id = ? AND event_id IN ({marks})", (customer_id, *ids)
        ).fetchone()[0]
        count += 0 < stored < len(ids)
    connection.close()
    return count


def _resend(url: str, customer_id: str, pending: list[list[str]], sent: dict[str, str], acked: set[str]) -> None:
    client = Client(url)
    for ids in pending:
        post_until_stored(client, batch(customer_id, ids, [sent[i] for i in ids]))
        acked.update(ids)
    client.close()


# --- SIGKILL during a run start -----------------------------------------------------------------------

RUN_START = "/v1/invoices/run?period=2025-09&unit_price=0.01"


def run_start_kills(
    data: Path,
    env: dict[str, str],
    *,
    customers: int,
    kills: int,
    retry_every: int = 2,
    window_s: tuple[float, float] = (0.005, 0.120),
    in_run: bool = False,
    seed: int = 11,
) -> dict[str, object]:
    """SIGKILL the gateway 5-120 ms (`window_s`) into `POST /v1/invoices/run` (with an Idempotency-Key), `kills`
    times. Every `retry_every`-th client (the 2nd, 4th, ...) retries with the same key once the gateway is back
    (409 while the killed request's idempotency lock lasts, at most its function timeout); the other runs are left
    to the sweep, fired as the daily schedule would be 16 minutes later. Then no run may be stuck, and every
    customer has one invoice of the exact total. `in_run` kills at a chosen moment instead of after a delay (the
    tests: a loaded machine moves the delays): once the run is stored and queuing (SQLite: its row seen in the
    file; DynamoDB: the moment its first shards reach the queue, before SQS answers)."""
    rng = random.Random(seed)
    gateway = start_gateway(data, env)
    ids = create_customers(gateway.url, customers, "starts")
    client = Client(gateway.url)
    quantities = {}
    for n, customer_id in enumerate(ids):
        quantities[customer_id] = Decimal(100 + n)
        post_until_stored(client, batch(customer_id, [f"s-{n}"], [str(quantities[customer_id])]))
    client.close()
    answered = retried = 0
    retry_waits: list[float] = []
    orphans = 0  # runs a start and its retry created beyond one
    for kill in range(kills):
        key = {"Idempotency-Key": f"start-{seed}-{kill}"}
        _warm(gateway.url)
        before_kill = set(_run_ids(data, env))
        client = Client(gateway.url, timeout=60)
        with _killer(data, env, gateway, before_kill, rng.uniform(*window_s), in_run=in_run):
            try:
                status, _ = client.call("POST", RUN_START, headers=key)
                answered += status == 200  # the run was started (and, in-process, billed) before the kill
            except (OSError, http.client.HTTPException):
                pass  # killed mid-request
        gateway.process.wait(timeout=20)
        gateway = start_gateway(data, env, port=gateway.port)
        if (kill + 1) % retry_every == 0:
            waited, _ = _retry_start(gateway.url, key)
            retry_waits.append(waited)
            orphans += len(set(_run_ids(data, env)) - before_kill) - 1  # the start and its retry: one run
            retried += 1
    runs_before_sweep = _run_statuses(data, env, gateway.url)
    sweep = _fire_sweep(data, env, later=timedelta(minutes=16))
    client = Client(gateway.url)
    for run_id in runs_before_sweep:
        wait_for_run(client, run_id, timeout_s=120, until=("done", "failed"))
    runs = _run_statuses(data, env, gateway.url)
    invoices = {c: client.call("GET", f"/v1/customers/{c}/invoices")[1] for c in ids}
    client.close()
    stop(gateway)
    exact = all(
        len(found) == 1 and Decimal(found[0]["total"]) == quantities[c] * Decimal("0.01")  # type: ignore[index]
        for c, found in invoices.items()
    )
    stuck = [run_id for run_id, status in runs.items() if status == "running"]
    return {
        "customers": customers,
        "kills": kills,
        "killed 5-120 ms into the request, answered before the kill": answered,
        "runs created": len(runs),
        "retried with the same Idempotency-Key": retried,
        "runs a retry added (orphans)": orphans,
        "seconds a retry waited (the killed request's lock)": max(retry_waits, default=0.0).__round__(1),
        "running before the sweep": sum(status == "running" for status in runs_before_sweep.values()),
        "sweep (schedule tick 16 min later) exit": sweep,
        "stuck runs after the sweep": len(stuck),
        "failed runs": sum(status == "failed" for status in runs.values()),
        "invoices per customer": sorted({len(found) for found in invoices.values()}),  # type: ignore[arg-type]
        "totals exact": exact,
    }


@contextmanager
def _killer(
    data: Path, env: dict[str, str], gateway: Gateway, known: set[str], delay_s: float, *, in_run: bool
) -> Iterator[None]:
    """SIGKILL the gateway during the request made inside: after `delay_s`, or (`in_run`) once a new run queues."""
    if not in_run:
        timer = threading.Timer(delay_s, gateway.process.kill)
        timer.start()
        yield
        timer.join()
        return
    if env.get("STORAGE_BACKEND") == "dynamodb":
        from moto.sqs.models import SQSBackend  # the moto server serves from this process

        send = SQSBackend.send_message_batch
        armed = threading.Event()
        armed.set()

        def kill_first(backend: Any, queue_name: str, entries: Any) -> Any:
            if armed.is_set():
                armed.clear()
                gateway.process.kill()  # the shards are sent; the run never learns it
            return send(backend, queue_name, entries)

        SQSBackend.send_message_batch = kill_first  # type: ignore[method-assign]
        try:
            yield
        finally:
            SQSBackend.send_message_batch = send  # type: ignore[method-assign]
        return
    stop_polling = threading.Event()

    def kill_when_queuing() -> None:
        deadline = time.monotonic() + 60
        while not stop_polling.is_set() and time.monotonic() < deadline:
            if set(_run_ids(data, env)) - known:  # committed, its page of customers being billed
                break
            time.sleep(0.002)
        gateway.process.kill()

    poller = threading.Thread(target=kill_when_queuing, daemon=True)
    poller.start()
    try:
        yield
    finally:
        stop_polling.set()
        poller.join()


def _warm(url: str) -> None:
    """Load the run's function, open the storage and import the idempotency machinery (a keyed request to
    another route) first, so that the kill lands in the run, not in a cold start."""
    client = Client(url)
    client.call("POST", "/v1/invoices/run?period=not-a-period")
    client.call("GET", "/v1/billing-runs/run_warm")
    client.call("POST", "/v1/api-keys", {"name": "warm"}, headers={"Idempotency-Key": f"warm-{time.monotonic_ns()}"})
    client.close()


def _retry_start(url: str, key: dict[str, str], timeout_s: float = 120) -> tuple[float, str]:
    """Retry a killed start with its Idempotency-Key as a client should: 409 (the killed request's lock) means
    wait and retry; the answer names the run the first attempt created, resumed."""
    client = Client(url, timeout=60)
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        status, body = client.call("POST", RUN_START, headers=key)
        if status == 200:
            client.close()
            return time.monotonic() - started, body["billing_run_id"]  # type: ignore[index]
        assert status in (409, 503), (status, body)
        time.sleep(1)
    raise TimeoutError(f"a retried start still refused after {timeout_s} s")


def _run_ids(data: Path, env: dict[str, str]) -> list[str]:
    """Every billing run in storage, read directly (the API lists none)."""
    if env.get("STORAGE_BACKEND") == "dynamodb":
        import boto3

        dynamodb = boto3.session.Session().client("dynamodb")
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=env["TABLE_NAME"], FilterExpression="SK = :run", ExpressionAttributeValues={":run": {"S": "RUN"}}
        )
        return [item["PK"]["S"].removeprefix("RUN#") for page in pages for item in page["Items"]]
    connection = sqlite3.connect(data / "billing.db")
    run_ids = [row[0] for row in connection.execute("SELECT id FROM billing_runs")]
    connection.close()
    return run_ids


def _run_statuses(data: Path, env: dict[str, str], url: str) -> dict[str, str]:
    """Every billing run in storage and its status as the API reports it."""
    client = Client(url)
    statuses = {
        run_id: client.call("GET", f"/v1/billing-runs/{run_id}")[1]["status"]  # type: ignore[index]
        for run_id in _run_ids(data, env)
    }
    client.close()
    return statuses


def _fire_sweep(data: Path, env: dict[str, str], *, later: timedelta) -> int:
    """The daily schedule's tick (it sweeps stalled runs first), as `make schedule ACTION=finalize NOW=...`."""
    now = (datetime.now(UTC) + later).isoformat()
    environment = {**inherited(env), "BILLING_DB_PATH": str(data / "billing.db"), "POWERTOOLS_LOG_LEVEL": "ERROR"}
    command = [sys.executable, "-m", "local_gateway.schedule", "--template", "template.yaml", "--action", "finalize"]
    done = subprocess.run(
        [*command, "--now", now], cwd=REPO, env=environment, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0 or '"level":"ERROR"' in done.stdout:
        print(done.stdout[-4000:], done.stderr[-4000:], file=sys.stderr)  # what the tick logged
    return done.returncode


# --- billing runs and finalizations --------------------------------------------------------------------


def racing_runs(data: Path, env: dict[str, str], *, customers: int) -> dict[str, object]:
    with running(data, env) as gateway:
        ids = create_customers(gateway.url, customers, "runs")
        client = Client(gateway.url)
        for n, customer_id in enumerate(ids):
            client.call("POST", "/v1/events/batch", batch(customer_id, [f"r-{n}"], ["100"]))
        runs = _together(2, lambda: Client(gateway.url).call("POST", "/v1/invoices/run?period=2025-09&unit_price=0.01"))
        statuses = [status for status, _ in runs]
        for _, run in runs:
            wait_for_run(client, run["billing_run_id"])  # type: ignore[index]
        per_customer = [len(client.call("GET", f"/v1/customers/{c}/invoices")[1]) for c in ids]  # type: ignore[arg-type]
    return {
        "runs at once": 2,
        "statuses": sorted(statuses),
        "customers": customers,
        "invoices per customer": sorted(set(per_customer)),
    }


def racing_finalizations(data: Path, env: dict[str, str], *, invoices: int, callers: int) -> dict[str, object]:
    first = start_gateway(data, env)
    second = start_gateway(data, env)
    try:
        ids = create_customers(first.url, invoices, "final")
        client = Client(first.url)
        for n, customer_id in enumerate(ids):
            client.call("POST", "/v1/events/batch", batch(customer_id, [f"f-{n}"], ["500"]))
            client.call("POST", f"/v1/customers/{customer_id}/credits", {"amount": "3.00"})
        _, run = client.call("POST", "/v1/invoices/run?period=2025-09&unit_price=0.01")
        wait_for_run(client, run["billing_run_id"])  # type: ignore[index]
        invoice_ids = [i["id"] for c in ids for i in client.call("GET", f"/v1/customers/{c}/invoices")[1]]  # type: ignore[union-attr,index]
        urls = [first.url, second.url]

        def finalize_all(caller: int) -> list[int]:
            caller_client = Client(urls[caller % 2])
            return [caller_client.call("POST", f"/v1/invoices/{i}/finalize")[0] for i in invoice_ids]

        statuses = [s for result in _together(callers, finalize_all, indexed=True) for s in result]
        balances = {client.call("GET", f"/v1/customers/{c}/credits")[1]["balance"] for c in ids}  # type: ignore[index]
        finals = {client.call("GET", f"/v1/invoices/{i}")[1]["status"] for i in invoice_ids}  # type: ignore[index]
    finally:
        stop(first)
        stop(second)
    return {
        "gateway processes": 2,
        "invoices": len(invoice_ids),
        "finalize calls": len(statuses),
        "non-200 answers": sum(s != 200 for s in statuses),
        "invoice statuses": sorted(finals),
        "credit balances after": sorted(balances),
    }


def wait_for_run(client: Client, run_id: str, timeout_s: float = 300, until: tuple[str, ...] = ("done",)) -> None:
    """Until the run has billed or failed every customer it queued (at once in-process; via SQS otherwise)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status, run = client.call("GET", f"/v1/billing-runs/{run_id}")
        if status == 200 and run["status"] in until:  # type: ignore[index]
            return
        time.sleep(0.2)
    raise TimeoutError(f"billing run {run_id} still running after {timeout_s} s")


def _together(count: int, work, *, indexed: bool = False) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index) if indexed else work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def report(results: dict[str, dict[str, object]], command: str) -> str:
    lines = ["## Faults measured", "", f"Command: `{command}` (loopback only).", ""]
    for name, figures in results.items():
        lines += [f"### {name}", "", "| figure | value |", "|---|---|"]
        lines += [f"| {key} | {value} |" for key, value in figures.items()]
        lines.append("")
    return "\n".join(lines)


@contextmanager
def backend(name: str) -> Iterator[dict[str, str]]:
    """The gateways' environment for a backend. DynamoDB: moto's server in this process (so a killed gateway
    loses nothing), the table and queues made from template.yaml, and this process playing the SQS event
    source for the billing worker, as `make run` does."""
    if name == "sqlite":
        yield {"STORAGE_BACKEND": "sqlite"}
        return
    from local_gateway.aws_emulator import AwsEmulator

    emulator = AwsEmulator(REPO / "template.yaml")
    saved = dict(os.environ)
    try:
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # the worker runs here: keep stdout for the report
        local = emulator.start(os.environ)  # the worker runs here and needs the same environment
        emulator.start_pollers()
        yield dict(local.environment)
    finally:
        emulator.stop()
        os.environ.clear()
        os.environ.update(saved)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a test runs this)")
    parser.add_argument("--backend", choices=["sqlite", "dynamodb"], default="sqlite")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help='run only this scenario (repeatable), e.g. "SIGKILL during a run start"',
    )
    args = parser.parse_args(argv)
    sizes = SIZES[(args.backend, args.quick)]
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp, backend(args.backend) as env:
        root = Path(tmp)
        for name, run in (
            (
                "Concurrent writers",
                lambda d: concurrent_writers(
                    d, env, writers=sizes["writers"], batches=sizes["batches"], size=sizes["size"]
                ),
            ),
            ("SIGKILL mid-ingest", lambda d: kills(d, env, kills=sizes["kills"], size=sizes["size"])),
            ("Two billing runs at once", lambda d: racing_runs(d, env, customers=sizes["customers"])),
            (
                "SIGKILL during a run start",
                lambda d: run_start_kills(d, env, customers=sizes["run customers"], kills=sizes["run kills"]),
            ),
            (
                "Racing finalizations across processes",
                lambda d: racing_finalizations(d, env, invoices=sizes["invoices"], callers=sizes["callers"]),
            ),
        ):
            if args.only and name not in args.only:
                continue
            folder = root / re.sub(r"\W+", "-", name.lower())
            folder.mkdir()
            print(f"{name} ...", file=sys.stderr, flush=True)
            results[name] = run(folder)
    command = "python -m bench.faults" + (" --quick" if args.quick else "") + f" --backend {args.backend}"
    command += "".join(f' --only "{name}"' for name in args.only or ())
    print(report(results, command))


if __name__ == "__main__":
    main()
