"""Billing run: every customer's draft invoice for September, against a raw GROUP BY over the same events.

Each run bills a fresh copy of the prepared database in its own process (`python -m bench.billing_child`),
so that its peak memory is its own: the child reads its peak resident memory (VmHWM of /proc/self/status;
not ru_maxrss, which Linux carries over from the forking parent) before and after the run. The same child
then times the raw scan
`SELECT customer_id, feature, SUM(quantity) FROM events WHERE period = ? GROUP BY customer_id, feature`.
"""

from __future__ import annotations

import contextlib
import cProfile
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import REPO, data, lambda_env, profiling
from bench.stats import median


@dataclass(frozen=True)
class BillingChildRun:
    billing_s: float
    scan_s: float
    rss_before_mb: float  # interpreter, handler imported, storage opened
    rss_peak_mb: float
    invoices: int
    scan_rows: int

    @property
    def ratio(self) -> float:
        return self.billing_s / self.scan_s


@dataclass(frozen=True)
class BillingDataset:
    path: Path
    customers: int
    events: int
    pricing: str  # what the customers are billed with


@dataclass(frozen=True)
class BillingFigures:
    dataset: BillingDataset
    runs: tuple[BillingChildRun, ...]
    profile: profiling.ProfileSummary | None = None

    @property
    def billing_s(self) -> float:
        return median([run.billing_s for run in self.runs])

    @property
    def scan_s(self) -> float:
        return median([run.scan_s for run in self.runs])

    @property
    def ratio(self) -> float:
        return median([run.ratio for run in self.runs])

    @property
    def per_customer_us(self) -> float:
        return self.billing_s / self.dataset.customers * 1e6

    @property
    def scan_per_customer_us(self) -> float:
        return self.scan_s / self.dataset.customers * 1e6

    @property
    def rss_peak_mb(self) -> float:
        return max(run.rss_peak_mb for run in self.runs)

    @property
    def rss_before_mb(self) -> float:
        return median([run.rss_before_mb for run in self.runs])


def prepare(workdir: Path, name: str, customers: int, events: int, *, show_progress: bool) -> BillingDataset:
    """A database with `customers` customers on a graduated plan and `events` events in September."""
    path = workdir / f"{name}.db"
    services = lambda_env.fresh_database(path)
    plan = data.graduated_plan(services)
    customer_ids = data.add_customers(services, customers, plan=plan, show_progress=show_progress)
    stored = data.fill_customers(services, customer_ids, events, seed=11, show_progress=show_progress)
    if stored != events:
        raise RuntimeError(f"stored {stored} events, not {events}")
    lambda_env.release_database()
    tiers = ", ".join(
        f"{'up to ' + tier['up_to'] if tier['up_to'] else 'above'} at {tier['unit_amount']}"
        for tier in data.GRADUATED_TIERS
    )
    return BillingDataset(path, customers, events, f"graduated plan on each of {len(data.FEATURES)} features ({tiers})")


def _fresh_copy(dataset: BillingDataset, workdir: Path) -> Path:
    copy = workdir / "billing-run.db"
    for leftover in (copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(dataset.path, copy)
    return copy


def child_run(dataset: BillingDataset, workdir: Path) -> BillingChildRun:
    copy = _fresh_copy(dataset, workdir)
    completed = subprocess.run(
        [sys.executable, "-m", "bench.billing_child", str(copy), data.PERIOD.key, str(dataset.customers)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"billing child failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return BillingChildRun(**result)


def measure_dataset(dataset: BillingDataset, workdir: Path, runs: int, *, show_progress: bool) -> BillingFigures:
    results = []
    with data.progress(
        runs, f"billing runs ({dataset.customers:,} customers)", enabled=show_progress, unit="run"
    ) as bar:
        for _ in range(runs):
            results.append(child_run(dataset, workdir))
            bar.update()
    return BillingFigures(dataset, tuple(results))


def profile(functions: lambda_env.Functions, dataset: BillingDataset, workdir: Path) -> profiling.ProfileSummary:
    """cProfile of one billing run through the handler, in this process, on a fresh copy."""
    from bench.billing_child import ROUTE

    lambda_env.open_database(_fresh_copy(dataset, workdir))
    handler = functions.route(ROUTE)
    event = lambda_env.event(ROUTE, "/v1/invoices/run", query={"period": data.PERIOD.key})
    profiler = cProfile.Profile()
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        lambda_env.checked(profiler.runcall(handler, event, functions.context(ROUTE)))
    lambda_env.release_database()
    return profiling.summarize(f"billing run: {dataset.customers:,} customers, {dataset.events:,} events", profiler)


def measure(functions: lambda_env.Functions, workdir: Path, sizes, *, show_progress: bool) -> BillingFigures:
    dataset = prepare(workdir, "billing", sizes.billing_customers, sizes.billing_events, show_progress=show_progress)
    figures = measure_dataset(dataset, workdir, sizes.runs, show_progress=show_progress)
    return BillingFigures(dataset, figures.runs, profile(functions, dataset, workdir))
