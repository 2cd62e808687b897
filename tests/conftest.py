"""Fixtures shared by every test folder: real SQLite files, services with a frozen clock, a Lambda context,
the dashboard built once per session and the local gateway run as a process."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from billing import bootstrap
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import Services, build_services

FROZEN_NOW = datetime(2025, 10, 2, 9, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]
FRONTEND = ROOT / "frontend"


class FrozenClock:
    """A clock tests can move: `clock.now = ...`."""

    def __init__(self, now: datetime = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def storage(tmp_path) -> Iterator[SqliteStorage]:
    store = SqliteStorage(tmp_path / "data" / "billing.db")
    yield store
    store.close()


@pytest.fixture
def services(storage, clock) -> Services:
    return build_services(storage, clock=clock)


@pytest.fixture
def injected_services(services) -> Iterator[Services]:
    """Handlers called directly use these services instead of the environment's."""
    bootstrap.use(services)
    yield services
    bootstrap.use(None)


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2025/10/02/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture(autouse=True)
def _quiet_powertools(monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def dashboard_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """frontend/src compiled with the project's pinned tsc, plus public/ (what `npm run build` makes), in a
    folder of this session's own: tests that serve or inspect the dashboard never race on frontend/dist."""
    tsc = FRONTEND / "node_modules" / ".bin" / "tsc"
    if not tsc.exists():
        pytest.fail(
            f"{tsc} is missing: run `make test` (or `cd frontend && npm ci`) to install the dashboard's packages",
            pytrace=False,
        )
    out = tmp_path_factory.mktemp("dashboard") / "dist"
    build = subprocess.run(
        [str(tsc), "-p", "tsconfig.json", "--outDir", str(out)],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if build.returncode != 0:
        pytest.fail(f"tsc failed ({build.returncode}):\n{build.stdout}\n{build.stderr}", pytrace=False)
    for source in (FRONTEND / "public").iterdir():
        if source.is_file():
            shutil.copy2(source, out / source.name)
    assert (out / "index.html").is_file() and (out / "main.js").is_file()
    return out


@contextmanager
def running_gateway(
    data: Path, static_dir: Path, admin_key: str, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """`python -m local_gateway` as a user runs it, on a free loopback port with its own SQLite file under
    `data`; yields its URL and stops it (SIGINT) afterwards. Its access log is kept in data/gateway.log."""
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "BILLING_DB_PATH": str(data / "billing.db"),
        "BILLING_ADMIN_API_KEY": admin_key,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **(
            extra_env or {}
        ),  # STORAGE_BACKEND=dynamodb: the gateway runs moto's server with the template's table and queues
    }
    log_path = data / "gateway.log"
    with log_path.open("w") as log:
        command = [sys.executable, "-m", "local_gateway", "--template", "template.yaml", "--static", str(static_dir)]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            url = _wait_for_url(process, log_path)
            assert process.stdout is not None
            # Keep reading stdout so the gateway can never block on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_for_url(process: subprocess.Popen[str], log_path: Path) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"Local gateway on (http://127\.0\.0\.1:\d+)", line)
        if match:
            return match.group(1)
    pytest.fail(f"the gateway exited before listening (code {process.wait()}):\n{log_path.read_text()[-2000:]}")
