"""The invoice as a document in headless Chromium, on a gateway deployed with an issuer and a number prefix:
a finalized invoice shows its number, issue and due dates and the issuer; voided, it says VOID and shows no
amount due (on screen and printed); reissued from its page, the draft replacing it names it, and it names
its replacement."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import ADMIN_KEY, OUTPUT, Dash, Gateway
from tests.browser.test_views import AXE_SERIOUS
from tests.browser.test_workflows import previous_period
from tests.conftest import running_gateway

pytestmark = pytest.mark.browser

DEPLOYMENT = {
    "INVOICE_NUMBER_PREFIX": "ACME",
    "INVOICE_NET_DAYS": "14",
    "ISSUER_NAME": "Acme Billing Ltd",
    "ISSUER_ADDRESS": "1 Main Street\nSpringfield",
    "ISSUER_TAX_ID": "GB123456789",
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, dashboard_build: Path) -> Iterator[Gateway]:
    """This module's own gateway: the deployment settings are the process's environment."""
    data = tmp_path_factory.mktemp("browser-documents")
    with running_gateway(data, dashboard_build, ADMIN_KEY, env=DEPLOYMENT) as url:
        yield Gateway(url, data)


def finalized_invoice(gateway: Gateway) -> tuple[dict, dict]:
    """A Paris customer on a net-30 plan with last month billed (10.00) and finalized: (customer, invoice)."""
    price = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.01"}
    plan = gateway.call("POST", "/v1/plans", {"name": "Net 30", "prices": [price], "net_days": 30})
    customer = gateway.call(
        "POST",
        "/v1/customers",
        {"name": "Paris Docs", "email": "docs@paris.example", "timezone": "Europe/Paris", "plan_id": plan["id"]},
    )
    period = previous_period()
    event = {"id": "d-1", "feature": "api_calls", "quantity": 1000, "ts": f"{period}-15T12:00:00Z"}
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": [event]})
    gateway.call("POST", f"/v1/invoices/run?period={period}")
    (draft,) = gateway.call("GET", f"/v1/customers/{customer['id']}/invoices")
    return customer, gateway.call("POST", f"/v1/invoices/{draft['id']}/finalize")


def document_text(page: Page) -> str:
    return page.get_by_role("article").inner_text()


def printed_text(page: Page, name: str) -> str:
    OUTPUT.mkdir(exist_ok=True)
    pdf = page.pdf(format="A4", print_background=True)
    (OUTPUT / name).write_bytes(pdf)
    return "\n".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)


def test_a_void_invoice_says_void_shows_nothing_due_and_is_reissued_from_its_page(desktop: Dash) -> None:
    page = desktop.page
    desktop.use_key()
    customer, invoice = finalized_invoice(desktop.gateway)
    number = invoice["number"]
    issued = datetime.fromisoformat(invoice["finalized_at"]).astimezone(ZoneInfo("Europe/Paris")).date()
    assert re.fullmatch(r"ACME-\d{6}", number) and issued >= datetime.now(UTC).date() - timedelta(days=1)

    # The finalized document: its number, dates, the issuer, the total due
    desktop.go(f"#/invoices/{invoice['id']}")
    doc = page.get_by_role("article")
    expect(doc.get_by_role("heading", level=2)).to_have_text(f"Invoice {number}")
    facts = doc.locator("#invoice-facts")
    expect(facts).to_contain_text(f"Number{number}")
    expect(facts).to_contain_text(f"Issue date{issued.isoformat()}")
    expect(facts).to_contain_text(f"Due date{(issued + timedelta(days=30)).isoformat()}")
    issuer = doc.get_by_role("region", name="From")
    expect(issuer).to_contain_text("Acme Billing Ltd")
    expect(issuer).to_contain_text("Tax id GB123456789")
    expect(doc.locator("#invoice-total")).to_have_text("10.00 USD")
    expect(doc.locator("#invoice-stamp")).to_have_count(0)

    # Voided from its page: VOID, and no amount due anywhere on it, printed or not
    page.get_by_role("button", name="Void…").click()
    page.get_by_role("dialog").get_by_role("button", name="Void invoice").click()
    expect(doc.locator("#invoice-stamp")).to_have_text("VOID")
    expect(doc.get_by_role("heading", level=2)).to_have_text(f"Void invoice {number}")
    expect(doc).to_contain_text("Nothing is due: this invoice is void.")
    expect(doc.locator("#invoice-total")).to_have_count(0)
    assert "Total due" not in document_text(page) and "Due date" not in document_text(page)
    printed = printed_text(page, "void-invoice.pdf")
    assert re.search(r"V\s*O\s*I\s*D", printed) and number in printed and "Acme Billing Ltd" in printed  # letter-spaced
    assert "Total due" not in printed and "Reissue" not in printed  # the document only, without the toolbar
    assert page.evaluate(AXE_SERIOUS) == []

    # Reissued: the new draft says DRAFT, has no number yet, and names the invoice it replaces
    page.get_by_role("button", name="Reissue…").click()
    expect(page.get_by_role("dialog")).to_contain_text("stays void")
    page.get_by_role("dialog").get_by_role("button", name="Reissue invoice").click()
    expect(doc.get_by_role("heading", level=2)).to_have_text(re.compile(r"^Draft invoice inv_"))
    assert page.url.rsplit("/", 1)[-1] != invoice["id"]
    expect(doc.locator("#invoice-stamp")).to_have_text("DRAFT")
    expect(doc.locator("#invoice-lineage")).to_have_text(
        f"Reissue 1 of {invoice['period']}: replaces invoice {number} (void)."
    )
    expect(doc.locator("#invoice-facts")).not_to_contain_text("Number")
    expect(doc).to_contain_text("Not due yet")
    reissue_id = page.url.rsplit("/", 1)[-1]

    # The void invoice now names its replacement; the customer's list holds both, newest issue first
    doc.locator("#invoice-lineage").get_by_role("link", name=number).click()
    expect(doc.locator("#invoice-lineage")).to_contain_text("Replaced by")
    expect(doc.locator("#invoice-lineage").get_by_role("link")).to_have_attribute("href", f"#/invoices/{reissue_id}")
    desktop.go(f"#/customers/{customer['id']}")
    rows = page.locator("#customer-invoices tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"{invoice['period']} invoice, reissue 1")
    expect(rows.nth(1)).to_contain_text(number)
    assert date.fromisoformat(invoice["due_date"]) == issued + timedelta(days=30)
