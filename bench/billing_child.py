"""One billing run in a fresh process: `python -m bench.billing_child DB PERIOD EXPECTED_INVOICES`.

Prints one JSON line: the run's wall time, the raw scan's, and the process's max RSS before and after
the run (VmHWM, the peak resident set of this process's own memory, from /proc/self/status).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sqlite3
import sys
import time
from pathlib import Path

from bench import lambda_env

ROUTE = "POST /v1/invoices/run"
RAW_SCAN = "SELECT customer_id, feature, SUM(quantity) FROM events WHERE period = ? GROUP BY customer_id, feature"


def max_rss_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries that over exec from the
    process that forked it (the bench, holding its own data), so it would report the parent's size."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:  # not Linux: ru_maxrss is this process's own there (kB on Linux, bytes on macOS)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024**2)
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


def main(argv: list[str]) -> None:
    db_path, period, expected = Path(argv[0]), argv[1], int(argv[2])
    lambda_env.configure(db_path)
    functions = lambda_env.Functions()
    handler = functions.route(ROUTE)
    event = lambda_env.event(ROUTE, "/v1/invoices/run", query={"period": period})
    lambda_env.bootstrap.services()  # open the database (and check its migrations) before the clock starts
    rss_before = max_rss_mb()
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):  # EMF metrics
        started = time.perf_counter()
        reply = handler(event, functions.context(ROUTE))
        billing_s = time.perf_counter() - started
    rss_peak = max_rss_mb()
    run = lambda_env.checked(reply)
    if run["invoices_generated"] != expected:
        raise SystemExit(f"the run generated {run['invoices_generated']} invoices, not {expected}")
    conn = sqlite3.connect(db_path)
    started = time.perf_counter()
    rows = conn.execute(RAW_SCAN, (period,)).fetchall()
    scan_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "billing_s": billing_s,
                "scan_s": scan_s,
                "rss_before_mb": rss_before,
                "rss_peak_mb": rss_peak,
                "invoices": run["invoices_generated"],
                "scan_rows": len(rows),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
