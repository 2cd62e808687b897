"""Names the dashboard did not choose: the longest the API takes, unbroken, must not widen any view past the
screen (1280 and 390 px), and right-to-left overrides stored before the API refused them must not reorder
what the dashboard shows around them or inside them.

Its own gateway: these names would otherwise show up in every other browser test's lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from billing.adapters.sqlite import SqliteStorage
from billing.bootstrap import build_services
from billing.pricing import plan_from_spec
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ADMIN_KEY, WIDTHS, Dash, Gateway, open_dashboard
from tests.browser.test_views import SIDEWAYS, previous_period
from tests.conftest import running_gateway

pytestmark = pytest.mark.browser

RLO, PDF, PDI = "\u202e", "\u202c", "\u2069"
LONG_FEATURES = ["usage." + "a" * 122, "storage." + "b" * 120]  # 128 characters each, the longest events carry
LONG_PLAN = "Plan" + "P" * 196  # 200 unbroken characters, the longest name the API takes
LONG_CUSTOMER = "Customer" + "C" * 192
LONG_EMAIL = "a" * 64 + "@" + "b" * 181 + ".example"  # 254 characters
# Stored before the API refused bidi controls: shown as "Acmeexe.png" (and everything after it reversed) when
# the override is honoured. One also carries a stray PDI, which would close an isolate the page opened.
SPOOFED_CUSTOMER = f"Acme{RLO}gnp.exe"
SPOOFED_PLAN = f"Gold{PDI}{RLO}dlrow"
SPOOFED_FEATURE = f"calls{RLO}dab"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory, dashboard_build) -> Iterator[Gateway]:
    data = tmp_path_factory.mktemp("hostile-names")
    with running_gateway(data, dashboard_build, ADMIN_KEY) as url:
        yield Gateway(url, data)


@pytest.fixture(scope="module")
def hostile(gateway: Gateway) -> dict[str, str]:
    """The longest names through the API, billed last month; the spoofing names written to storage directly,
    as rows stored before the API refused them."""
    now = datetime.now(UTC)
    last = previous_period(now)
    prices = [{"feature": feature, "model": "per_unit", "unit_amount": "0.01"} for feature in LONG_FEATURES]
    plan = gateway.call("POST", "/v1/plans", {"name": LONG_PLAN, "currency": "EUR", "prices": prices})
    customer = gateway.call("POST", "/v1/customers", {"name": LONG_CUSTOMER, "email": LONG_EMAIL})
    gateway.call("PUT", f"/v1/customers/{customer['id']}/plan", {"plan_id": plan["id"]})
    events = [
        {"id": f"long-{i}-{month}", "feature": feature, "quantity": 7, "ts": f"{month}-02T10:00:00Z"}
        for i, feature in enumerate(LONG_FEATURES)
        for month in (last, now.strftime("%Y-%m"))
    ]
    gateway.call("POST", "/v1/events/batch", {"customer_id": customer["id"], "events": events})

    storage = SqliteStorage(gateway.data / "billing.db")
    try:
        services = build_services(storage)
        spoofed_plan = plan_from_spec(
            plan_id="plan_spoofed",
            name=SPOOFED_PLAN,
            currency="USD",
            prices=[{"feature": SPOOFED_FEATURE, "model": "per_unit", "unit_amount": "0.01"}],
            created_at=now,
        )
        storage.plans.add(spoofed_plan)
        spoofed = services.customers.create(name=SPOOFED_CUSTOMER, email="acme@spoof.example", plan_id="plan_spoofed")
    finally:
        storage.close()
    # Usage its plan does not price: the billing run names the customer and the feature in its warning.
    unpriced = {"id": "spoof-1", "feature": "api_calls", "quantity": 3, "ts": f"{last}-02T10:00:00Z"}
    gateway.call("POST", "/v1/events/batch", {"customer_id": spoofed.id, "events": [unpriced]})
    run = gateway.call("POST", f"/v1/invoices/run?period={last}")
    invoice = next(i for i in gateway.call("GET", f"/v1/customers/{customer['id']}/invoices") if i["period"] == last)
    spoofed_invoice = gateway.call("GET", f"/v1/customers/{spoofed.id}/invoices")[0]
    return {
        "run": run["billing_run_id"],
        "spoofed_invoice": spoofed_invoice["id"],
        "plan": plan["id"],
        "customer": customer["id"],
        "invoice": invoice["id"],
        "spoofed_customer": spoofed.id,
        "spoofed_plan": "plan_spoofed",
    }


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def dash(request: pytest.FixtureRequest, browser: Browser, gateway: Gateway) -> Iterator[Dash]:
    d, context = open_dashboard(browser, gateway, WIDTHS[request.param])
    try:
        d.use_key()
        yield d
    finally:
        context.close()
    assert not d.console.errors, f"console errors: {d.console.errors}; API error bodies: {d.console.bodies}"


def test_the_longest_names_never_widen_a_view(dash: Dash, hostile: dict[str, str]) -> None:
    views = {
        "plan": f"#/plans/{hostile['plan']}",
        "customer": f"#/customers/{hostile['customer']}",
        "invoice": f"#/invoices/{hostile['invoice']}",
        "plans": "#/plans",
        "customers": "#/customers",
        "invoices": "#/invoices",
        "overview": "#/",
        "billing": f"#/billing?run={hostile['run']}",
        "events": "#/events",
    }
    too_wide = {}
    for name, address in views.items():
        dash.go(address)
        if name in ("plan", "customer", "invoice"):
            expect(dash.page.get_by_text(LONG_FEATURES[0]).first).to_be_attached()
        overflow = dash.page.evaluate(SIDEWAYS)
        if overflow > 0:
            too_wide[name] = overflow
    assert too_wide == {}, f"scrolls sideways at {dash.width} px by: {too_wide}"


# Every character of the element's text, in document order, must be drawn left of the next one on its line:
# an override honoured anywhere in it draws part of it right to left.
OUT_OF_ORDER = """(element) => {
  const problems = [];
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let previous = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) {
      if (/[\\s\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]/.test(node.data[i])) continue;
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width === 0) continue;
      const here = { ch: node.data[i], left: box.left, top: Math.round(box.top) };
      if (previous && previous.top === here.top && here.left < previous.left)
        problems.push(`${previous.ch}${here.ch}`);
      previous = here;
    }
  }
  return problems;
}"""


def test_bidi_overrides_in_names_reorder_nothing(dash: Dash, hostile: dict[str, str]) -> None:
    places = [
        (f"#/customers/{hostile['spoofed_customer']}", "h1"),  # the customer's name
        (f"#/customers/{hostile['spoofed_customer']}", "#customer-plan"),  # "<plan> (<id>)"
        (f"#/plans/{hostile['spoofed_plan']}", "h1"),
        (f"#/plans/{hostile['spoofed_plan']}", "#plan-price-list li"),  # the price in words, feature inside
        ("#/plans", "#plans-table tbody tr:has-text('Gold')"),
        ("#/customers", "#customers-table tbody tr:has-text('Acme')"),
        (f"#/invoices/{hostile['spoofed_invoice']}", ".page-header .subtitle"),  # "<customer> · All invoices"
        (f"#/invoices/{hostile['spoofed_invoice']}", "section[aria-labelledby='bill-to'] p"),
        (f"#/invoices/{hostile['spoofed_invoice']}", ".invoice-doc p.muted:has-text('Amounts in')"),  # its plan
        ("#/invoices", "#invoices-table tbody tr:has-text('Acme')"),
        (f"#/billing?run={hostile['run']}", "#billing-unpriced tbody tr:has-text('Acme')"),  # "<customer> (<id>)"
        ("#/", "#overview-biggest-table tbody tr:has-text('Acme')"),
    ]
    problems = {}
    for address, selector in places:
        dash.go(address)
        element = dash.page.locator(selector).first
        expect(element).to_be_visible()
        out_of_order = element.evaluate(OUT_OF_ORDER)
        if RLO in element.inner_text():  # shown without the control: nothing reverses the name itself
            out_of_order.append("U+202E shown")
        if out_of_order:
            problems[f"{address} {selector}"] = out_of_order
    assert problems == {}, f"drawn out of order at {dash.width} px: {problems}"
