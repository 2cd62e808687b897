"""The dashboard in headless Chromium against a real local gateway.

Debian's Chromium (/usr/bin/chromium, installed by `make test`) is driven by the pip `playwright` package;
no browser is ever downloaded. The gateway is the real `python -m local_gateway` on a free loopback port with
its own SQLite file, and the browser may reach nothing but 127.0.0.1.

Every page fails its test on an uncaught error or a console error. axe-core (the pinned npm package in
frontend/node_modules) is added to every page as an init script, which Chromium runs outside the page's
Content-Security-Policy, so the dashboard's `script-src 'self'` stays in force.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, Route, sync_playwright

from tests.conftest import running_gateway

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(__file__).resolve().parent / "output"
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
WIDTHS = {"desktop": 1280, "phone": 390}


@dataclass(frozen=True)
class Gateway:
    url: str
    data: Path  # the gateway's folder: its SQLite file is data/billing.db
    key: str = ADMIN_KEY

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """The API as a script would use it, to set up data (never through the page)."""
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")


@dataclass
class Console:
    """Console errors of a page; a test that provokes an HTTP error says which status it expects."""

    errors: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)
    bodies: list[str] = field(default_factory=list)

    def on_message(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = message.text
        url = (message.location or {}).get("url", "")
        status = re.search(r"status of (\d{3})", text)
        if status and int(status.group(1)) in self.allowed_statuses:
            return
        self.errors.append(f"{text} ({url})")


def _fail(message: str) -> None:
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, dashboard_build: Path) -> Iterator[Gateway]:
    data = tmp_path_factory.mktemp("browser-data")
    with running_gateway(data, dashboard_build, ADMIN_KEY) as url:
        yield Gateway(url, data)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _fail(
            f"{CHROMIUM} is missing: run `make test`, which installs Debian's Chromium "
            "(apt-get install chromium); the browser tests never download a browser"
        )
    if not AXE.exists():
        _fail(f"{AXE} is missing: run `cd frontend && npm ci` (axe-core is a pinned dev dependency)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Dash:
    """A dashboard tab: the page, its console and where it is served."""

    page: Page
    console: Console
    gateway: Gateway
    width: int

    def go(self, hash_route: str) -> None:
        self.page.goto(f"{self.gateway.url}/{hash_route}")
        self.page.wait_for_selector("html[data-ready='true']", state="attached")
        self.page.wait_for_selector("main:not([aria-busy])", state="attached")

    def use_key(self, key: str | None = None) -> None:
        """Stores the key as Settings does, without the form (for tests about something else)."""
        self.page.evaluate("key => localStorage.setItem('billing.apiKey', key)", key or self.gateway.key)
        self.page.reload()
        self.page.wait_for_selector("html[data-ready='true']", state="attached")


def open_dashboard(browser: Browser, gateway: Gateway, width: int) -> tuple[Dash, Any]:
    context = browser.new_context(viewport={"width": width, "height": 900}, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=str(AXE))

    def loopback_only(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", loopback_only)
    page = context.new_page()
    console = Console()
    page.on("console", console.on_message)
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))

    def api_failure(response: Response) -> None:
        # The body says why, which the browser's console line does not.
        failed = response.status >= 400 and response.status not in console.allowed_statuses
        if "/v1/" in response.url and failed:
            console.bodies.append(f"{response.status} {response.url}: {response.text()[:300]}")

    page.on("response", api_failure)
    dash = Dash(page, console, gateway, width)
    dash.go("#/")
    return dash, context


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def dash(request: pytest.FixtureRequest, browser: Browser, gateway: Gateway) -> Iterator[Dash]:
    """A fresh dashboard tab (empty localStorage) at each width; fails on any console error."""
    d, context = open_dashboard(browser, gateway, WIDTHS[request.param])
    try:
        yield d
    finally:
        context.close()
    assert not d.console.errors, f"console errors: {d.console.errors}; API error bodies: {d.console.bodies}"


@pytest.fixture
def desktop(browser: Browser, gateway: Gateway) -> Iterator[Dash]:
    """A fresh dashboard tab at 1280 px; fails on any console error."""
    d, context = open_dashboard(browser, gateway, WIDTHS["desktop"])
    try:
        yield d
    finally:
        context.close()
    assert not d.console.errors, f"console errors: {d.console.errors}; API error bodies: {d.console.bodies}"
