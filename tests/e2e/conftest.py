"""A real local gateway process on a free loopback port, stopped after the module."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_gateway

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "e2e-admin-key-0123456789abcdefghijklmnop"


BACKENDS = {"sqlite": {}, "dynamodb": {"STORAGE_BACKEND": "dynamodb"}}
RUN_WAIT_SECONDS = 60


@dataclass
class HttpClient:
    base_url: str
    key: str | None = ADMIN_KEY
    backend: str = "sqlite"

    def run_billing(self, query: str) -> dict[str, Any]:
        """POST /v1/invoices/run and, when the run is queued (DynamoDB + SQS), follow its resource until the
        workers are done; the answer's counts and invoices are then the finished run's."""
        status, run = self.request("POST", f"/v1/invoices/run?{query}")
        assert status == 200, run
        deadline = time.monotonic() + RUN_WAIT_SECONDS
        while run["status"] != "done":
            assert time.monotonic() < deadline, f"billing run {run['billing_run_id']} still running"
            time.sleep(0.05)
            status, progress = self.request("GET", f"/v1/billing-runs/{run['billing_run_id']}")
            assert status == 200, progress
            run = {**run, "status": progress["status"], "customers_billed": progress["customers_billed"]}
        return run

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        token = key if key is not None else self.key
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _decode(response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return error.code, _decode(error.read(), error.headers.get_content_type())


def _decode(payload: bytes, content_type: str) -> Any:
    """JSON (application/json, application/problem+json) decoded; anything else as text."""
    is_json = content_type == "application/json" or content_type.endswith("+json")
    return json.loads(payload) if is_json and payload else payload.decode()


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def gateway(request, tmp_path_factory, dashboard_build) -> Iterator[HttpClient]:
    """The gateway on each storage backend: SQLite, and DynamoDB + SQS emulated by moto's server."""
    data = tmp_path_factory.mktemp(f"e2e-{request.param}")
    with running_gateway(data, dashboard_build, ADMIN_KEY, env=BACKENDS[request.param]) as url:
        yield HttpClient(url, backend=request.param)
