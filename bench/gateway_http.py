"""The local gateway's HTTP cost: requests on one kept-alive connection against fresh connections.

    python -m bench.gateway_http [--url http://127.0.0.1:3000 --key KEY] [--requests 200]

Without `--url` it starts `python -m local_gateway` (template.yaml, its own SQLite file in a temporary
folder) on a free loopback port, measures, and stops it. Every request goes to 127.0.0.1 only; the count is
bounded by `--requests` per series. Prints one line per series: median and p99 latency, requests/s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from bench import REPO
from bench.stats import median, percentile

ROUTES = (("health", "/v1/health", False), ("list customers", "/v1/customers?limit=1", True))


@dataclass(frozen=True)
class Series:
    name: str
    latencies_ms: tuple[float, ...]
    wall_s: float

    def line(self) -> str:
        rate = len(self.latencies_ms) / self.wall_s
        p50, p99 = median(self.latencies_ms), percentile(self.latencies_ms, 0.99)
        return (
            f"{self.name:<48} median {p50:7.2f} ms   p99 {p99:7.2f} ms   {rate:7.0f} requests/s"
            f"   ({len(self.latencies_ms)} requests)"
        )


def _request(connection: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status}")
    return (time.perf_counter() - started) * 1000


def kept_alive(host: str, port: int, path: str, headers: dict[str, str], count: int) -> list[float]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        return [_request(connection, path, headers) for _ in range(count)]
    finally:
        connection.close()


def fresh(host: str, port: int, path: str, headers: dict[str, str], count: int) -> list[float]:
    latencies = []
    for _ in range(count):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            latencies.append(_request(connection, path, headers))
        finally:
            connection.close()
    return latencies


def timed(name: str, run: Callable[[], list[float]]) -> Series:
    started = time.perf_counter()
    latencies = run()
    return Series(name, tuple(latencies), time.perf_counter() - started)


def parallel(clients: int, run: Callable[[], list[float]]) -> list[float]:
    with ThreadPoolExecutor(clients) as pool:
        return [latency for result in pool.map(lambda _: run(), range(clients)) for latency in result]


def measure(url: str, key: str, count: int) -> list[Series]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("this benchmark only talks to a gateway on loopback")
    series = []
    for label, path, needs_key in ROUTES:
        headers = {"Authorization": f"Bearer {key}"} if needs_key else {}
        one = partial(kept_alive, host, port, path, headers)
        one(1)  # warm-up: the function's cold start is not what is measured
        series.append(timed(f"{label}: one kept-alive connection", partial(one, count)))
        series.append(timed(f"{label}: a fresh connection each", partial(fresh, host, port, path, headers, count)))
        series.append(timed(f"{label}: 4 kept-alive clients at once", partial(parallel, 4, partial(one, count // 4))))
    return series


@contextmanager
def launched_gateway(key: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """`python -m local_gateway` on a free loopback port with its own data folder (SQLite unless `env` says
    otherwise); yields its URL and pid, and stops it with SIGINT as Ctrl-C would."""
    with tempfile.TemporaryDirectory(prefix="bench-gateway-") as folder:
        environment = {
            **{name: value for name, value in os.environ.items() if name not in {"TABLE_NAME", "AWS_ENDPOINT_URL"}},
            "HOST": "127.0.0.1",
            "PORT": "0",
            "BILLING_DB_PATH": str(Path(folder) / "billing.db"),
            "BILLING_ADMIN_API_KEY": key,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "shared")]),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [sys.executable, "-m", "local_gateway", "--template", "template.yaml"]
        process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            assert process.stdout is not None
            url = next(
                (m.group(1) for line in process.stdout if (m := re.search(r"Local gateway on (\S+)", line))), None
            )
            if url is None:
                raise SystemExit(f"the gateway exited with {process.wait()} before listening")
            threading.Thread(target=process.stdout.read, daemon=True).start()
            yield url, process.pid
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def gateway_process(key: str) -> Iterator[str]:
    """The SQLite gateway; yields its URL."""
    with launched_gateway(key) as (url, _):
        yield url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_http", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running gateway on loopback (default: start one)")
    parser.add_argument("--key", default=os.environ.get("BILLING_ADMIN_API_KEY"), help="its admin API key")
    parser.add_argument("--requests", type=int, default=200, help="requests per series (default 200)")
    args = parser.parse_args(argv)
    if args.url:
        if not args.key:
            parser.error("--key (or $BILLING_ADMIN_API_KEY) is needed with --url")
        results = measure(args.url, args.key, args.requests)
    else:
        key = secrets.token_urlsafe(32)
        with gateway_process(key) as url:
            results = measure(url, key, args.requests)
    print("\n".join(series.line() for series in results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
