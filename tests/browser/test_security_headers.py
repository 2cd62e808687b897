"""The dashboard and the API's docs page are served with a Content-Security-Policy that really refuses inline
scripts (every other browser test fails on any console error, CSP violations included)."""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.request

import pytest
from playwright.sync_api import Browser, ConsoleMessage

from local_gateway.static import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.browser


def test_the_dashboard_is_served_with_a_content_security_policy_that_bites(browser: Browser, gateway) -> None:
    # Every test's page fixture fails on a CSP violation; this one proves the policy is there to be violated.
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        response = page.goto(gateway.url + "/")
        page.wait_for_selector("html[data-ready='true']", state="attached")  # its own module script ran

        assert response is not None
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        violated = page.evaluate(
            """() => new Promise((resolve) => {
                document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective));
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.head.append(script);
            })"""
        )
        assert violated == "script-src-elem"
        assert page.evaluate("window.inlineRan === undefined")
    finally:
        context.close()


def _directives(policy: str) -> dict[str, list[str]]:
    return {directive.split()[0]: directive.split()[1:] for directive in policy.split("; ")}


def test_the_docs_page_is_sent_with_the_dashboards_headers_and_a_policy_naming_its_inline_code(gateway) -> None:
    # Over plain HTTP, as a client sees it: the headers come from the docs Lambda itself (the same in AWS).
    with urllib.request.urlopen(f"{gateway.url}/v1/docs", timeout=30) as response:
        headers, page = response.headers, response.read().decode()

    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    docs = _directives(headers["content-security-policy"])
    dashboard = _directives(CONTENT_SECURITY_POLICY)
    for shared in ("frame-ancestors", "object-src", "base-uri", "form-action", "img-src", "connect-src"):
        assert docs[shared] == dashboard[shared], shared
    assert docs["default-src"] == ["'none'"]
    # Exactly the page's inline elements, by hash: no 'unsafe-inline', no origin, nothing else.
    for directive, tag in (("script-src", "script"), ("style-src", "style")):
        inline = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.DOTALL)
        expected = {f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'" for text in inline}
        assert inline and set(docs[directive]) == expected, directive


def test_the_docs_page_renders_every_operation_under_its_policy(browser: Browser, gateway) -> None:
    context = browser.new_context(service_workers="block")
    try:
        # Installed before the page's own code: init scripts run outside its policy.
        context.add_init_script(
            "window.violations = []; document.addEventListener('securitypolicyviolation',"
            " (e) => window.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));"
        )
        page = context.new_page()
        errors: list[str] = []

        def on_console(message: ConsoleMessage) -> None:
            # The browser asks for /favicon.ico on its own; the dashboard has none, the page names none.
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                errors.append(f"{message.text} ({message.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        page.goto(f"{gateway.url}/v1/docs")

        page.wait_for_selector(".swagger-ui .opblock-summary-path", timeout=30_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/v1/customers" in [path.replace("\u200b", "") for path in paths]
        page.locator(".opblock-summary").first.click()  # an operation opens: the UI's own scripts run
        page.wait_for_selector(".opblock-body", state="attached")
        assert page.evaluate("window.violations") == [] and errors == []

        violated = page.evaluate(
            """() => new Promise((resolve) => {
                document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective));
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.head.append(script);
                setTimeout(() => resolve("no violation"), 2000);
            })"""
        )
        assert violated == "script-src-elem" and page.evaluate("window.inlineRan === undefined")
    finally:
        context.close()
