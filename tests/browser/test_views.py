"""Every view of the dashboard at 1280 and 390 px: it renders with data from the real API, the page never
scrolls sideways, axe-core finds no serious or critical violation, and a screenshot of each is saved under
tests/browser/output/ (git-ignored) to be looked at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, Dash, Gateway

pytestmark = pytest.mark.browser

AXE_SERIOUS = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}"""

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def previous_period(now: datetime) -> str:
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@pytest.fixture(scope="module")
def seeded(gateway: Gateway) -> dict[str, str]:
    """A customer in Paris on a graduated plan, with usage last month and this month and last month billed."""
    now = datetime.now(UTC)
    last = previous_period(now)
    plan = gateway.call(
        "POST",
        "/v1/plans",
        {
            "name": "Tour Growth",
            "currency": "EUR",
            "minimum_amount": "5.00",
            "prices": [
                {
                    "feature": "api_calls",
                    "model": "graduated",
                    "tiers": [
                        {"up_to": "1000", "unit_amount": "0"},
                        {"up_to": None, "unit_amount": "0.002"},
                    ],
                },
                {"feature": "storage_gb", "model": "per_unit", "aggregation": "max", "unit_amount": "0.25"},
            ],
        },
    )
    customer = gateway.call(
        "POST", "/v1/customers", {"name": "Tour Paris SARL", "email": "tour@paris.example", "timezone": "Europe/Paris"}
    )
    gateway.call("PUT", f"/v1/customers/{customer['id']}/plan", {"plan_id": plan["id"]})
    this_month = now.strftime("%Y-%m")
    events = [
        {"id": f"tour-{i}", "feature": "api_calls", "quantity": q, "ts": f"{last}-{d:02d}T10:00:00Z"}
        for i, (d, q) in enumerate([(3, 800), (4, 1200), (9, 40)])
    ]
    events += [{"id": "tour-s", "feature": "storage_gb", "quantity": "3.5", "ts": f"{last}-05T10:00:00Z"}]
    events += [{"id": "tour-now", "feature": "api_calls", "quantity": 25, "ts": f"{this_month}-01T12:00:00Z"}]
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    run = gateway.call("POST", f"/v1/invoices/run?period={last}")
    invoice = next(i for i in gateway.call("GET", f"/v1/customers/{customer['id']}/invoices") if i["period"] == last)
    assert invoice["id"] in run["invoice_ids"]
    return {"customer": customer["id"], "plan": plan["id"], "invoice": invoice["id"]}


def views(seeded: dict[str, str]) -> list[tuple[str, str, str]]:
    """(name, address, heading) of every view."""
    return [
        ("overview", "#/", "Overview"),
        ("customers", "#/customers", "Customers"),
        ("customer", f"#/customers/{seeded['customer']}", "Tour Paris SARL"),
        ("plans", "#/plans", "Plans"),
        ("plan", f"#/plans/{seeded['plan']}", "Tour Growth"),
        ("plan-new", "#/plans/new", "New plan"),
        ("invoices", "#/invoices", "Invoices"),
        ("invoice", f"#/invoices/{seeded['invoice']}", f"Invoice {seeded['invoice']}"),
        ("events", "#/events", "Events"),
        ("billing", "#/billing", "Billing"),
        ("settings", "#/settings", "Settings"),
    ]


def test_every_view_renders_fits_the_width_and_passes_axe(dash: Dash, seeded: dict[str, str]) -> None:
    dash.use_key()
    OUTPUT.mkdir(exist_ok=True)
    problems: list[str] = []
    for name, address, heading in views(seeded):
        dash.go(address)
        expect(dash.page.get_by_role("heading", level=1)).to_have_text(heading)
        if name == "customer":
            expect(dash.page.get_by_role("img", name="api_calls: 25 in total", exact=False)).to_be_visible()
        dash.page.screenshot(path=str(OUTPUT / f"{dash.width}-{name}.png"), full_page=True)
        overflow = dash.page.evaluate(SIDEWAYS)
        if overflow > 0:
            problems.append(f"{name}: scrolls sideways by {overflow}px at {dash.width}px")
        problems += [f"{name} at {dash.width}px: {v}" for v in dash.page.evaluate(AXE_SERIOUS)]
    assert problems == []


def test_without_a_key_every_view_says_so(dash: Dash, seeded: dict[str, str]) -> None:
    for name, address, _ in views(seeded):
        dash.go(address)
        if name == "settings":
            expect(dash.page.get_by_role("status")).to_have_text("No API key is set.")
        else:
            expect(dash.page.get_by_text("No API key is set.").first).to_be_visible()
    dash.page.screenshot(path=str(OUTPUT / f"{dash.width}-no-key.png"), full_page=True)
    assert dash.page.evaluate(AXE_SERIOUS) == []
