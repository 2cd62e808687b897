"""Ingest: events/s through the real path, against a raw `executemany` of the same rows; and over HTTP.

Real path: a payload-2.0 event (the client's JSON batch) → the ingest handler (Powertools resolver,
pydantic validation) → the ingest service → the SQLite adapter (dedup check, events, every rollup),
one transaction per batch. Raw: `BEGIN IMMEDIATE; executemany(INSERT INTO events ...); COMMIT` of the
rows the real path stored, batch for batch, into the same schema (a migrated, empty file). Between the
two, the time spent inside the adapter's `usage.record` alone.
"""

from __future__ import annotations

import contextlib
import cProfile
import http.client
import io
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from billing.adapters.sqlite.engine.database import Database
from billing.domain.usage import RecordResult, UsageEvent

from bench import data, lambda_env, profiling
from bench.stats import median, percentile
from local_gateway.server import LocalGateway

ROUTE = "POST /v1/events/batch"
INSERT_EVENTS = (
    "INSERT INTO events (customer_id, event_id, feature, quantity, ts, period, properties) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class IngestRun:
    events: int
    real_s: float
    raw_s: float
    adapter_s: float | None  # the SQLite adapter's record() alone, same batches, events already built
    batch_ms: tuple[float, ...]  # real path, per batch

    @property
    def ratio(self) -> float:
        return self.real_s / self.raw_s

    @property
    def adapter_ratio(self) -> float:
        if self.adapter_s is None:
            raise ValueError("this run did not measure the adapter alone")
        return self.adapter_s / self.raw_s


@dataclass(frozen=True)
class HttpRun:
    events: int
    http_s: float
    direct_s: float

    @property
    def ratio(self) -> float:
        return self.http_s / self.direct_s


@dataclass(frozen=True)
class IngestFigures:
    batch_size: int
    runs: tuple[IngestRun, ...]
    http_runs: tuple[HttpRun, ...]
    profile: profiling.ProfileSummary

    @property
    def events(self) -> int:
        return self.runs[0].events

    @property
    def events_per_s(self) -> float:
        return self.events / median([run.real_s for run in self.runs])

    @property
    def raw_rows_per_s(self) -> float:
        return self.events / median([run.raw_s for run in self.runs])

    @property
    def ratio(self) -> float:
        return median([run.ratio for run in self.runs])

    @property
    def adapter_ratio(self) -> float:
        return median([run.adapter_ratio for run in self.runs])

    @property
    def batch_p50_ms(self) -> float:
        return median([percentile(run.batch_ms, 0.5) for run in self.runs])

    @property
    def batch_p99_ms(self) -> float:
        return median([percentile(run.batch_ms, 0.99) for run in self.runs])

    @property
    def http_events_per_s(self) -> float:
        return self.http_runs[0].events / median([run.http_s for run in self.http_runs])

    @property
    def http_ratio(self) -> float:
        return median([run.ratio for run in self.http_runs])


def _customers(workdir: Path, name: str, count: int) -> list[str]:
    services = lambda_env.fresh_database(workdir / f"{name}.db")
    return data.add_customers(services, count, plan=None, show_progress=False)


def real_path(
    functions: lambda_env.Functions, workdir: Path, total: int, *, customers: int, batch_size: int, seed: int
) -> tuple[float, list[float]]:
    """Seconds spent in the ingest handler for `total` events (fresh database), and each batch's ms."""
    customer_ids = _customers(workdir, "ingest-real", customers)
    handler = functions.route(ROUTE)
    timings = []
    for customer_id, batch in data.batches(seed, customer_ids, total, batch_size):
        event = lambda_env.event(ROUTE, "/v1/events/batch", body=data.batch_body(customer_id, batch))
        context = functions.context(ROUTE)
        started = time.perf_counter()
        reply = handler(event, context)
        timings.append(time.perf_counter() - started)
        if reply["statusCode"] != 200:
            lambda_env.checked(reply)
    stored = lambda_env.sqlite_connection().execute("SELECT count(*) FROM events")
    if (count := stored.fetchone()[0]) != total:
        raise RuntimeError(f"the real path stored {count} events, not {total}")
    return sum(timings), [seconds * 1000 for seconds in timings]


def raw_executemany(workdir: Path, total: int, *, customers: int, batch_size: int, seed: int) -> float:
    """Seconds of BEGIN/executemany/COMMIT of the same rows, batch for batch, into a fresh migrated file."""
    path = workdir / "ingest-raw.db"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    database = Database(path)  # the adapter's own connection settings (WAL, synchronous=NORMAL)
    conn = database.connection()
    customer_ids = [f"cus_raw{index:04d}" for index in range(customers)]
    elapsed = 0.0
    for customer_id, batch in data.batches(seed, customer_ids, total, batch_size):
        rows = [data.stored_row(customer_id, event) for event in batch]
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_EVENTS, rows)
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - started
    database.close()
    return elapsed


def adapter_only(workdir: Path, total: int, *, customers: int, batch_size: int, seed: int) -> float:
    """Seconds inside the adapter's `usage.record` (dedup check, events, rollups) for the same batches,
    sent through the ingest service: the storage floor under the real path."""
    customer_ids = _customers(workdir, "ingest-adapter", customers)
    services = lambda_env.bootstrap.services()
    usage = services.storage.usage
    record = usage.record
    elapsed = 0.0

    def timed_record(events: Sequence[UsageEvent]) -> RecordResult:
        nonlocal elapsed
        started = time.perf_counter()
        result = record(events)
        elapsed += time.perf_counter() - started
        return result

    usage.record = timed_record  # type: ignore[method-assign]  # a probe on this instance only
    try:
        for customer_id, batch in data.batches(seed, customer_ids, total, batch_size):
            services.ingest.ingest(customer_id, [data.new_event(event) for event in batch])
    finally:
        del usage.record  # the class's method again
    return elapsed


def ingest_run(
    functions: lambda_env.Functions,
    workdir: Path,
    total: int,
    *,
    customers: int,
    batch_size: int,
    seed: int,
    real_first: bool,
    with_adapter: bool = True,
) -> IngestRun:
    def real() -> tuple[float, list[float]]:
        return real_path(functions, workdir, total, customers=customers, batch_size=batch_size, seed=seed)

    def raw() -> float:
        return raw_executemany(workdir, total, customers=customers, batch_size=batch_size, seed=seed)

    if real_first:
        real_s, batch_ms = real()
        raw_s = raw()
    else:
        raw_s = raw()
        real_s, batch_ms = real()
    adapter_s = (
        adapter_only(workdir, total, customers=customers, batch_size=batch_size, seed=seed) if with_adapter else None
    )
    return IngestRun(total, real_s, raw_s, adapter_s, tuple(batch_ms))


@contextlib.contextmanager
def _quiet_access_log() -> Iterator[None]:
    # The gateway writes one access-log line per request to stderr.
    with contextlib.redirect_stderr(io.StringIO()):
        yield


def http_run(functions: lambda_env.Functions, workdir: Path, total: int, *, batch_size: int, seed: int) -> HttpRun:
    """The same batches over real HTTP (loopback, keep-alive, authorizer included) and called directly."""
    customer_ids = _customers(workdir, "ingest-http", 1)
    bodies = [
        json.dumps(data.batch_body(customer_id, batch)).encode()
        for customer_id, batch in data.batches(seed, customer_ids, total, batch_size)
    ]
    headers = {
        "authorization": f"Bearer {os.environ['BILLING_ADMIN_API_KEY']}",
        "content-type": "application/json",
    }
    with LocalGateway(lambda_env.TEMPLATE, port=0) as gateway, _quiet_access_log():
        host, port = gateway.url.removeprefix("http://").rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        warm_up = {
            "customer_id": customer_ids[0],
            "events": [{"feature": "warm_up", "quantity": "0", "ts": "2025-08-01T00:00:00Z"}],
        }
        connection.request("POST", "/v1/events/batch", body=json.dumps(warm_up).encode(), headers=headers)
        connection.getresponse().read()  # the gateway imports the authorizer and the handler on first use
        started = time.perf_counter()
        for body in bodies:
            connection.request("POST", "/v1/events/batch", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                raise lambda_env.HandlerError(f"HTTP {response.status}: {payload[:300]!r}")
        http_s = time.perf_counter() - started
        connection.close()
    direct_s, _ = real_path(functions, workdir, total, customers=1, batch_size=batch_size, seed=seed)
    return HttpRun(total, http_s, direct_s)


def measure(functions: lambda_env.Functions, workdir: Path, sizes, *, show_progress: bool) -> IngestFigures:
    total = sizes.ingest_batches * sizes.batch_size
    runs = []
    with data.progress(sizes.runs, "ingest runs", enabled=show_progress, unit="run") as bar:
        for index in range(sizes.runs):
            runs.append(
                ingest_run(
                    functions,
                    workdir,
                    total,
                    customers=sizes.ingest_customers,
                    batch_size=sizes.batch_size,
                    seed=index,
                    real_first=index % 2 == 0,
                )
            )
            bar.update()
    http_total = sizes.http_batches * sizes.batch_size
    http_runs = [
        http_run(functions, workdir, http_total, batch_size=sizes.batch_size, seed=100 + index)
        for index in range(max(2, sizes.runs - 2))
    ]
    return IngestFigures(sizes.batch_size, tuple(runs), tuple(http_runs), profile(functions, workdir, sizes))


def profile(functions: lambda_env.Functions, workdir: Path, sizes) -> profiling.ProfileSummary:
    """cProfile of the handler calls alone (the workload's generation is not in it)."""
    customer_ids = _customers(workdir, "ingest-profile", sizes.ingest_customers)
    handler = functions.route(ROUTE)
    profiler = cProfile.Profile()
    batches = min(sizes.ingest_batches, 30)
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        for customer_id, batch in data.batches(999, customer_ids, batches * sizes.batch_size, sizes.batch_size):
            event = lambda_env.event(ROUTE, "/v1/events/batch", body=data.batch_body(customer_id, batch))
            context = functions.context(ROUTE)
            profiler.enable()
            handler(event, context)
            profiler.disable()
    return profiling.summarize(f"ingest: {batches} batches of {sizes.batch_size:,} through the handler", profiler)
