"""The dashboard is served with a Content-Security-Policy that really refuses inline scripts (every other
browser test fails on any console error, CSP violations included)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

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
