"""The issue's targets, and each figure's verdict against them (the report's Summary)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.report import Results

# The targets (one process, SQLite, this 2-core machine).
INGEST_EVENTS_PER_S = 50_000
INGEST_RATIO = 1.5
USAGE_P99_MS = 10.0
BILLING_RATIO = 1.0
BILLING_RSS_MB = 200.0
COLD_START_MS = 250.0
LINEAR_EXPONENT = 1.05  # a fitted cost ∝ size^k with k up to this counts as linear (noise allowance)


@dataclass(frozen=True)
class Verdict:
    number: str
    figure: str
    measured: str
    target: str
    passed: bool | None  # None: reported, no target
    miss: str = ""  # by how much, when missed

    @property
    def result(self) -> str:
        if self.passed is None:
            return "—"
        return "**pass**" if self.passed else f"**miss**: {self.miss}"


def at_least(measured: float, target: float) -> str:
    return f"{(1 - measured / target) * 100:.0f}% short ({target / measured:.2f}× faster needed)"


def at_most(measured: float, target: float) -> str:
    return f"{measured / target:.2f}× the target"


def verdicts(results: Results) -> list[Verdict]:
    ingest, usage, billing, cold, scale = (
        results.ingest,
        results.usage,
        results.billing,
        results.cold_start,
        results.scale,
    )
    worst = cold.worst
    found = [
        Verdict(
            "1",
            f"Ingest, real path (batches of {ingest.batch_size:,})",
            f"{ingest.events_per_s:,.0f} events/s",
            f"≥ {INGEST_EVENTS_PER_S:,} events/s",
            ingest.events_per_s >= INGEST_EVENTS_PER_S,
            at_least(ingest.events_per_s, INGEST_EVENTS_PER_S),
        ),
        Verdict(
            "1",
            "Ingest time ÷ raw executemany time (same rows, same run)",
            f"{ingest.ratio:.2f}",
            f"≤ {INGEST_RATIO}",
            ingest.ratio <= INGEST_RATIO,
            at_most(ingest.ratio, INGEST_RATIO),
        ),
        Verdict(
            "1",
            "Ingest over HTTP (local gateway, loopback)",
            f"{ingest.http_events_per_s:,.0f} events/s ({ingest.http_ratio:.2f}× the direct call's time)",
            "reported",
            None,
        ),
    ]
    for kind, label in (("totals", "totals"), ("daily", "daily series")):
        p99 = usage.p(kind, 0.99)
        found.append(
            Verdict(
                "2",
                f"Usage read p99, one customer-month ({label})",
                f"{p99:.1f} ms (p50 {usage.p(kind, 0.5):.1f} ms)",
                f"≤ {USAGE_P99_MS:.0f} ms",
                p99 <= USAGE_P99_MS,
                at_most(p99, USAGE_P99_MS),
            )
        )
    found += [
        Verdict(
            "3",
            "Billing run ÷ raw GROUP BY scan (same events, same run)",
            f"{billing.ratio:.2f} ({billing.billing_s:.2f} s vs {billing.scan_s:.2f} s)",
            f"≤ {BILLING_RATIO:.1f}",
            billing.ratio <= BILLING_RATIO,
            at_most(billing.ratio, BILLING_RATIO),
        ),
        Verdict(
            "3",
            "Billing run peak memory (max RSS of its process)",
            f"{billing.rss_peak_mb:.0f} MB",
            f"≤ {BILLING_RSS_MB:.0f} MB",
            billing.rss_peak_mb <= BILLING_RSS_MB,
            at_most(billing.rss_peak_mb, BILLING_RSS_MB),
        ),
        Verdict(
            "4",
            f"Cold start: slowest function's import ({worst.name})",
            f"{worst.import_ms:.0f} ms",
            f"≤ {COLD_START_MS:.0f} ms",
            worst.import_ms <= COLD_START_MS,
            at_most(worst.import_ms, COLD_START_MS),
        ),
    ]
    for attribute, label in (("ingest_s", "ingest"), ("billing_s", "billing")):
        exponent = scale.exponent(attribute)
        found.append(
            Verdict(
                "5",
                f"Scale: {label} cost ∝ events^k",
                f"k = {exponent:.2f}",
                f"linear or better (k ≤ {LINEAR_EXPONENT})",
                round(exponent, 2) <= LINEAR_EXPONENT,
                f"k = {exponent:.2f}: superlinear",
            )
        )
    dynamo = results.dynamodb
    if dynamo.measured:
        figure = f"${dynamo.cost_per_million_events:.2f} per million events, ${dynamo.cost_per_billing_run:.3f} per run"
    else:
        figure = dynamo.note
    found.append(Verdict("6", "DynamoDB on-demand cost (units counted by the adapter)", figure, "reported", None))
    return found
