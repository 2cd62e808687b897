"""The usage read of this checkout against another one (the seed's, say), measured so the machine cancels out.

On this shared machine a run of `make bench` moves by up to a third from one run to the next, which is more
than the difference between two versions of a ~1 ms route. So this compares them two ways:

- **latency, alternating processes**: round after round, one process per checkout, in turns, each measuring
  exactly what `bench.usage_read` measures (a month's totals and its daily series, interleaved with a fetch
  of the month's 15-minute rows) on its own fresh database;
- **instructions per request** (with `--instructions`; needs valgrind): the handler run N and N + 500 times
  under `valgrind --tool=cachegrind --cache-sim=no`, the difference ÷ 500. A count no load moves.

    python -m bench.versus OTHER_CHECKOUT [--rounds 3] [--events 300000] [--instructions]

Each side runs with its own code (its `shared/`, `functions/` and `bench/` helpers) and this interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MONTH = {"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z"}
REQUESTS = 200  # of each kind per run, as the full bench sends
RUNS = 5
INSTRUCTION_EVENTS = 20_000
INSTRUCTION_CALLS = (100, 600)
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


# -- in the measured process (run as a script, so that `bench` is the measured checkout's own) ------------
def _prepare(checkout: Path, workdir: Path, events: int) -> tuple[Any, Any, dict[str, Any], str]:
    """Fill `workdir`'s database (unless done) and return the usage handler, its context, two events (totals,
    daily) and the customer id."""
    sys.path[:0] = [str(checkout), str(checkout / "shared")]
    from bench import lambda_env, usage_read

    meta = workdir / "customer.json"
    if meta.exists():
        customer_id = json.loads(meta.read_text())
        lambda_env.open_database(workdir / "usage.db")
    else:
        customer_id, _ = usage_read.prepare(workdir, events, show_progress=False)
    functions = lambda_env.Functions(checkout / "template.yaml")
    path, parameters = f"/v1/customers/{customer_id}/usage", {"customer_id": customer_id}
    requests = {
        kind: lambda_env.event(usage_read.ROUTE, path, query=query, path_parameters=parameters)
        for kind, query in (("totals", MONTH), ("daily", {**MONTH, "window": "day"}))
    }
    return functions.route(usage_read.ROUTE), functions.context(usage_read.ROUTE), requests, customer_id


def _latency_child(checkout: Path, workdir: Path, events: int) -> None:
    handler, context, requests, customer_id = _prepare(checkout, workdir, events)
    from bench import lambda_env, usage_read

    connection = lambda_env.sqlite_connection()
    fetch_args = (customer_id, 0, 2**62)
    for _ in range(5):
        for request in requests.values():
            handler(request, context)
    runs: dict[str, list[list[float]]] = {kind: [] for kind in requests}
    for _ in range(RUNS):
        for samples in runs.values():
            samples.append([])
        for _ in range(REQUESTS):
            for kind, request in requests.items():
                started = time.perf_counter()
                if handler(request, context)["statusCode"] != 200:
                    raise RuntimeError(f"the usage route did not answer 200 ({kind})")
                runs[kind][-1].append((time.perf_counter() - started) * 1000)
            connection.execute(usage_read.BUCKET_FETCH, fetch_args).fetchall()
    print(json.dumps(runs))


def _calls_child(checkout: Path, workdir: Path, calls: int, kind: str) -> None:
    handler, context, requests, _ = _prepare(checkout, workdir, INSTRUCTION_EVENTS)
    for _ in range(calls):
        if handler(requests[kind], context)["statusCode"] != 200:
            raise RuntimeError(f"the usage route did not answer 200 ({kind})")


# -- in the comparing process -----------------------------------------------------------------------------
def _child(checkout: Path, *arguments: str, valgrind: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, __file__, str(checkout), "--child", *arguments]
    if valgrind:
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", *command]
    return subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=True, env=os.environ)


def latency(checkout: Path, events: int) -> dict[str, tuple[float, float]]:
    """(p50, p99) in ms per kind, as the bench reports them: the median over runs of each run's percentile."""
    from bench.stats import median, percentile

    with tempfile.TemporaryDirectory(prefix="versus-") as directory:
        runs = json.loads(_child(checkout, "latency", directory, str(events)).stdout.splitlines()[-1])
    return {
        kind: (median([percentile(run, 0.5) for run in samples]), median([percentile(run, 0.99) for run in samples]))
        for kind, samples in runs.items()
    }


def instructions(checkout: Path, kind: str) -> int:
    """Instructions per usage request of that kind (valgrind), imports and set-up cancelled out."""
    with tempfile.TemporaryDirectory(prefix="versus-") as directory:
        _child(checkout, "calls", directory, "0", kind)  # fills the database, outside valgrind
        few, many = (
            _refs(_child(checkout, "calls", directory, str(calls), kind, valgrind=True).stderr)
            for calls in INSTRUCTION_CALLS
        )
    return (many - few) // (INSTRUCTION_CALLS[1] - INSTRUCTION_CALLS[0])


def _refs(valgrind_output: str) -> int:
    match = _REFS.search(valgrind_output)
    if match is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{valgrind_output[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. git worktree add /tmp/seed 0a9af16)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=300_000, help="events in the customer's month")
    parser.add_argument("--instructions", action="store_true", help="also count instructions (needs valgrind)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, workdir, number, *kind = args.child
        if mode == "latency":
            _latency_child(args.other.resolve(), Path(workdir), int(number))
        else:
            _calls_child(args.other.resolve(), Path(workdir), int(number), kind[0] if kind else "totals")
        return
    sides = {"other": args.other.resolve(), "this": Path(__file__).resolve().parents[1]}
    print(f"other: {sides['other']}\nthis:  {sides['this']}\n")
    print("| round | checkout | totals p50 / p99 (ms) | daily p50 / p99 (ms) |\n|---|---|---|---|")
    for round_number in range(1, args.rounds + 1):
        for name, checkout in sides.items():
            figures = latency(checkout, args.events)
            cells = [f"{figures[kind][0]:.2f} / {figures[kind][1]:.2f}" for kind in ("totals", "daily")]
            print(f"| {round_number} | {name} | {' | '.join(cells)} |", flush=True)
    if args.instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
        print("\n| checkout | instructions per totals request | per daily-series request |\n|---|---|---|")
        for name, checkout in sides.items():
            counts = [f"{instructions(checkout, kind):,}" for kind in ("totals", "daily")]
            print(f"| {name} | {' | '.join(counts)} |", flush=True)


if __name__ == "__main__":
    main()
