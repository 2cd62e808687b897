"""How big each benchmark is: the full suite (the issue's sizes), `--quick`, and a tiny one for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    name: str
    runs: int  # repetitions behind every median
    ingest_batches: int  # batches of `batch_size` events per ingest run
    batch_size: int
    ingest_customers: int
    http_batches: int
    usage_events: int  # events stored for the one customer whose month is read
    usage_requests: int  # requests of each kind per run
    usage_scan_runs: int  # raw scans per run (each reads every event of the month)
    billing_customers: int
    billing_events: int
    scale_events: tuple[int, ...]
    scale_events_per_customer: int
    scale_runs: int
    cold_start_runs: int
    cold_start_uncompiled: bool  # also measure imports without .pyc (as `sam build` ships them)
    cold_start_functions: tuple[str, ...] | None = None  # None: every function

    @property
    def billing_events_per_customer(self) -> int:
        return self.billing_events // self.billing_customers


FULL = Sizes(
    name="full",
    runs=5,
    ingest_batches=100,
    batch_size=1000,
    ingest_customers=10,
    http_batches=50,
    usage_events=1_000_000,
    usage_requests=200,
    usage_scan_runs=3,
    billing_customers=10_000,
    billing_events=1_000_000,
    scale_events=(10_000, 100_000, 1_000_000),
    scale_events_per_customer=100,
    scale_runs=3,
    cold_start_runs=5,
    cold_start_uncompiled=True,
)

QUICK = Sizes(
    name="quick",
    runs=3,
    ingest_batches=20,
    batch_size=1000,
    ingest_customers=10,
    http_batches=10,
    usage_events=100_000,
    usage_requests=50,
    usage_scan_runs=2,
    billing_customers=1_000,
    billing_events=100_000,
    scale_events=(10_000, 30_000, 100_000),
    scale_events_per_customer=100,
    scale_runs=2,
    cold_start_runs=2,
    cold_start_uncompiled=False,
)

# For tests/bench: exercises every code path in a few seconds; the figures mean nothing.
TINY = Sizes(
    name="tiny",
    runs=2,
    ingest_batches=2,
    batch_size=100,
    ingest_customers=2,
    http_batches=2,
    usage_events=500,
    usage_requests=5,
    usage_scan_runs=1,
    billing_customers=5,
    billing_events=300,
    scale_events=(100, 200, 400),
    scale_events_per_customer=50,
    scale_runs=1,
    cold_start_runs=1,
    cold_start_uncompiled=False,
    cold_start_functions=("health",),
)

PRESETS = {sizes.name: sizes for sizes in (FULL, QUICK, TINY)}
