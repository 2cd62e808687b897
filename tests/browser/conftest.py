"""The dashboard in headless Chromium against a real local gateway.

Debian's Chromium (/usr/bin/chromium, installed by `make test`) is driven by the pip `playwright` package;
no browser is ever downloaded. The gateway is the real `python -m local_gateway` on a free loopback port with
its own SQLite file, as in tests/e2e/conftest.py, and the browser may reach nothing but 127.0.0.1.

The dashboard served is the session's fresh build of frontend/src (`dashboard_build` in tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.conftest import running_gateway

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
    with running_gateway(tmp_path_factory.mktemp("browser-data"), dashboard_build, ADMIN_KEY) as url:
        yield Gateway(url)


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
    # The dashboard is served with a Content-Security-Policy: anything it refuses is a bug of the page.
    page.on(
        "console",
        lambda message: errors.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(gateway.url + "/")
    page.wait_for_selector("html[data-ready='true']", state="attached")
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught errors or CSP violations in the page: {errors}"
