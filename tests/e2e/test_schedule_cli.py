"""`make schedule` (python -m local_gateway.schedule) against the stack `make run` is serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import running_gateway
from tests.e2e.conftest import HttpClient

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = [sys.executable, "-m", "local_gateway.schedule", "--template", "template.yaml"]
KEY = "schedule-admin-key-0123456789abcdefghijkl"


def fire_schedule(data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """As the README prints it: `make schedule ACTION=bill NOW=...`, STORAGE_BACKEND as the shell has it."""
    environ = {name: value for name, value in os.environ.items() if name not in ("STORAGE_BACKEND", "TABLE_NAME")}
    environ |= {"BILLING_DB_PATH": str(data / "billing.db"), "POWERTOOLS_METRICS_DISABLED": "true", **env}
    return subprocess.run(
        [*SCHEDULE, "--action", "bill", "--now", "2025-10-01T14:00:00Z"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_schedule_bills_the_dynamodb_stack_make_run_is_serving(tmp_path: Path) -> None:
    # It used to bill the SQLite file beside it, silently, unless STORAGE_BACKEND=dynamodb was repeated.
    data = tmp_path / "data"
    data.mkdir()
    with running_gateway(data, tmp_path, KEY, env={"STORAGE_BACKEND": "dynamodb"}) as url:
        client = HttpClient(url, KEY)
        fired = fire_schedule(data)
        assert fired.returncode == 0, fired.stderr
        run_id = json.loads(fired.stdout)["billing_run_id"]
        status, run = client.request("GET", f"/v1/billing-runs/{run_id}")

    assert status == 200, run  # the run is in the gateway's DynamoDB table
    assert "STORAGE_BACKEND is unset: billing the running gateway's DynamoDB" in fired.stderr
    assert not (data / "billing.db").exists()  # no SQLite file was billed (or created)

    # Stopped, its in-memory tables are gone: asking for DynamoDB says so, naming the variable.
    refused = fire_schedule(data, STORAGE_BACKEND="dynamodb")
    assert refused.returncode == 2
    assert "STORAGE_BACKEND=dynamodb make run" in refused.stderr
    assert not (data / "local-aws.json").exists()
