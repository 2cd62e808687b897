"""A billing operator's work through the dashboard, in headless Chromium against the real local gateway.

Elements are found by label and role, as a screen reader user finds them. The invoice is printed to PDF by
Chromium and read back with pypdf.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import CHROMIUM, OUTPUT, Dash
from tests.browser.test_views import AXE_SERIOUS

pytestmark = pytest.mark.browser


def test_chromium_is_installed() -> None:
    # The fixtures fail the same way; this makes the reason a plain FAILED line too. Never skipped.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make test`, which installs Debian's Chromium"


def previous_period() -> str:
    now = datetime.now(UTC)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def save_key(page: Page, key: str) -> None:
    nav(page, "Settings")
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Save and check key").click()


def create_customer(page: Page, name: str, email: str, timezone: str) -> str:
    nav(page, "Customers")
    form = page.get_by_role("form", name="New customer")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Timezone").fill(timezone)
    form.get_by_role("button", name="Create customer").click()
    expect(form.get_by_role("status")).to_contain_text(f"Created {name}")
    expect(form.get_by_label("Name", exact=True)).to_have_value("")  # the form clears after success
    href = form.get_by_role("status").get_by_role("link", name=name).get_attribute("href") or ""
    return href.rsplit("/", 1)[-1]


def test_the_key_is_checked_when_saved(desktop: Dash) -> None:
    page = desktop.page
    desktop.console.allowed_statuses.add(403)  # the wrong key's refusal, logged by the browser
    save_key(page, "not-the-key")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Key refused: "))
    save_key(page, desktop.gateway.key)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Key accepted: an administrator key"))
    expect(page.get_by_text("No API key is set.")).to_have_count(0)


def test_a_billing_cycle_from_customer_to_printed_invoice(desktop: Dash) -> None:
    page = desktop.page
    save_key(page, desktop.gateway.key)
    expect(page.get_by_role("status")).to_contain_text("Key accepted")
    customer_id = create_customer(page, "Acme Cycle", "billing@cycle.example", "America/New_York")

    # --- a graduated plan through the form ------------------------------------------------------------
    nav(page, "Plans")
    page.get_by_role("link", name="New plan").click()
    form = page.get_by_role("form", name="New plan")
    form.get_by_label("Plan name").fill("Cycle Graduated")
    form.get_by_label("Minimum amount").fill("10.00")
    price = form.get_by_role("group", name="Price 1", exact=True)
    price.get_by_label("Feature").fill("api_calls")
    price.get_by_label("Model").select_option("graduated")
    tier = price.get_by_role("group", name="Tier 1", exact=True)
    tier.get_by_label("Up to").fill("100")
    tier.get_by_label("Unit amount").fill("0")
    price.get_by_role("button", name="Add tier to price 1").click()
    tier = price.get_by_role("group", name="Tier 2", exact=True)
    tier.get_by_label("Unit amount").fill("0.01")
    tier.get_by_label("Flat amount").fill("2")
    form.get_by_role("button", name="Create plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cycle Graduated")
    expect(page.locator("#plan-price-list")).to_have_text(
        "api_calls, each unit at the rate of its own tier (USD): the first 100: free; above 100: 0.01 each + 2 flat"
    )
    plan_id = page.url.rsplit("/", 1)[-1]

    # --- the customer's page: assign the plan, grant credit ---------------------------------------------
    page.goto(f"{desktop.gateway.url}/#/customers/{customer_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Cycle")
    page.get_by_label("New plan").select_option(plan_id)
    page.get_by_role("button", name="Change plan").click()
    expect(page.locator("#customer-plan")).to_contain_text("Cycle Graduated")
    page.get_by_label("Amount").fill("5.00")
    page.get_by_label("Description (optional)").fill("welcome")
    page.get_by_role("button", name="Grant credit").click()
    expect(page.locator("#credit-balance")).to_have_text("5.00 USD")
    page.get_by_role("link", name="Send events for this customer").click()

    # --- events: one through the form with its default timestamp, three pasted as CSV -----------------
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    expect(page.get_by_label("Customer", exact=True)).to_have_value(customer_id)
    one = page.get_by_role("form", name="One event")
    expect(one.get_by_label("Timestamp")).to_have_value(f"{previous_period()}-15T12:00:00Z")
    one.get_by_label("Feature").fill("api_calls")
    one.get_by_label("Quantity").fill("400")
    one.get_by_label("Event ID (optional)").fill("cyc-1")
    one.get_by_role("button", name="Send event").click()
    results = page.get_by_role("region", name="Results")
    expect(results.locator("#events-summary")).to_contain_text("Sent to Acme Cycle")
    expect(results.locator("#events-summary")).to_contain_text("1 accepted, 0 duplicates")
    expect(one.get_by_label("Event ID (optional)")).to_have_value("")

    p = previous_period()
    many = page.get_by_role("form", name="Many events")
    many.get_by_label("Events (JSON lines or CSV)").fill(
        f"feature,quantity,ts,id\napi_calls,700,{p}-02T11:00:00Z,cyc-2\napi_calls,150,{p}-03T23:59:59Z,cyc-3\n"
        f"api_calls,400,{p}-15T12:00:00Z,cyc-1\n"
    )
    many.get_by_role("button", name="Send events").click()
    expect(results.locator("#events-summary")).to_contain_text("2 accepted, 1 duplicate")
    rows = results.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("duplicate")

    # --- bill last month (the billing form's default) ------------------------------------------------
    nav(page, "Billing")
    expect(page.get_by_label("Period (YYYY-MM)")).to_have_value(p)
    page.get_by_role("button", name="Run billing").click()
    expect(page.locator("#billing-summary")).to_contain_text("created or recomputed")

    # --- the invoice, by hand: api_calls 1250 = 100 free + 1150 x 0.01 + 2 flat = 13.50 (above the
    #     10.00 minimum); 5.00 credit is applied when it is finalized; total 8.50 -----------------------
    page.goto(f"{desktop.gateway.url}/#/customers/{customer_id}")
    page.get_by_role("link", name=f"{p} invoice").click()
    doc = page.get_by_role("article")
    expect(doc.get_by_role("heading", level=2)).to_contain_text("Draft invoice inv_")
    expect(doc).to_contain_text("(America/New_York)")
    expect(doc).to_contain_text(f"Plan Cycle Graduated ({plan_id})")
    breakdown = doc.get_by_role("list", name="Breakdown")
    expect(breakdown).to_contain_text("Tier 2 (above 100): 1,150 × 0.01 + 2 flat = 13.5")

    page.get_by_role("button", name="Finalize…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("This cannot be undone")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("status")).to_have_text("Nothing was changed.")
    expect(doc.locator(".badge")).to_have_text("draft")

    page.get_by_role("button", name="Finalize…").click()
    page.get_by_role("dialog").get_by_role("button", name="Finalize invoice").click()
    expect(doc.locator(".badge")).to_have_text("finalized")
    expect(page.locator("#invoice-total")).to_have_text("8.50 USD")

    # --- printed: only the document, on one or two A4 pages ------------------------------------------
    OUTPUT.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    (OUTPUT / "invoice.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page_.extract_text() for page_ in reader.pages)
    assert 1 <= len(reader.pages) <= 2
    assert "Total due" in text and "8.50 USD" in text
    assert "Acme Cycle" in text and "billing@cycle.example" in text
    assert "Run billing" not in text and "Overview" not in text and "Finalize" not in text  # no dashboard around it

    page.get_by_role("button", name="Void…").click()
    expect(page.get_by_role("dialog")).to_contain_text("5.00 USD of credit it used goes back")
    page.get_by_role("dialog").get_by_role("button", name="Void invoice").click()
    expect(doc.locator(".badge")).to_have_text("void")


def test_errors_appear_next_to_the_control_that_caused_them(desktop: Dash) -> None:
    page = desktop.page
    desktop.use_key()
    desktop.console.allowed_statuses.update({400, 409})
    customer_id = create_customer(page, "Twice", "twice@errors.example", "UTC")

    # A duplicate email is the API's 409, said in the form.
    form = page.get_by_role("form", name="New customer")
    form.get_by_label("Name", exact=True).fill("Twice again")
    form.get_by_label("Email").fill("TWICE@errors.example")
    form.get_by_role("button", name="Create customer").click()
    expect(form.get_by_role("alert")).to_contain_text("already exists")

    # A client-side check: an unknown timezone is named under its field, and nothing is sent.
    form.get_by_label("Timezone").fill("Mars/Olympus")
    form.get_by_role("button", name="Create customer").click()
    expect(form.get_by_label("Timezone")).to_have_attribute("aria-invalid", "true")
    zone_error = form.locator("#customer-timezone-error")
    expect(zone_error).to_have_text("Timezone must be an IANA timezone such as Europe/Paris")

    # Tiers that do not ascend: the API's 400 names prices[0].tiers[1].up_to, shown under that field.
    desktop.go("#/plans/new")
    plan = page.get_by_role("form", name="New plan")
    plan.get_by_label("Plan name").fill("Broken tiers")
    price = plan.get_by_role("group", name="Price 1", exact=True)
    price.get_by_label("Feature").fill("api_calls")
    price.get_by_label("Model").select_option("volume")
    for n, (up_to, amount) in enumerate([("100", "0.02"), ("50", "0.01"), ("", "0.005")], start=1):
        if n > 1:
            price.get_by_role("button", name="Add tier to price 1").click()
        tier = price.get_by_role("group", name=f"Tier {n}", exact=True)
        tier.get_by_label("Up to").fill(up_to)
        tier.get_by_label("Unit amount").fill(amount)
    plan.get_by_role("button", name="Create plan").click()
    second = price.get_by_role("group", name="Tier 2", exact=True).get_by_label("Up to")
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#price-0-tier-1-up-to-error")).to_contain_text("Price 1 · Tier 2 · Up to")
    expect(plan.get_by_role("alert")).to_contain_text("1 field needs attention")

    # A refused batch: nothing stored, the refused event named with its field.
    desktop.go(f"#/events?customer_id={customer_id}")
    many = page.get_by_role("form", name="Many events")
    many.get_by_label("Events (JSON lines or CSV)").fill(
        '{"feature": "api_calls", "quantity": 1, "ts": "2025-09-01T00:00:00Z", "id": "ok-1"}\n'
        '{"feature": "api_calls", "quantity": -3, "ts": "2025-09-01T00:00:00Z", "id": "bad-2"}\n'
    )
    many.get_by_role("button", name="Send events").click()
    results = page.get_by_role("region", name="Results")
    expect(results.locator("#events-summary")).to_contain_text("Nothing was stored: 1 of 2 events refused")
    expect(results.get_by_role("table").locator("tbody tr").nth(1)).to_contain_text("refused Quantity must be")
    expect(many.get_by_role("alert")).to_contain_text("Event 2 · Quantity")

    # A line for another customer is refused before anything is sent.
    many.get_by_label("Events (JSON lines or CSV)").fill(
        '{"customer_id": "cus_other", "feature": "api_calls", "quantity": 1, "ts": "2025-09-01T00:00:00Z"}'
    )
    many.get_by_role("button", name="Send events").click()
    expect(page.locator("#events-bulk-error")).to_contain_text(
        f"line 1 names customer cus_other, but this batch goes to {customer_id}"
    )


def test_deep_links_back_button_and_keyboard(desktop: Dash) -> None:
    page = desktop.page
    desktop.use_key()
    create_customer(page, "Deep Link", "deep@links.example", "Asia/Kolkata")
    page.get_by_label("Search by name or email").fill("deep")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"#/customers\?q=deep$"))
    page.get_by_role("table").get_by_role("link", name="Deep Link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deep Link")
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # focus follows the view for screen readers
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers")
    expect(page.get_by_label("Search by name or email")).to_have_value("deep")

    # The keyboard alone: the skip link comes first, then the navigation; Enter follows a link.
    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    for _ in range(4):
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Plans")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plans")
    unreachable = page.evaluate(
        """() => Array.from(document.querySelectorAll("a[href], button, input, select, textarea, summary"))
             .filter((el) => el.tabIndex < 0 && !el.disabled).map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unreachable == []


def test_the_what_if_estimate_puts_another_plan_beside_the_customers_own(desktop: Dash) -> None:
    gateway, page = desktop.gateway, desktop.page
    per_call = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}
    own = gateway.call("POST", "/v1/plans", {"name": "What-if Own", "prices": [per_call]})
    other = gateway.call(
        "POST", "/v1/plans", {"name": "What-if Flat", "amount": "20.00", "prices": [{**per_call, "unit_amount": "0"}]}
    )
    customer = gateway.call(
        "POST", "/v1/customers", {"name": "What-if Co", "email": "whatif@co.example", "plan_id": own["id"]}
    )
    p = previous_period()
    event = {"id": "wi-1", "feature": "api_calls", "quantity": 3000, "ts": f"{p}-15T12:00:00Z"}
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": [event]})
    desktop.use_key()
    desktop.go(f"#/customers/{customer['id']}")

    what_if = page.get_by_role("form", name="What-if estimate")
    expect(what_if.get_by_label("Period (YYYY-MM)")).to_have_value(p)
    expect(what_if.get_by_label("Plan to compare with (JSON)")).to_be_hidden()
    expect(what_if.get_by_label("Other plan").locator(f"option[value='{own['id']}']")).to_have_count(0)
    what_if.get_by_label("Other plan").select_option(other["id"])
    what_if.get_by_role("button", name="Estimate").click()

    expect(what_if.locator("#estimate-summary")).to_contain_text(
        "on What-if Flat the period would cost 20.00 USD instead of 30.00 USD on What-if Own (-10.00)"
    )
    expect(what_if.get_by_role("table", name="Own plan: What-if Own")).to_contain_text("30.00")
    expect(what_if.get_by_role("table", name="Other plan: What-if Flat")).to_contain_text("Plan fee")
    assert gateway.call("GET", f"/v1/customers/{customer['id']}/invoices") == []  # nothing was written
    assert page.evaluate(AXE_SERIOUS) == []


def test_the_plan_editor_offers_the_percentage_models(desktop: Dash) -> None:
    """Every model the API's pricing factory accepts is in the editor: a percentage price (rate and fee per
    event) and graduated percentage tiers (a rate each) are created and read back in words."""
    page = desktop.page
    desktop.use_key()
    desktop.go("#/plans/new")
    plan = page.get_by_role("form", name="New plan")
    plan.get_by_label("Plan name").fill(f"Payments {datetime.now(UTC).timestamp()}")
    price = plan.get_by_role("group", name="Price 1", exact=True)
    price.get_by_label("Feature").fill("payments")
    price.get_by_label("Model").select_option("percentage")
    price.get_by_label("Rate (%)").fill("2.9")
    price.get_by_label("Fixed amount per event").fill("0.30")
    plan.get_by_role("button", name="Add price").click()
    second = plan.get_by_role("group", name="Price 2", exact=True)
    second.get_by_label("Feature").fill("volume")
    second.get_by_label("Model").select_option("graduated_percentage")
    for n, (up_to, rate, flat) in enumerate([("10", "1", "200"), ("", "2", "")], start=1):
        if n > 1:
            second.get_by_role("button", name="Add tier to price 2").click()
        tier = second.get_by_role("group", name=f"Tier {n}", exact=True)
        tier.get_by_label("Up to").fill(up_to)
        tier.get_by_label("Rate (%)").fill(rate)
        tier.get_by_label("Flat amount").fill(flat)
    plan.get_by_role("button", name="Create plan").click()
    words = page.locator("#plan-price-list")
    expect(words).to_contain_text("payments: 2.9 % of the value + 0.30 USD per event")
    expect(words).to_contain_text("the first 10: 1 % + 200 flat; above 10: 2 %")
