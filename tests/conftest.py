"""Fixtures shared by every test folder: real SQLite files, services with a frozen clock, a Lambda context,
the dashboard built once per session and the local gateway run as a process."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from billing import bootstrap
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import Services, build_services
from hypothesis import HealthCheck, Phase, settings

FROZEN_NOW = datetime(2025, 10, 2, 9, 30, tzinfo=UTC)

# The money machine's long run (tests/model/test_money_machine.py): `pytest tests/model
# --hypothesis-profile=money-long`. Registered here, not in tests/model/conftest.py, because hypothesis loads the
# profile named on the command line when pytest starts, before the conftest files of subfolders are read.
settings.register_profile(
    "money-long",
    max_examples=int(os.environ.get("MONEY_MODEL_EXAMPLES", "300")),
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    print_blob=True,
)
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
    data: Path,
    static_dir: Path,
    admin_key: str,
    *,
    env: Mapping[str, str] | None = None,
    without_root_file_access: bool = False,
) -> Iterator[str]:
    """`python -m local_gateway` as a user runs it, on a free loopback port with its own SQLite file under
    `data`; yields its URL and stops it (SIGINT) afterwards. What it prints goes to data/gateway.out (stdout:
    the handlers' JSON logs) and data/gateway.log (stderr: the access log), through pipes this process
    drains, so that a file-size limit put on the gateway never applies to its logs; its pid is in data/gateway.pid.

    `env` adds or overrides variables (STORAGE_BACKEND=dynamodb: the gateway runs moto's server with the
    template's table and queues). `without_root_file_access`: when these tests run as root, the gateway runs
    without the capabilities that let root write read-only files (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), as a
    service account would, so that `chmod` can really make a file read-only for it."""
    base_env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "BILLING_DB_PATH": str(data / "billing.db"),
        "BILLING_ADMIN_API_KEY": admin_key,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "local_gateway", "--template", "template.yaml", "--static", str(static_dir)]
    preexec = _drop_root_file_access if without_root_file_access and os.geteuid() == 0 else None
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**base_env, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,  # noqa: PLW1509  (only a prctl before exec)
    )
    assert process.stdout is not None and process.stderr is not None
    (data / "gateway.pid").write_text(str(process.pid))
    err = threading.Thread(target=_copy, args=(process.stderr, data / "gateway.log"), daemon=True)
    out = threading.Thread(target=_copy, args=(process.stdout, data / "gateway.out"), daemon=True)
    err.start()
    try:
        url = _wait_for_url(process, data / "gateway.log", err)
        out.start()
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for copy in (err, out):  # once stopped, everything it printed is in the files
            if copy.is_alive() or copy.ident is not None:
                copy.join(timeout=10)


def _copy(stream: Any, path: Path) -> None:
    with path.open("a") as log:
        for line in stream:
            log.write(line)
            log.flush()


_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_root_file_access() -> None:
    """In the child before exec: take the capabilities that bypass file permissions out of its bounding set,
    so the exec'd gateway, still uid 0, obeys file modes like any other user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _wait_for_url(process: subprocess.Popen[str], log_path: Path, log_copy: threading.Thread) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        match = re.search(r"Local gateway on (http://127\.0\.0\.1:\d+)", line)
        if match:
            return match.group(1)
    code = process.wait()
    log_copy.join(timeout=10)  # everything it wrote to stderr is in the log file
    pytest.fail(f"the gateway exited before listening (code {code}):\n{log_path.read_text()[-2000:]}")
