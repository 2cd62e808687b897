"""`python -m local_gateway`: the admin key it provides, and a real start and Ctrl-C."""

from __future__ import annotations

import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from local_gateway.__main__ import ADMIN_KEY_ENV, ensure_admin_api_key

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_a_missing_admin_key_is_generated_saved_privately_and_announced_once(tmp_path: Path) -> None:
    environ = {"BILLING_DB_PATH": str(tmp_path / "data" / "billing.db")}
    key_file = tmp_path / "data" / "admin-api-key"

    first = ensure_admin_api_key(environ)

    assert first.source == "generated"
    assert len(first.value) >= 40
    assert environ[ADMIN_KEY_ENV] == first.value
    assert key_file.read_text().strip() == first.value
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.announcement() == f"Admin API key (saved in {key_file}): {first.value}"

    again = {"BILLING_DB_PATH": str(tmp_path / "data" / "billing.db")}
    second = ensure_admin_api_key(again)

    assert (second.source, second.value, again[ADMIN_KEY_ENV]) == ("file", first.value, first.value)
    assert second.announcement() == f"Admin API key: saved in {key_file}"
    assert first.value not in second.announcement()


def test_the_default_data_folder_is_dot_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    admin_key = ensure_admin_api_key({})

    assert admin_key.path == Path(".data/admin-api-key")
    assert admin_key.announcement().startswith("Admin API key (saved in .data/admin-api-key): ")
    assert (tmp_path / ".data" / "admin-api-key").is_file()


def test_an_admin_key_from_the_environment_is_used_as_it_is(tmp_path: Path) -> None:
    environ = {ADMIN_KEY_ENV: "from-env", "BILLING_DB_PATH": str(tmp_path / "billing.db")}

    admin_key = ensure_admin_api_key(environ)

    assert (admin_key.source, admin_key.value, environ[ADMIN_KEY_ENV]) == ("environment", "from-env", "from-env")
    assert not (tmp_path / "admin-api-key").exists()
    assert "from-env" not in admin_key.announcement()


class StdoutReader:
    """Reads a process's stdout on a thread: select() cannot see lines already in the file's buffer."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self._thread.start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in iter(process.stdout.readline, ""):
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line)
        self._queue.put(None)  # the process closed its stdout

    def wait_for(self, text: str, timeout: float = 15) -> str:
        """The first new line containing `text`."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            if text in line:
                return line.strip()
        raise AssertionError(f"no line with {text!r} in {self.lines}")

    def all_lines(self, timeout: float = 10) -> list[str]:
        self._thread.join(timeout)
        return self.lines


def test_the_cli_serves_the_template_and_stops_on_ctrl_c(tmp_path: Path, fixture_template: Path) -> None:
    environ = {**os.environ, "HOST": "127.0.0.1", "PORT": "0", "BILLING_DB_PATH": str(tmp_path / "billing.db")}
    environ.pop(ADMIN_KEY_ENV, None)
    stderr_log = tmp_path / "stderr.log"
    with stderr_log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_gateway", "--template", str(fixture_template)],
            cwd=REPO_ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    stdout = StdoutReader(process)
    try:
        url = stdout.wait_for("Local gateway on http://127.0.0.1:").split()[3]
        with urllib.request.urlopen(f"{url}/v1/health", timeout=10) as response:
            health = response.read()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    lines, logged = stdout.all_lines(), stderr_log.read_text()

    saved_key = (tmp_path / "admin-api-key").read_text().strip()
    assert lines[0] == f"Admin API key (saved in {tmp_path / 'admin-api-key'}): {saved_key}"
    assert any("GET /v1/health" in line and "HealthFunction (public)" in line for line in lines)
    assert health == b'{"status": "ok", "function": "HealthFunction"}'
    assert "GET /v1/health 200" in logged
    assert process.returncode == 0, logged
    assert lines[-1] == "Stopped."
    assert "Traceback" not in logged


def test_ctrl_c_the_moment_the_gateway_serves_still_stops_it_cleanly(tmp_path: Path, fixture_template: Path) -> None:
    # The gateway answers requests as soon as it listens, while its main thread still prints the route table:
    # a Ctrl-C then used to raise KeyboardInterrupt there (a traceback and exit code -2, 9 times in 10).
    for attempt in range(3):
        environ = {**os.environ, "HOST": "127.0.0.1", "PORT": "0", "BILLING_DB_PATH": str(tmp_path / f"{attempt}.db")}
        process = subprocess.Popen(
            [sys.executable, "-m", "local_gateway", "--template", str(fixture_template)],
            cwd=REPO_ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Local gateway on"):
                process.send_signal(signal.SIGINT)
                break
        out, err = process.communicate(timeout=20)
        assert process.returncode == 0, err
        assert out.rstrip().endswith("Stopped.") and "Traceback" not in err


def test_the_cli_refuses_a_template_it_cannot_serve(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Handler: app.handler\n      Events:\n        Get: {Type: HttpApi, Properties: {Path: /x, Method: GET}}\n"
    )

    result = subprocess.run(
        [sys.executable, "-m", "local_gateway", "--template", str(template)],
        cwd=REPO_ROOT,
        env={**os.environ, "PORT": "0"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert "Fn: needs a local CodeUri" in result.stderr


def test_a_busy_port_is_one_line_saying_so_and_a_failing_exit(tmp_path: Path, fixture_template: Path) -> None:
    # It used to be an AttributeError traceback from the server's cleanup (no `_workers` yet) and exit code 1.
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "local_gateway", "--template", str(fixture_template)],
            cwd=REPO_ROOT,
            env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "BILLING_DB_PATH": str(tmp_path / "b.db")},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Cannot listen on 127.0.0.1:{port}: the port is already in use (another `make run`?); "
        "choose another with PORT=..."
    ]
