"""The dashboard with a customer's key (POST /v1/api-keys {"customer_id"}): Settings tells it apart from an
administrator's (GET /v1/whoami), the home page is that customer's own page with its live cost, invoices and
credit, and no administrator's control or page is offered; nothing it does is refused (no console error)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, Dash, Gateway
from tests.browser.test_views import AXE_SERIOUS, SIDEWAYS, previous_period
from tests.browser.test_workflows import nav, save_key

pytestmark = pytest.mark.browser

ADMIN_ONLY_LINKS = ["Overview", "Customers", "Plans", "Invoices", "Billing"]
ADMIN_ONLY_BUTTONS = ["Change plan", "Grant credit", "Finalize…", "Void…", "Run billing", "Create customer"]


@pytest.fixture
def scoped(gateway: Gateway) -> dict[str, str]:
    """A customer in Tokyo on a plan with a fee, usage last month (billed) and this month, credit, and its key."""
    now = datetime.now(ZoneInfo("Asia/Tokyo"))  # the customer's periods are Tokyo's months
    last, this_month = previous_period(now), now.strftime("%Y-%m")
    plan = gateway.call(
        "POST",
        "/v1/plans",
        {
            "name": "Keyed Basic",
            "amount": "3.00",
            "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}],
        },
    )
    customer = gateway.call(
        "POST",
        "/v1/customers",
        {
            "name": "Keyed Kabushiki",
            "email": f"keyed.{uuid.uuid4().hex[:8]}@tokyo.example",
            "timezone": "Asia/Tokyo",
            "plan_id": plan["id"],
        },
    )
    events = [
        {"id": "key-1", "feature": "api_calls", "quantity": 200, "ts": f"{last}-10T12:00:00+09:00"},
        {"id": "key-2", "feature": "api_calls", "quantity": 150, "ts": f"{this_month}-01T00:00:01+09:00"},
    ]
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})
    gateway.call("POST", f"/v1/invoices/run?period={last}")
    gateway.call("POST", f"/v1/customers/{customer['id']}/credits", {"amount": "1.00", "description": "sorry"})
    key = gateway.call("POST", "/v1/api-keys", {"customer_id": customer["id"], "name": "dashboard test"})
    return {"customer": customer["id"], "plan": plan["id"], "key": key["key"], "period": last}


def test_a_customer_key_sees_its_own_page_and_no_administrators_control(dash: Dash, scoped: dict[str, str]) -> None:
    page = dash.page
    save_key(page, scoped["key"])
    expect(page.get_by_role("status")).to_have_text(
        re.compile(rf"^Key accepted: a customer key for Keyed Kabushiki \({scoped['customer']}\)")
    )
    menu = page.get_by_role("navigation", name="Main")
    for name in ADMIN_ONLY_LINKS:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_hidden()

    # --- home is its own page: the live cost of this period, its invoices and credit ---------------------
    menu.get_by_role("link", name="My account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyed Kabushiki")
    expect(page.locator("#live-cost")).to_have_text("4.50 USD")  # 3.00 fee + 150 × 0.01
    expect(page.locator(".live-cost")).to_contain_text("3.50 USD after 1.00 USD of prepaid credit")
    expect(page.get_by_text("(Asia/Tokyo)").first).to_be_visible()
    expect(page.get_by_role("link", name=f"{scoped['period']} invoice")).to_be_visible()
    expect(page.locator("#credit-balance")).to_have_text("1.00 USD")
    for name in ADMIN_ONLY_BUTTONS:
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_label("Amount")).to_have_count(0)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{dash.width}-customer-key.png"), full_page=True)
    assert page.evaluate(SIDEWAYS) <= 0
    assert page.evaluate(AXE_SERIOUS) == []

    # --- what if: it may read no other stored plan, so it describes one (refused first, naming the field) -----
    what_if = page.get_by_role("form", name="What-if estimate")
    dash.console.allowed_statuses.add(400)  # the refused plan, logged by the browser
    expect(what_if.get_by_label("Other plan")).to_have_value("describe")
    expect(what_if.get_by_label("Other plan").locator("option")).to_have_count(1)
    described = what_if.get_by_label("Plan to compare with (JSON)")
    described.fill('{"name": "Per call", "prices": [{"feature": "api_calls", "model": "per_unit"}]}')
    what_if.get_by_role("button", name="Estimate").click()
    expect(described).to_have_attribute("aria-invalid", "true")
    expect(what_if).to_contain_text("prices[0]")
    described.fill(
        '{"name": "Per call", "prices": [{"feature": "api_calls", "model": "per_unit", "unit_amount": "0.02"}]}'
    )
    what_if.get_by_role("button", name="Estimate").click()
    expect(what_if.locator("#estimate-summary")).to_contain_text(
        "on Per call the period would cost 4.00 USD instead of 5.00 USD on Keyed Basic (-1.00)"
    )  # last month: 200 calls × 0.02, against the 3.00 fee + 200 × 0.01

    # --- its invoice and its plan: readable, with nothing to finalize and no way to the lists ----------
    page.get_by_role("link", name=f"{scoped['period']} invoice").click()
    expect(page.get_by_role("article")).to_contain_text("Keyed Kabushiki")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^(Finalize|Void)"))).to_have_count(0)
    expect(page.get_by_role("link", name="All invoices")).to_have_count(0)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyed Kabushiki")  # re-rendered: its links are live
    expect(page.locator("#credit-balance")).to_have_text("1.00 USD")
    page.get_by_role("link", name=re.compile("^Keyed Basic")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyed Basic")
    expect(page.get_by_role("link", name="All plans")).to_have_count(0)
    expect(page.locator(".fact", has_text="Plan fee per period")).to_contain_text("3.00 USD")

    # --- events for itself only: the customer field is its own and cannot change --------------------------
    nav(page, "Events")
    customer = page.get_by_label("Customer", exact=True)
    expect(customer).to_have_value(scoped["customer"])
    expect(customer).not_to_be_editable()
    one = page.get_by_role("form", name="One event")
    one.get_by_label("Feature").fill("api_calls")
    one.get_by_label("Quantity").fill("5")
    one.get_by_role("button", name="Send event").click()
    expect(page.locator("#events-summary")).to_contain_text("1 accepted")

    # --- an administrator's page reached by its address says so, and asks the API nothing ----------------
    for address, heading in (("#/customers", "Customers"), ("#/invoices", "Invoices"), ("#/billing", "Billing")):
        dash.go(address)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_text("needs an administrator key")).to_be_visible()
    dash.go("#/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyed Kabushiki")
