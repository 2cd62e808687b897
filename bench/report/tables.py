"""The report's tables: one function per table a section shows, over that benchmark's figures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bench import dynamodb
from bench.billing_run import BillingFigures
from bench.cold_start import ColdStartFigures
from bench.dynamodb import DynamoFigures
from bench.ingest import IngestFigures
from bench.profiling import ProfileSummary
from bench.report.targets import Verdict
from bench.scale import ScaleFigures
from bench.usage_read import UsageFigures


def table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def profile(summary: ProfileSummary | None) -> list[str]:
    if summary is None:
        return []
    lines = [
        f"Where the time goes (cProfile, {summary.workload}; own time per layer, {summary.total_s:.2f} s profiled):",
        "",
    ]
    lines += table(
        ("layer", "share"), ((share.layer, f"{share.share:.0%}") for share in summary.layers if share.share >= 0.01)
    )
    lines += [
        "",
        "Top functions by own time: " + "; ".join(f"`{name}` {own * 1000:.0f} ms" for name, own in summary.top),
    ]
    return [*lines, ""]


def summary(found: list[Verdict]) -> list[str]:
    return table(
        ("#", "figure", "measured", "target", "result"),
        ((v.number, v.figure, v.measured, v.target, v.result) for v in found),
    )


def ingest(ingest: IngestFigures) -> list[str]:
    runs = ingest.runs
    return table(
        ("", "median", "per run"),
        [
            (
                "real path (handler)",
                f"{ingest.events_per_s:,.0f} events/s",
                ", ".join(f"{run.events / run.real_s:,.0f}" for run in runs),
            ),
            (
                "raw executemany",
                f"{ingest.raw_rows_per_s:,.0f} rows/s",
                ", ".join(f"{run.events / run.raw_s:,.0f}" for run in runs),
            ),
            ("real ÷ raw (time)", f"{ingest.ratio:.2f}", ", ".join(f"{run.ratio:.2f}" for run in runs)),
            (
                "adapter only ÷ raw (time)",
                f"{ingest.adapter_ratio:.2f}",
                ", ".join(f"{run.adapter_ratio:.2f}" for run in runs),
            ),
            ("batch latency p50 / p99", f"{ingest.batch_p50_ms:.1f} / {ingest.batch_p99_ms:.1f} ms", ""),
            (
                "over HTTP (local gateway, keep-alive, authorizer)",
                f"{ingest.http_events_per_s:,.0f} events/s",
                ", ".join(f"{run.events / run.http_s:,.0f}" for run in ingest.http_runs),
            ),
            (
                "HTTP ÷ direct handler call (time)",
                f"{ingest.http_ratio:.2f}",
                ", ".join(f"{run.ratio:.2f}" for run in ingest.http_runs),
            ),
        ],
    )


def usage(usage: UsageFigures) -> list[str]:
    return table(
        ("", "p50", "p99"),
        [
            ("totals (route)", f"{usage.p('totals', 0.5):.1f} ms", f"{usage.p('totals', 0.99):.1f} ms"),
            ("daily series (route)", f"{usage.p('daily', 0.5):.1f} ms", f"{usage.p('daily', 0.99):.1f} ms"),
            ("raw scan: `SUM(quantity) … GROUP BY feature` over the events", f"{usage.scan_ms:.0f} ms", ""),
            (
                f"fetch of the month's {usage.bucket_rows:,} 15-minute rows, nothing else",
                f"{usage.fetch_ms:.1f} ms",
                "",
            ),
        ],
    )


def billing(billing: BillingFigures) -> list[str]:
    return table(
        ("", "median", "per run"),
        [
            (
                "billing run",
                f"{billing.billing_s:.2f} s ({billing.per_customer_us:.0f} µs per customer)",
                ", ".join(f"{run.billing_s:.2f}" for run in billing.runs),
            ),
            (
                "raw GROUP BY scan",
                f"{billing.scan_s:.2f} s ({billing.scan_per_customer_us:.0f} µs per customer)",
                ", ".join(f"{run.scan_s:.2f}" for run in billing.runs),
            ),
            ("run ÷ scan", f"{billing.ratio:.2f}", ", ".join(f"{run.ratio:.2f}" for run in billing.runs)),
            (
                "max RSS before → after the run",
                f"{billing.rss_before_mb:.0f} → {billing.rss_peak_mb:.0f} MB (worst run)",
                ", ".join(f"{run.rss_peak_mb:.0f}" for run in billing.runs),
            ),
        ],
    )


def cold_start(cold: ColdStartFigures) -> list[str]:
    return table(
        ("function", "import", "process − bare", "import without .pyc", "modules", "boto3", "X-Ray SDK"),
        (
            (
                f"`{f.name}`",
                f"{f.import_ms:.0f} ms",
                f"{f.process_ms - cold.bare_ms:.0f} ms",
                "—" if f.uncompiled_import_ms is None else f"{f.uncompiled_import_ms:.0f} ms",
                f.modules,
                "yes" if f.boto3 else "no",
                "yes" if f.xray else "no",
            )
            for f in cold.functions
        ),
    )


def scale(scale: ScaleFigures) -> list[str]:
    return table(
        ("events", "customers", "ingest", "raw insert", "billing run", "raw scan"),
        (
            (
                f"{p.events:,}",
                f"{p.customers:,}",
                f"{p.ingest_s:.2f} s ({p.ingest_s / p.events * 1e6:.1f} µs/event)",
                f"{p.ingest_raw_s:.2f} s ({p.ingest_raw_s / p.events * 1e6:.1f} µs/event)",
                f"{p.billing_s:.2f} s ({p.billing_s / p.events * 1e6:.1f} µs/event)",
                f"{p.scan_s:.2f} s ({p.scan_s / p.events * 1e6:.1f} µs/event)",
            )
            for p in scale.points
        ),
    )


def dynamodb_units(d: DynamoFigures) -> list[str]:
    return table(
        ["per", "requests", "by type", "write units", "read units"],
        [
            _units_row(f"ingested event (batches of {dynamodb.BATCH})", d.per_event),
            _units_row("ingested event (a batch of one)", d.per_single_event),
            _units_row("usage read (a month's totals)", d.per_usage_read),
            _units_row("billed customer (monthly run)", d.per_billed_customer),
            *_unique_count_rows(d),
        ],
    )


def dynamodb_timings(d: DynamoFigures) -> list[str]:
    return table(
        ["what", "moto"],
        [
            ["ingest", f"{d.ingest_events_per_s:,.0f} events/s"],
            ["usage read (median)", f"{d.usage_read_ms:.1f} ms"],
            ["billing", f"{d.billing_ms_per_customer:.1f} ms per customer"],
        ],
    )


def scale_fits(scale: ScaleFigures) -> list[str]:
    return [
        "| k | ingest | raw insert | billing run | raw scan |",
        "|---|---|---|---|---|",
        f"| fitted | {scale.exponent('ingest_s'):.2f} | {scale.exponent('ingest_raw_s'):.2f} | "
        f"{scale.exponent('billing_s'):.2f} | {scale.exponent('scan_s'):.2f} |",
    ]


def _units_row(label: str, units: Any) -> list[object]:
    requests = ", ".join(f"{name} {count:.3g}" for name, count in sorted(units.requests.items()))
    return [label, f"{units.request_count:.3g}", requests, f"{units.write_units:.2f}", f"{units.read_units:.2f}"]


def _unique_count_rows(d: Any) -> list[list[object]]:
    """The runs with a unique_count of events stored before the plan (absent from results saved before)."""
    uncovered, covered = getattr(d, "per_uncovered_customer", None), getattr(d, "per_covered_customer", None)
    if uncovered is None or covered is None:
        return []
    return [
        _units_row("billed customer, unique_count not covered yet (once)", uncovered),
        _units_row("billed customer, unique_count covered", covered),
    ]
