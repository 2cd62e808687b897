"""The local DynamoDB stack under a developer's retries: resending batches it has already stored.

    python -m bench.dynamodb_retries [--stored 50000] [--writers 8] [--rounds 10] [--samples 30]

Starts `STORAGE_BACKEND=dynamodb python -m local_gateway` (moto's server in the gateway's process) on a free
loopback port with its own data folder, stores `--stored` events through `POST /v1/events/batch` (batches of
100, up to 100 customers), then measures over HTTP:
- a stored batch of 100 sent again, one at a time (`--samples` of them): every event a duplicate;
- a fresh batch of 100, for comparison;
- the gateway's resident memory (VmRSS, and its peak VmHWM, from /proc) after storing, then after `--writers`
  clients resent stored batches `--rounds` times each, all at once.
Prints a markdown table. Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.gateway_http import launched_gateway
from bench.stats import median, percentile

BATCH = 100
CUSTOMERS = 100
SEED_CLIENTS = 2


@dataclass(frozen=True)
class Gateway:
    host: str
    port: int
    pid: int
    key: str

    def post(self, path: str, body: Any) -> tuple[int, Any, float]:
        """(status, reply, milliseconds) on a fresh connection, as a retrying client sends it."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            started = time.perf_counter()
            connection.request(
                "POST",
                path,
                body=json.dumps(body),
                headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            reply = json.loads(response.read() or b"null")
            return response.status, reply, (time.perf_counter() - started) * 1000
        finally:
            connection.close()

    def memory_mib(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) of the gateway process, in MiB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        fields = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
        return int(fields["VmRSS"]) / 1024, int(fields["VmHWM"]) / 1024


def batch(customer_id: str, number: int) -> dict[str, Any]:
    """The `number`th batch of a customer: the same ids and values every time it is built."""
    minute = f"2025-09-{1 + number % 28:02d}T{number % 24:02d}:{number % 60:02d}:00Z"
    return {
        "customer_id": customer_id,
        "events": [
            {"id": f"{customer_id}-{number}-{i}", "feature": "api_calls", "quantity": 1, "ts": minute}
            for i in range(BATCH)
        ],
    }


def ingest(gateway: Gateway, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
    status, reply, elapsed_ms = gateway.post("/v1/events/batch", body)
    if status != 200:
        raise RuntimeError(f"POST /v1/events/batch: {status} {reply}")
    return reply, elapsed_ms


def store(gateway: Gateway, events: int) -> tuple[list[str], int, float]:
    """(customer ids, batches per customer, seconds) after storing `events` events."""
    customers = []
    for index in range(max(1, min(CUSTOMERS, events // BATCH))):
        status, reply, _ = gateway.post("/v1/customers", {"name": f"Bench {index}", "email": f"b{index}@x.example"})
        if status != 201:
            raise RuntimeError(f"POST /v1/customers: {status} {reply}")
        customers.append(reply["id"])
    per_customer = max(1, events // (BATCH * len(customers)))
    started = time.perf_counter()
    work = [(customer, number) for number in range(per_customer) for customer in customers]
    latencies: list[float] = []
    with ThreadPoolExecutor(SEED_CLIENTS) as pool:
        for reply, elapsed_ms in pool.map(lambda job: ingest(gateway, batch(*job)), work):
            assert reply["accepted"] == BATCH, reply
            latencies.append(elapsed_ms)
            if len(latencies) % 50 == 0:  # the cost of a batch as the table grows
                recent = latencies[-50:]
                print(
                    f"  {len(latencies) * BATCH:>7,} stored: a fresh batch median {median(recent):.0f} ms,"
                    f" max {max(recent):.0f} ms",
                    file=sys.stderr,
                    flush=True,
                )
    return customers, per_customer, time.perf_counter() - started


def resend(gateway: Gateway, customers: list[str], per_customer: int, index: int) -> float:
    """Milliseconds to resend a stored batch; infinite when it was not answered 200 (a 503 after a timeout)."""
    customer = customers[index % len(customers)]
    status, reply, elapsed_ms = gateway.post(
        "/v1/events/batch", batch(customer, (index // len(customers)) % per_customer)
    )
    if status != 200:
        print(f"  a resent batch: {status} {reply} after {elapsed_ms:.0f} ms", file=sys.stderr, flush=True)
        return float("inf")
    assert (reply["accepted"], reply["duplicates"]) == (0, BATCH), reply
    return elapsed_ms


def _spread(latencies: list[float]) -> str:
    answered = [latency for latency in latencies if latency != float("inf")]
    failed = len(latencies) - len(answered)
    if not answered:
        return f"none of {len(latencies)} answered 200"
    text = f"median {median(answered):.0f} ms, p99 {percentile(answered, 0.99):.0f} ms, max {max(answered):.0f} ms"
    return text + (f"; {failed} of {len(latencies)} not answered 200" if failed else "")


def measure(gateway: Gateway, stored: int, writers: int, rounds: int, samples: int) -> list[tuple[str, str]]:
    customers, per_customer, seconds = store(gateway, stored)
    total = len(customers) * per_customer * BATCH
    rows = [("events stored", f"{total:,} ({len(customers)} customers, {seconds:.0f} s to store over HTTP)")]
    resend(gateway, customers, per_customer, 0)  # warm-up
    retries = [resend(gateway, customers, per_customer, index) for index in range(samples)]
    rows.append((f"a stored batch of {BATCH} sent again ({samples} times)", _spread(retries)))
    fresh = [ingest(gateway, batch(customers[0], per_customer + n))[1] for n in range(5)]
    rows.append((f"a fresh batch of {BATCH} (5 times)", f"median {median(fresh):.0f} ms"))
    rss_before, _ = gateway.memory_mib()
    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        concurrent = list(
            pool.map(lambda i: resend(gateway, customers, per_customer, i), range(1, writers * rounds + 1))
        )
    wall = time.perf_counter() - started
    rss_after, peak = gateway.memory_mib()
    rows.append(
        (
            f"{writers} writers resending stored batches ({writers * rounds} batches)",
            f"{_spread(concurrent)}; {wall:.1f} s in all",
        )
    )
    memory = f"{rss_before:.0f} MiB before the writers, {rss_after:.0f} MiB after (peak {peak:.0f})"
    rows.append(("gateway memory (VmRSS)", memory))
    return rows


@contextmanager
def dynamodb_gateway(key: str) -> Iterator[Gateway]:
    """`STORAGE_BACKEND=dynamodb python -m local_gateway` on a free loopback port, its own data folder."""
    with launched_gateway(key, {"STORAGE_BACKEND": "dynamodb"}) as (url, pid):
        host, port = url.removeprefix("http://").rsplit(":", 1)
        yield Gateway(host, int(port), pid, key)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dynamodb_retries", description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=50_000, help="events stored first (default 50,000)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent clients resending (default 8)")
    parser.add_argument("--rounds", type=int, default=10, help="stored batches each writer resends (default 10)")
    parser.add_argument("--samples", type=int, default=30, help="single resends timed (default 30)")
    args = parser.parse_args(argv)
    with dynamodb_gateway(secrets.token_urlsafe(32)) as gateway:
        rows = measure(gateway, args.stored, args.writers, args.rounds, args.samples)
    print("| what | measured |\n|---|---|")
    print("\n".join(f"| {what} | {figure} |" for what, figure in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
