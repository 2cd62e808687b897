"""The dashboard driven like a user would, in headless Chromium against the real local gateway.

Elements are found by their labels and roles (each section is a region named by its heading), so these
tests also check that the page is usable with a screen reader's view of it.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.browser

# Set to a path (e.g. /tmp/dashboard.png) to save a full-page screenshot at the end of the billing cycle.
SCREENSHOT_ENV = "BROWSER_TEST_SCREENSHOT"


def test_chromium_is_installed() -> None:
    # The fixtures fail the same way; this makes the reason a plain FAILED line too. Never skipped.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make test`, which installs Debian's Chromium"


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


def region(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name=name, exact=True)


def rows(table: Locator) -> list[list[str]]:
    """The body rows of a table as lists of cell texts."""
    return [
        [cell.strip() for cell in row.locator(":scope > td").all_inner_texts()]
        for row in table.locator(":scope > tbody > tr").all()
    ]


def row_with(table: Locator, text: str) -> list[str]:
    """The one body row of a table that contains `text`."""
    matches = [row for row in rows(table) if text in row]
    assert len(matches) == 1, f"expected one row with {text!r}, got {matches}"
    return matches[0]


def assert_every_control_is_labelled(page: Page) -> None:
    """What tests/frontend_build checks in the static HTML, here for the rows the scripts add too."""
    problems = page.evaluate(
        """() => {
          const out = [];
          for (const el of document.querySelectorAll("input, select, textarea")) {
            const label = Array.from(el.labels ?? []).find((l) => l.textContent.trim() && l.offsetParent !== null);
            if (el.type !== "hidden" && !label) out.push(`${el.tagName} #${el.id}: no visible label`);
          }
          for (const b of document.querySelectorAll("button")) {
            if (!b.textContent.trim()) out.push(`button ${b.outerHTML.slice(0, 80)}: no visible text`);
          }
          const ids = Array.from(document.querySelectorAll("[id]"), (e) => e.id);
          for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) out.push(`duplicate id ${id}`);
          return out;
        }"""
    )
    assert problems == []


def save_api_key(page: Page, key: str) -> None:
    settings = region(page, "Settings")
    settings.get_by_label("API key", exact=True).fill(key)
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_role("status")).to_contain_text("Settings saved. API: same origin · key set")


def create_customer(page: Page, name: str, email: str) -> str:
    customers = region(page, "Customers")
    customers.get_by_label("Name", exact=True).fill(name)
    customers.get_by_label("Email", exact=True).fill(email)
    customers.get_by_role("button", name="Create customer").click()
    expect(customers.get_by_role("status")).to_contain_text("It is now the selected customer.")
    return customers.locator("#created-customer-id").inner_text()


def fill_event(events: Locator, n: int, feature: str, quantity: str, ts: str, event_id: str) -> None:
    row = events.get_by_role("group", name=f"Event {n}", exact=True)
    row.get_by_label("Feature").fill(feature)
    row.get_by_label("Quantity").fill(quantity)
    row.get_by_label("Timestamp").fill(ts)
    row.get_by_label("Event ID (optional)").fill(event_id)


def fill_tier(price: Locator, n: int, up_to: str, unit_amount: str, flat_amount: str = "") -> None:
    tier = price.get_by_role("group", name=f"Tier {n}", exact=True)
    tier.get_by_label("Up to").fill(up_to)
    tier.get_by_label("Unit amount").fill(unit_amount)
    tier.get_by_label("Flat amount").fill(flat_amount)


def test_a_billing_cycle_through_the_dashboard(page: Page, gateway) -> None:
    save_api_key(page, gateway.key)
    customer_id = create_customer(page, "Acme Browser", "billing@browser.example")
    assert re.fullmatch(r"cus_\w+", customer_id)

    # --- ingest one batch through the rows editor (UTC customer, September 2025) -------------------------
    events = region(page, "Ingest events")
    expect(events.get_by_label("Customer ID", exact=True)).to_have_value(customer_id)
    fill_event(events, 1, "api_calls", "400", "2025-09-01T10:00:00Z", "evt-1")
    for n, (feature, quantity, ts) in enumerate(
        [
            ("api_calls", "700", "2025-09-02T11:00:00Z"),
            ("storage", "2.5", "2025-09-02T12:00:00Z"),
            ("api_calls", "150", "2025-09-03T23:59:59Z"),
        ],
        start=2,
    ):
        events.get_by_role("button", name="Add row").click()
        fill_event(events, n, feature, quantity, ts, f"evt-{n}")
    events.get_by_role("button", name="Send batch").click()
    batch = events.get_by_role("region", name="Batch result")
    expect(batch.locator("#events-accepted")).to_have_text("4")
    expect(batch.locator("#events-duplicates")).to_have_text("0")
    # The same batch again: every event id is a duplicate and nothing is counted twice.
    events.get_by_role("button", name="Send batch").click()
    expect(batch.locator("#events-duplicates")).to_have_text("4")
    expect(batch.locator("#events-accepted")).to_have_text("0")

    # --- usage: totals, then per day with the chart --------------------------------------------------
    usage = region(page, "Usage")
    usage.get_by_label("Start (UTC)").fill("2025-09-01T00:00")
    usage.get_by_label("End (UTC)").fill("2025-10-01T00:00")
    usage.get_by_role("button", name="Get usage").click()
    totals = usage.get_by_role("table", name="Usage totals")
    expect(totals).to_be_visible()
    assert rows(totals) == [["api_calls", "1250"], ["storage", "2.5"]]  # 400 + 700 + 150; 2.5

    usage.get_by_label("Window").select_option("day")
    usage.get_by_role("button", name="Get usage").click()
    chart = usage.get_by_role("img", name=re.compile(r"^Usage per day"))
    expect(chart).to_be_visible()
    # 3 days x 2 features = 6 bars (storage is 0 on two days); each bar's title has the exact quantity.
    bars = chart.locator("g.chart-data rect")
    expect(bars).to_have_count(6)
    titles = bars.locator("title").all_text_contents()
    assert {
        "api_calls · 09-01: 400",
        "api_calls · 09-02: 700",
        "api_calls · 09-03: 150",
        "storage · 09-02: 2.5",
    } <= set(titles)
    assert [float(bars.nth(i).get_attribute("height") or 0) > 0 for i in range(6)].count(True) == 4
    usage.get_by_text("Per-day data (4 rows)").click()
    assert rows(usage.get_by_role("table", name="Usage per day")) == [  # as the API lists them: by feature
        ["2025-09-01T00:00:00+00:00", "api_calls", "400"],
        ["2025-09-02T00:00:00+00:00", "api_calls", "700"],
        ["2025-09-03T00:00:00+00:00", "api_calls", "150"],
        ["2025-09-02T00:00:00+00:00", "storage", "2.5"],
    ]

    # --- a graduated plan through the prices editor, assigned to the customer --------------------------
    plans = region(page, "Plans")
    plans.get_by_label("Plan name").fill("Graduated API")
    expect(plans.get_by_label("Currency")).to_have_value("USD")
    plans.get_by_label("Minimum amount").fill("10.00")
    plans.get_by_label("Grace period (days)").fill("3")
    price = plans.get_by_role("group", name="Price 1", exact=True)
    price.get_by_label("Feature").fill("api_calls")
    price.get_by_label("Model").select_option("graduated")
    expect(price.get_by_label("Aggregation")).to_have_value("sum")
    fill_tier(price, 1, "100", "0")
    price.get_by_role("button", name="Add tier to price 1").click()
    fill_tier(price, 2, "1000", "0.01")
    price.get_by_role("button", name="Add tier to price 1").click()
    fill_tier(price, 3, "", "0.0035", "2")  # blank "Up to": the open-ended last tier
    plans.get_by_role("button", name="Create plan", exact=True).click()
    expect(plans.get_by_role("status")).to_contain_text("(Graduated API, USD, 1 price)")
    plan_id = plans.locator("#created-plan-id").inner_text()
    plans.get_by_role("button", name="Refresh plans").click()
    plan_row = row_with(plans.get_by_role("region", name="Existing plans").get_by_role("table"), plan_id)
    assert plan_row[:6] == [
        plan_id,
        "Graduated API",
        "USD",
        "10.00",
        "3",
        "api_calls graduated · sum: ≤ 100 at 0; ≤ 1000 at 0.01; above at 0.0035 + 2 flat",
    ]

    expect(plans.get_by_label("Customer ID", exact=True)).to_have_value(customer_id)
    plans.get_by_label("Plan", exact=True).select_option(plan_id)
    plans.get_by_role("button", name="Assign plan").click()
    expect(plans.get_by_role("status")).to_contain_text(f"is now on plan {plan_id} (Graduated API).")
    customers_table = region(page, "Customers").get_by_role("table")
    assert row_with(customers_table, customer_id)[4] == plan_id  # the Plan column of the customers list

    # --- 5.00 of prepaid credit -----------------------------------------------------------------------
    credit_section = region(page, "Credits")
    credit_section.get_by_label("Amount").fill("5.00")
    credit_section.get_by_label("Description (optional)").fill("welcome")
    credit_section.get_by_role("button", name="Grant credit").click()
    expect(credit_section.get_by_role("status")).to_have_text(f"Granted 5.00 USD to {customer_id}. Balance: 5.00 USD.")
    ledger = credit_section.get_by_role("region", name="Credits result")
    expect(ledger.locator("#credits-balance")).to_have_text("5.00")
    assert [r[:4] for r in rows(ledger.get_by_role("table"))] == [["grant", "5.00", "USD", "welcome"]]

    # --- bill September 2025 ------------------------------------------------------------------------
    billing = region(page, "Billing run")
    billing.get_by_label("Period (YYYY-MM)").fill("2025-09")
    expect(billing.get_by_label("Unit price")).to_have_value("0.01")
    billing.get_by_role("button", name="Run billing").click()
    run = billing.get_by_role("region", name="Billing run result")
    expect(run.locator("#billing-invoices-generated")).to_have_text("1")
    expect(run.locator("#billing-result-period")).to_have_text("2025-09")

    # --- the invoice, by hand:
    #   api_calls 1250 on the graduated plan:  100 x 0       =  0
    #                                        + 900 x 0.01    =  9.00
    #                                        + 250 x 0.0035  =  0.875, + 2 flat (a unit fell in tier 3)
    #                                        = 11.875 -> rounded once, half up           11.88
    #   storage 2.5 (not priced by the plan) at the run's unit price 0.01 = 0.025 ->      0.03
    #   subtotal 11.88 + 0.03 = 11.91 (above the 10.00 minimum: no minimum line)
    #   credits applied min(5.00 balance, 11.91) = 5.00;  total 11.91 - 5.00 =            6.91
    invoices = region(page, "Invoices")
    expect(invoices.get_by_label("Customer ID", exact=True)).to_have_value(customer_id)
    invoices.get_by_role("button", name="List invoices").click()
    table = invoices.get_by_role("table", name=f"1 invoice for {customer_id}")
    expect(table).to_be_visible()
    invoice_row = table.locator("tr[data-invoice-id]")
    invoice_id = invoice_row.get_attribute("data-invoice-id")
    assert invoice_id and invoice_id.startswith("inv_")
    cells = [c.strip() for c in invoice_row.locator(":scope > td").all_inner_texts()]
    assert cells[:7] == [invoice_id, "2025-09", "draft", "11.91", "5.00", "6.91", "USD"]
    expect(invoices.get_by_role("button", name=f"Void invoice {invoice_id}")).to_be_disabled()

    invoices.get_by_role("button", name="Line items (3)").click()
    items = invoices.get_by_role("table", name=f"Line items of {invoice_id}")
    expect(items).to_be_visible()
    lines = rows(items)
    assert [line[:5] for line in lines] == [
        ["usage", "api_calls", "1250", "—", "11.88"],
        ["usage", "storage", "2.5", "0.01", "0.03"],
        ["credit", "—", "—", "—", "-5.00"],
    ]
    assert items.get_by_role("list", name="Breakdown").get_by_role("listitem").all_inner_texts() == [
        "Tier 1 (0 – 100]: 100 × 0 = 0",
        "Tier 2 (100 – 1000]: 900 × 0.01 = 9.00",
        "Tier 3 (1000 – ∞): 250 × 0.0035 + 2 flat = 2.8750",
    ]
    assert lines[0][5].startswith("api_calls (graduated): 100 free, 900 at 0.01, 250 at 0.0035 + 2 flat")
    footer = items.locator("tfoot tr").all_inner_texts()
    assert [re.sub(r"\s+", " ", f).strip() for f in footer] == [
        "Subtotal 11.91 USD",
        "Credits applied 5.00 USD",
        "Total 6.91 USD",
    ]

    # --- finalize: frozen, the credit consumed -------------------------------------------------------
    invoices.get_by_role("button", name=f"Finalize invoice {invoice_id}").click()
    expect(invoices.get_by_role("status")).to_have_text(
        f"Invoice {invoice_id} is finalized: subtotal 11.91, credits applied 5.00, total 6.91 USD."
    )
    cells = [c.strip() for c in table.locator("tr[data-invoice-id]").locator(":scope > td").all_inner_texts()]
    assert cells[2:6] == ["finalized", "11.91", "5.00", "6.91"]
    expect(invoices.get_by_role("button", name=f"Finalize invoice {invoice_id}")).to_be_disabled()
    expect(invoices.locator(f"#invoice-items-{invoice_id}")).to_contain_text("Finalized: ")
    # The credits ledger shown above is reloaded: 5.00 - 5.00.
    expect(ledger.locator("#credits-balance")).to_have_text("0.00")
    assert ["consumption", "-5.00", invoice_id] in [r[:2] + r[4:5] for r in rows(ledger.get_by_role("table"))]

    assert_every_control_is_labelled(page)
    if path := os.environ.get(SCREENSHOT_ENV):
        page.screenshot(path=path, full_page=True)

    # --- void: the credit comes back -----------------------------------------------------------------
    invoices.get_by_role("button", name=f"Void invoice {invoice_id}").click()
    expect(invoices.get_by_role("status")).to_contain_text(f"Invoice {invoice_id} is void:")
    expect(table.locator("tr[data-invoice-id] .badge")).to_have_text("void")
    expect(ledger.locator("#credits-balance")).to_have_text("5.00")


def test_api_errors_show_in_the_sections_alert(page: Page, gateway) -> None:
    save_api_key(page, gateway.key)
    create_customer(page, "Twice", "twice@browser.example")

    # A duplicate email (case-insensitive) is the API's 409, shown with its message and field.
    customers = region(page, "Customers")
    customers.get_by_label("Name", exact=True).fill("Twice again")
    customers.get_by_label("Email", exact=True).fill("TWICE@browser.example")
    customers.get_by_role("button", name="Create customer").click()
    alert = customers.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("a customer with email 'TWICE@browser.example' already exists")
    expect(alert).to_contain_text("HTTP 409 · conflict")
    expect(alert).to_contain_text("email:")

    # Tiers that do not ascend: the API's 400 names prices[0].tiers[1].up_to and that input is marked.
    plans = region(page, "Plans")
    plans.get_by_label("Plan name").fill("Broken tiers")
    price = plans.get_by_role("group", name="Price 1", exact=True)
    price.get_by_label("Feature").fill("api_calls")
    price.get_by_label("Model").select_option("volume")
    fill_tier(price, 1, "100", "0.02")
    price.get_by_role("button", name="Add tier to price 1").click()
    fill_tier(price, 2, "50", "0.01")
    price.get_by_role("button", name="Add tier to price 1").click()
    fill_tier(price, 3, "", "0.005")
    plans.get_by_role("button", name="Create plan", exact=True).click()
    plans_alert = plans.get_by_role("alert")
    expect(plans_alert).to_contain_text("prices[0].tiers[1].up_to must be greater than 100")
    expect(plans_alert).to_contain_text("HTTP 400 · validation_error")
    second_tier = price.get_by_role("group", name="Tier 2", exact=True)
    expect(second_tier.get_by_label("Up to")).to_have_attribute("aria-invalid", "true")
    expect(customers.get_by_role("alert")).to_be_visible()  # each section keeps its own alert

    # A client-side check never reaches the API: a per_unit price needs a decimal unit amount.
    price.get_by_label("Model").select_option("per_unit")
    price.get_by_label("Unit amount").fill("ten")
    plans.get_by_role("button", name="Create plan", exact=True).click()
    expect(plans_alert).to_have_text("Price 1: Unit amount must be a decimal number like 0.01.")
    expect(price.get_by_label("Unit amount")).to_be_focused()


def test_the_prices_editor_shows_each_models_fields_and_raw_json_is_sent_as_typed(page: Page, gateway) -> None:
    save_api_key(page, gateway.key)
    plans = region(page, "Plans")
    plans.get_by_label("Plan name").fill("Editor models")
    first = plans.get_by_role("group", name="Price 1", exact=True)
    first.get_by_label("Feature").fill("sms")
    first.get_by_label("Model").select_option("package")
    expect(first.get_by_label("Unit amount")).to_have_count(0)  # only the chosen model's fields are on the page
    first.get_by_label("Package size").fill("100")
    first.get_by_label("Package amount").fill("1.50")

    plans.get_by_role("button", name="Add price").click()
    second = plans.get_by_role("group", name="Price 2", exact=True)
    second.get_by_label("Feature").fill("active_users")
    expect(second.get_by_label("Property (for unique_count)")).to_have_count(0)
    second.get_by_label("Aggregation").select_option("unique_count")
    second.get_by_label("Property (for unique_count)").fill("user_id")
    second.get_by_label("Unit amount").fill("3")

    assert_every_control_is_labelled(page)
    plans.get_by_role("button", name="Copy form to JSON").click()
    raw = plans.get_by_label("Raw plan JSON")
    assert json.loads(raw.input_value()) == {
        "name": "Editor models",
        "currency": "USD",
        "grace_period_days": 0,
        "prices": [
            {
                "feature": "sms",
                "model": "package",
                "aggregation": "sum",
                "package_size": "100",
                "package_amount": "1.50",
            },
            {
                "feature": "active_users",
                "model": "per_unit",
                "aggregation": "unique_count",
                "property": "user_id",
                "unit_amount": "3",
            },
        ],
    }

    # A JSON number with more digits than a double holds reaches the API untouched (never a JS number).
    plans.get_by_role("button", name="Remove price 2").click()
    expect(second).to_have_count(0)
    raw.fill(
        '{"name": "Raw precise", "prices": [{"feature": "api_calls", "model": "per_unit",'
        ' "unit_amount": 0.00123456789012345678901}]}'
    )
    plans.get_by_role("button", name="Create from JSON").click()
    expect(plans.get_by_role("status")).to_contain_text("(Raw precise, USD, 1 price)")
    plan_id = plans.locator("#created-plan-id").inner_text()
    listed = row_with(plans.get_by_role("region", name="Existing plans").get_by_role("table"), plan_id)
    assert listed[5] == "api_calls per_unit · sum: 0.00123456789012345678901 per unit"
    expect(plans.get_by_label("Plan", exact=True)).to_have_value(plan_id)  # ready to be assigned
