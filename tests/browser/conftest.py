"""The dashboard in headless Chromium against a real local gateway.

Debian's Chromium (/usr/bin/chromium, installed by `make test`) is driven by the pip `playwright` package;
no browser is ever downloaded. The gateway is the real `python -m local_gateway` on a free loopback port with
its own SQLite file, as in tests/e2e/conftest.py, and the browser may reach nothing but 127.0.0.1.

The dashboard served is the session's fresh build of frontend/src (`dashboard_build` in tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CHROMIUM = Path("/usr/bin/chromium")
ADMIN_KEY = "browser-admin-key-0123456789abcdefghijkl"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Gateway:
    url: str
    key: str = ADMIN_KEY


def _fail(message: str) -> None:
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, dashboard_build: Path) -> Iterator[Gateway]:
    data = tmp_path_factory.mktemp("browser-data")
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": "0",
        "BILLING_DB_PATH": str(data / "billing.db"),
        "BILLING_ADMIN_API_KEY": ADMIN_KEY,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = data / "gateway.log"  # the access log (stderr), for a failing test's post-mortem
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_gateway", "--template", "template.yaml", "--static", str(dashboard_build)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            url = _wait_for_url(process, log_path)
            assert process.stdout is not None
            # Keep reading stdout so the gateway can never block on a full pipe.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            yield Gateway(url)
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
    _fail(f"the gateway exited before listening (code {process.wait()}):\n{log_path.read_text()[-2000:]}")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _fail(
            f"{CHROMIUM} is missing: run `make test`, which installs Debian's Chromium "
            "(apt-get install chromium); the browser tests never download a browser"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, gateway: Gateway) -> Iterator[Page]:
    """A fresh context (empty localStorage) on the dashboard; fails the test on any uncaught page error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)

    def loopback_only(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", loopback_only)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(gateway.url + "/")
    page.wait_for_selector("html[data-ready='true']", state="attached")
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
