"""Usage read: p50/p99 latency of the usage route for one customer-month, against a raw scan of that month.

One customer has `usage_events` events in September (stored through the adapter, rollups included).
The route answers totals (no window) and the daily series (window=day) for the whole month; the raw
scan is `SELECT feature, SUM(quantity) FROM events WHERE customer_id = ? AND ts in the month GROUP BY feature`.
"""

from __future__ import annotations

import cProfile
import random
import time
from dataclasses import dataclass
from pathlib import Path

from bench import data, lambda_env, profiling
from bench.stats import median, percentile

ROUTE = "GET /v1/customers/{customer_id}/usage"
WARM_UP = 5
RAW_SCAN = "SELECT feature, SUM(quantity) FROM events WHERE customer_id = ? AND ts >= ? AND ts < ? GROUP BY feature"


BUCKET_FETCH = (
    "SELECT feature, bucket_start, sum, count, max, latest_ts, latest_quantity FROM usage_15m"
    " WHERE customer_id = ? AND bucket_start >= ? AND bucket_start < ?"
)


@dataclass(frozen=True)
class UsageRun:
    totals_ms: tuple[float, ...]
    daily_ms: tuple[float, ...]
    scan_ms: tuple[float, ...]
    fetch_ms: tuple[float, ...]  # fetching the month's 15-minute rollup rows into Python, nothing else


@dataclass(frozen=True)
class UsageFigures:
    events: int
    features: int
    bucket_rows: int
    runs: tuple[UsageRun, ...]
    profile: profiling.ProfileSummary

    def p(self, kind: str, fraction: float) -> float:
        return median([percentile(getattr(run, f"{kind}_ms"), fraction) for run in self.runs])

    @property
    def scan_ms(self) -> float:
        return median([median(run.scan_ms) for run in self.runs])

    @property
    def fetch_ms(self) -> float:
        return median([median(run.fetch_ms) for run in self.runs])

    @property
    def scan_ratio(self) -> float:
        """How many times faster the totals route is than the raw scan (p50 against p50, same run)."""
        return median([median(run.scan_ms) / percentile(run.totals_ms, 0.5) for run in self.runs])


def prepare(workdir: Path, events: int, *, show_progress: bool) -> tuple[str, int]:
    services = lambda_env.fresh_database(workdir / "usage.db")
    (customer_id,) = data.add_customers(services, 1, plan=None, show_progress=False)
    step = (data.END_US - data.START_US) / events
    with data.progress(events, "usage-read data", enabled=show_progress) as bar:
        stored = data.record_events(services, customer_id, data.events(random.Random(7), events, step_us=step), bar)
    if stored != events:
        raise RuntimeError(f"stored {stored} events, not {events}")
    rows = lambda_env.sqlite_connection().execute(
        "SELECT count(*) FROM usage_15m WHERE customer_id = ?", (customer_id,)
    )
    return customer_id, rows.fetchone()[0]


def _timed(handler, event, context) -> float:
    started = time.perf_counter()
    reply = handler(event, context)
    elapsed = time.perf_counter() - started
    if reply["statusCode"] != 200:
        lambda_env.checked(reply)
    return elapsed * 1000


def measure(functions: lambda_env.Functions, workdir: Path, sizes, *, show_progress: bool) -> UsageFigures:
    customer_id, bucket_rows = prepare(workdir, sizes.usage_events, show_progress=show_progress)
    handler = functions.route(ROUTE)
    month = {"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z"}
    path = f"/v1/customers/{customer_id}/usage"
    totals = lambda_env.event(ROUTE, path, query=month, path_parameters={"customer_id": customer_id})
    daily = lambda_env.event(
        ROUTE, path, query={**month, "window": "day"}, path_parameters={"customer_id": customer_id}
    )
    context = functions.context(ROUTE)
    answer = lambda_env.checked(handler(totals, context))
    conn = lambda_env.sqlite_connection()
    scan_args = (customer_id, data.START_US, data.END_US)
    scanned = {feature: total for feature, total in conn.execute(RAW_SCAN, scan_args)}
    for item in answer:  # the route and the scan agree (the scan sums floats, hence the tolerance)
        if abs(float(item["quantity"]) - scanned[item["feature"]]) > 1e-6 * max(1.0, scanned[item["feature"]]):
            raise RuntimeError(f"usage route says {item}, the raw scan {scanned}")
    for _ in range(WARM_UP):
        _timed(handler, totals, context)
        _timed(handler, daily, context)
    runs = []
    with data.progress(sizes.runs, "usage-read runs", enabled=show_progress, unit="run") as bar:
        for _ in range(sizes.runs):
            totals_ms, daily_ms, fetch_ms = [], [], []
            for _ in range(sizes.usage_requests):  # interleaved: every kind sees the same machine noise
                totals_ms.append(_timed(handler, totals, context))
                daily_ms.append(_timed(handler, daily, context))
                started = time.perf_counter()
                conn.execute(BUCKET_FETCH, scan_args).fetchall()
                fetch_ms.append((time.perf_counter() - started) * 1000)
            scan_ms = []
            for _ in range(sizes.usage_scan_runs):
                started = time.perf_counter()
                conn.execute(RAW_SCAN, scan_args).fetchall()
                scan_ms.append((time.perf_counter() - started) * 1000)
            runs.append(UsageRun(tuple(totals_ms), tuple(daily_ms), tuple(scan_ms), tuple(fetch_ms)))
            bar.update()
    profiler = cProfile.Profile()
    requests = min(sizes.usage_requests, 20)
    for _ in range(requests):
        profiler.runcall(handler, totals, context)
        profiler.runcall(handler, daily, context)
    summary = profiling.summarize(f"usage read: {requests} totals and {requests} daily-series requests", profiler)
    return UsageFigures(sizes.usage_events, len(answer), bucket_rows, tuple(runs), summary)
