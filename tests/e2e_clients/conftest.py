"""The vendors' own clients (OpenMeter, Lago, Stripe), unchanged, in their own virtualenv (.venv-clients, made
by `make test` from requirements-clients.txt), driven against a real local gateway on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import running_gateway
from tests.e2e.conftest import HttpClient

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("drive_clients.py")
ADMIN_KEY = "e2e-clients-admin-key-0123456789abcdefgh"
SEPTEMBER = "start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z"


def clients_python() -> Path:
    python = Path(os.environ.get("CLIENTS_PYTHON", ROOT / ".venv-clients" / "bin" / "python"))
    if not python.exists():
        pytest.fail(
            f"{python} is missing: run `make test` (it builds .venv-clients from requirements-clients.txt)",
            pytrace=False,
        )
    return python


class Api(HttpClient):
    """Our own API for setting up customers and meters and reading usage back."""

    def customer(self, external_id: str) -> str:
        status, body = self.request(
            "POST",
            "/v1/customers",
            {"name": external_id, "email": f"{external_id}@e2e.example", "external_id": external_id},
        )
        assert status == 201, body
        return body["id"]

    def customer_key(self, customer_id: str) -> str:
        """A new API key of that customer (the secret a customer's own integration would hold)."""
        status, body = self.request("POST", "/v1/api-keys", {"customer_id": customer_id, "name": "integration"})
        assert status == 201, body
        return body["key"]

    def meter(self, **meter: Any) -> None:
        status, body = self.request("POST", "/v1/meters", meter)
        assert status == 201, body

    def usage(self, customer_id: str) -> dict[str, str]:
        """September's totals as the API answers them: exact decimal text."""
        status, body = self.request("GET", f"/v1/customers/{customer_id}/usage?{SEPTEMBER}")
        assert status == 200, body
        return {item["feature"]: item["quantity"] for item in body}

    def drive(self, vendor: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run the steps with the vendor's client in its own virtualenv; one outcome per step."""
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # loopback only, never a proxy
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        done = subprocess.run(
            [str(clients_python()), str(DRIVER), vendor, self.base_url, ADMIN_KEY],
            input=json.dumps(steps),
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    clients_python()
    static = tmp_path_factory.mktemp("no-dashboard")
    with running_gateway(tmp_path_factory.mktemp("e2e-clients"), static, ADMIN_KEY) as url:
        yield Api(url, ADMIN_KEY)
