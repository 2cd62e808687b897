"""`python -m bench [--quick] [--out FILE]`: run the benchmark suite and write its report."""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import shlex
import shutil
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    REPO,
    billing_run,
    cold_start,
    dynamodb,
    ingest,
    lambda_env,
    machine,
    report,
    scale,
    sizes,
    usage_read,
)

DEFAULT_OUT = {"full": REPO / "docs" / "benchmarks.md", "quick": REPO / "bench" / ".data" / "benchmarks-quick.md"}
DATA_DIR = REPO / "bench" / ".data"


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: about a minute (report in bench/.data/)")
    parser.add_argument("--preset", choices=sorted(sizes.PRESETS), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="the markdown report (the plot goes next to it)")
    parser.add_argument("--workdir", type=Path, help="where to generate data (default: bench/.data/work)")
    parser.add_argument("--keep-data", action="store_true", help="keep the generated databases")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="RESULTS",
        help="measure nothing: rewrite the report from a run's saved results (bench/.data/full-results.pickle)",
    )
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    # Powertools metrics print EMF JSON to stdout (CloudWatch, in Lambda): not the bench's output.
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        yield


def run_suite(preset: sizes.Sizes, workdir: Path, *, command: str, show_progress: bool) -> report.Results:
    """Every benchmark, in order."""
    started_at, started = datetime.now(UTC), time.perf_counter()
    load_at_start = machine.load_average()
    lambda_env.configure(workdir / "bootstrap.db")
    functions = lambda_env.Functions()
    with _stdout_to_devnull(), warnings.catch_warnings():
        # Powertools warns on every invocation that adds no metric (the usage and billing routes).
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        log("1/6 ingest")
        ingest_figures = ingest.measure(functions, workdir, preset, show_progress=show_progress)
        log(f"    {ingest_figures.events_per_s:,.0f} events/s, {ingest_figures.ratio:.2f}× raw")
        log("2/6 usage read")
        usage_figures = usage_read.measure(functions, workdir, preset, show_progress=show_progress)
        log(f"    p99 totals {usage_figures.p('totals', 0.99):.1f} ms, daily {usage_figures.p('daily', 0.99):.1f} ms")
        log("3/6 billing run")
        billing_figures = billing_run.measure(functions, workdir, preset, show_progress=show_progress)
        log(f"    {billing_figures.billing_s:.2f} s, {billing_figures.ratio:.2f}× the scan")
        log("4/6 cold start")
        cold = cold_start.measure(preset, show_progress=show_progress)
        log(f"    slowest {cold.worst.name}: {cold.worst.import_ms:.0f} ms")
        log("5/6 scale curve")
        scale_figures = scale.measure(
            functions,
            workdir,
            preset,
            reuse=billing_figures,
            reuse_ingest=ingest_figures,
            show_progress=show_progress,
        )
        log("6/6 DynamoDB (moto)")
        dynamo = dynamodb.measure(preset)
        lambda_env.release_database()
    return report.Results(
        sizes=preset,
        machine=machine.describe(),
        load_at_start=load_at_start,
        command=command,
        started=started_at,
        duration_s=time.perf_counter() - started,
        ingest=ingest_figures,
        usage=usage_figures,
        billing=billing_figures,
        cold_start=cold,
        scale=scale_figures,
        dynamodb=dynamo,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    preset = sizes.PRESETS[args.preset or ("quick" if args.quick else "full")]
    out = args.out or DEFAULT_OUT.get(preset.name, DATA_DIR / f"benchmarks-{preset.name}.md")
    workdir = args.workdir or DATA_DIR / "work"
    command = shlex.join([".venv/bin/python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    if args.render is not None:
        with args.render.open("rb") as saved:
            results = pickle.load(saved)  # our own file, written below by an earlier run
    else:
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        log(f"bench: {preset.name} suite, data in {workdir}")
        try:
            results = run_suite(preset, workdir, command=command, show_progress=not args.no_progress)
        finally:
            if not args.keep_data:
                shutil.rmtree(workdir, ignore_errors=True)
        saved_results = workdir.parent / f"{preset.name}-results.pickle"  # for --render
        saved_results.write_bytes(pickle.dumps(results))
    image = report.write(results, out)
    log(f"bench: wrote {out} and {image} in {results.duration_s / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
