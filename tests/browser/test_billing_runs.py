"""The Billing view: a run started from the form shows its progress (GET /v1/billing-runs/{id}) and names each
customer it could not bill with the reason, also at the run's own address after a reload."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT, Dash, Gateway
from tests.browser.test_views import AXE_SERIOUS, SIDEWAYS
from tests.browser.test_workflows import nav

pytestmark = pytest.mark.browser

PERIOD = "2024-03"  # a month no other browser test bills: the run's invoices are this test's alone


def poison(gateway: Gateway, customer_id: str) -> None:
    """A rollup as a database written before input bounds existed could hold: a sum no invoice can carry
    (as tests/scenarios/test_scenario_failure_isolation.py does), written into the gateway's own file."""
    with closing(sqlite3.connect(gateway.data / "billing.db", timeout=10)) as db, db:
        db.execute(
            "INSERT INTO usage_period (period, customer_id, feature, sum, count, max, latest_ts, latest_quantity)"
            " VALUES (?, ?, 'api_calls', '1e999999', 1, '1e999999', 1710504000000000, '1e999999')",
            (PERIOD, customer_id),
        )


@pytest.fixture(scope="module")
def customers(gateway: Gateway) -> dict[str, str]:
    fine = gateway.call("POST", "/v1/customers", {"name": "Runs Fine GmbH", "email": "fine@runs.example"})
    broken = gateway.call("POST", "/v1/customers", {"name": "Runs Broken Ltd", "email": "broken@runs.example"})
    event = {"id": "runs-1", "feature": "api_calls", "quantity": 300, "ts": f"{PERIOD}-15T12:00:00Z"}
    gateway.call("POST", "/v1/events/batch", {"customer_id": fine["id"], "events": [event]})
    poison(gateway, broken["id"])
    return {"fine": fine["id"], "broken": broken["id"]}


def test_a_run_shows_its_progress_and_the_customers_it_could_not_bill(dash: Dash, customers: dict[str, str]) -> None:
    page = dash.page
    dash.use_key()
    nav(page, "Billing")
    page.get_by_label("Period (YYYY-MM)").fill(PERIOD)
    page.get_by_label("Unit price for usage without a plan price").fill("0.01")
    page.get_by_role("button", name="Run billing").click()

    result = page.get_by_role("region", name="Billing run for March 2024")
    expect(result.locator("#billing-summary")).to_have_text(re.compile(r"^1 draft invoice created or recomputed"))
    expect(result.get_by_role("heading", name="Run of March 2024: done")).to_be_visible()
    expect(result.get_by_role("progressbar", name="Customers done")).to_be_visible()
    expect(result.locator(".fact", has_text="Could not bill")).to_contain_text("1")
    failures = result.get_by_role("table", name="Customers it could not bill").locator("tbody tr")
    expect(failures).to_have_count(1)
    expect(failures.first).to_contain_text(f"Runs Broken Ltd ({customers['broken']})")
    reason = failures.first.locator(".failure-reason")
    expect(reason).to_contain_text("api_calls")
    expect(reason).not_to_contain_text("decimal.")  # in a billing operator's words, not a Python traceback's
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{dash.width}-billing-run.png"), full_page=True)
    assert page.evaluate(SIDEWAYS) <= 0
    assert page.evaluate(AXE_SERIOUS) == []

    # The run has an address of its own: a reload there shows the same report.
    result.get_by_role("link", name=re.compile(r"^run_")).click()
    page.reload()
    page.wait_for_selector("html[data-ready='true']", state="attached")
    run = page.get_by_role("region", name=re.compile(r"^Billing run run_"))
    expect(run.get_by_role("heading", name="Run of March 2024: done")).to_be_visible()
    expect(run.get_by_role("table", name="Customers it could not bill")).to_contain_text("Runs Broken Ltd")
    run.get_by_role("link", name=re.compile("^Runs Broken Ltd")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Runs Broken Ltd")


UNPRICED_PERIOD = "2024-04"  # a month no other browser test bills


@pytest.fixture(scope="module")
def unpriced_customer(gateway: Gateway) -> str:
    customer = gateway.call("POST", "/v1/customers", {"name": "Runs Unpriced Oy", "email": "unpriced@runs.example"})
    event = {"id": "unpriced-1", "feature": "storage", "quantity": "1.5", "ts": f"{UNPRICED_PERIOD}-15T12:00:00Z"}
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": [event]})
    return customer["id"]


def test_a_run_sends_no_unit_price_unless_typed_and_warns_of_usage_with_no_price(
    dash: Dash, unpriced_customer: str
) -> None:
    page = dash.page
    dash.use_key()
    nav(page, "Billing")
    unit_price = page.get_by_label("Unit price for usage without a plan price")
    expect(unit_price).to_have_value("")  # no default: a run would re-price every draft with it
    expect(unit_price).to_have_attribute("placeholder", "keep each draft's")
    expect(page.locator("#billing-unit-price-hint")).to_contain_text("each draft keeps the unit price")
    page.get_by_label("Period (YYYY-MM)").fill(UNPRICED_PERIOD)
    with page.expect_request(lambda request: "/v1/invoices/run" in request.url) as sent:
        page.get_by_role("button", name="Run billing").click()
    assert "unit_price" not in sent.value.url and f"period={UNPRICED_PERIOD}" in sent.value.url

    result = page.get_by_role("region", name="Billing run for April 2024")
    expect(result.get_by_role("heading", name="Run of April 2024: done")).to_be_visible()
    expect(result.locator("#billing-unpriced-warning")).to_have_text("1 customer has usage with no price: storage")
    rows = result.get_by_role("table", name="Customers billed with usage no price rates").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Runs Unpriced Oy ({unpriced_customer})")
    expect(rows.first.locator(".unpriced-features")).to_have_text("storage")
    assert page.evaluate(SIDEWAYS) <= 0
    assert page.evaluate(AXE_SERIOUS) == []

    rows.first.get_by_role("link", name=re.compile("^inv_")).click()
    expect(page.get_by_role("article")).to_contain_text("storage: 1.5 units (no price set)")
