"""Real local gateways for the money machine, one per backend, started again when a long run has made
many customers (every billing run bills every customer of a deployment)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_gateway
from tests.e2e.conftest import BACKENDS, HttpClient

ADMIN_KEY = "money-model-admin-key-0123456789abcdefghij"
# Deployment settings of R4, so the test sees them frozen on invoices (not only their empty defaults).
SETTINGS = {
    "INVOICE_NUMBER_PREFIX": "MM",
    "INVOICE_NET_DAYS": "14",
    "ISSUER_NAME": "Money Model Ltd",
    "ISSUER_ADDRESS": "1 Reference Road, Testville",
    "ISSUER_TAX_ID": "MM-0042",
}
# A deployment holding more customers than this is replaced by a fresh one before the next example: a run
# bills every customer, so a long run would otherwise slow down example after example.
CUSTOMERS_PER_DEPLOYMENT = 60


@dataclass
class Stats:
    """What a run of the machine did, for the closing note of a long run (MONEY_MODEL_STATS=path.json)."""

    examples: int = 0
    steps: int = 0
    requests: int = 0
    deployments: int = 0
    rules: dict[str, int] = field(default_factory=dict)


class Deployment:
    """One backend's gateway, replaced by a new one (empty storage) when it holds too many customers. The
    invoice number counter (R4) belongs to a deployment: `last_number` follows it."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self._folder = folder
        self._stack: contextlib.ExitStack | None = None
        self.client: HttpClient | None = None
        self.customers = 0
        self.last_number = 0
        self.stats = Stats()

    def fresh_enough(self) -> HttpClient:
        if self.client is None or self.customers >= CUSTOMERS_PER_DEPLOYMENT:
            self.close()
            self.stats.deployments += 1
            data = self._folder / f"deployment-{self.stats.deployments}"
            data.mkdir(parents=True)
            static = data / "static"  # no dashboard: the machine only calls the API
            static.mkdir()
            self._stack = contextlib.ExitStack()
            url = self._stack.enter_context(
                running_gateway(data, static, ADMIN_KEY, env={**BACKENDS[self.backend], **SETTINGS})
            )
            self.client = CountingClient(url, key=ADMIN_KEY, backend=self.backend, stats=self.stats)
            self.customers = 0
            self.last_number = 0
        return self.client

    def close(self) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack, self.client = None, None


@dataclass
class CountingClient(HttpClient):
    stats: Stats = field(default_factory=Stats)

    def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        self.stats.requests += 1
        return super().request(method, path, body, **kwargs)


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def deployment(request, tmp_path_factory) -> Iterator[Deployment]:
    deployment = Deployment(request.param, tmp_path_factory.mktemp(f"money-{request.param}"))
    try:
        yield deployment
    finally:
        deployment.close()
        _write_stats(request.param, deployment.stats)


def _write_stats(backend: str, stats: Stats) -> None:
    path = os.environ.get("MONEY_MODEL_STATS")
    if not path:
        return
    target = Path(path)
    report = json.loads(target.read_text()) if target.exists() else {}
    report[backend] = stats.__dict__
    target.write_text(json.dumps(report, indent=2, sort_keys=True))
