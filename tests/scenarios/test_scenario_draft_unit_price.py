"""A draft remembers the unit price it was rated with (SPEC R2): a run without `unit_price` keeps it, a run with
one changes it; usage no price rates is listed at 0.00 and the run reports it."""

from decimal import Decimal

from billing.domain.time import BillingPeriod

D = Decimal

PER_CALL = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.10"}


def run(billing, period: str, unit_price: str | None = None):
    price = None if unit_price is None else D(unit_price)
    return billing.services.runs.start(BillingPeriod.parse(period), unit_price=price)


def test_a_run_without_a_unit_price_keeps_the_drafts(billing):
    customer = billing.customer()
    billing.usage(customer, "storage", "1.5", "2025-09-15T12:00:00Z")
    billing.run("2025-09", unit_price="0.01")
    priced = billing.invoice(customer, "2025-09")

    billing.run("2025-09")

    kept = billing.invoice(customer, "2025-09")
    assert kept == priced  # not even saved again
    assert (kept.unit_price, billing.usage_amounts(kept)) == (D("0.01"), {"storage": D("0.02")})


def test_a_run_without_a_unit_price_re_rates_new_usage_at_the_drafts(billing):
    customer = billing.customer()
    billing.usage(customer, "storage", "1.5", "2025-09-15T12:00:00Z")
    billing.run("2025-09", unit_price="0.01")
    billing.usage(customer, "storage", "100", "2025-09-16T12:00:00Z")

    billing.run("2025-09")

    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {"storage": D("1.02")}  # 101.5 × 0.01


def test_a_run_with_a_unit_price_re_prices_the_draft(billing):
    customer = billing.customer()
    billing.usage(customer, "storage", "1.5", "2025-09-15T12:00:00Z")
    billing.run("2025-09", unit_price="0.01")

    billing.run("2025-09", unit_price="0.02")
    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert (invoice.unit_price, billing.usage_amounts(invoice)) == (D("0.02"), {"storage": D("0.03")})


def test_finalization_rates_with_the_drafts_unit_price_after_a_run_without_one(billing):
    customer = billing.customer()
    billing.usage(customer, "storage", "1.5", "2025-09-15T12:00:00Z")
    billing.run("2025-09", unit_price="0.01")
    billing.run("2025-09")

    assert billing.finalize(customer, "2025-09").total == D("0.02")


def test_without_any_unit_price_unpriced_usage_is_listed_at_zero_and_the_run_reports_it(billing):
    plan = billing.plan(PER_CALL)
    unpriced = billing.customer()
    billing.usage(unpriced, "storage", "1.5", "2025-09-15T12:00:00Z")
    billing.usage(unpriced, "sms", "3", "2025-09-15T12:00:00Z")
    partly = billing.customer(plan)
    billing.usage(partly, "api_calls", 10, "2025-09-15T12:00:00Z")
    billing.usage(partly, "storage", 2, "2025-09-15T12:00:00Z")  # the plan does not price storage
    priced = billing.customer(plan)
    billing.usage(priced, "api_calls", 10, "2025-09-15T12:00:00Z")

    started = run(billing, "2025-09")

    lines = [(line.description, line.amount) for line in billing.invoice(unpriced, "2025-09").line_items]
    assert lines == [("sms: 3 units (no price set)", D("0")), ("storage: 1.5 units (no price set)", D("0"))]
    reported = {(u.customer_id, u.invoice_id, u.features) for u in started.unpriced}
    assert reported == {
        (unpriced.id, billing.invoice(unpriced, "2025-09").id, ("sms", "storage")),
        (partly.id, billing.invoice(partly, "2025-09").id, ("storage",)),
    }
    status = billing.services.runs.status(started.run_id, limit=1)
    assert status.run.customers_with_unpriced_usage == 2
    assert len(status.unpriced) == 1 and status.unpriced_cursor is not None
    listed = list(status.unpriced)
    while status.unpriced_cursor is not None:  # a page at a time, as the failures
        status = billing.services.runs.status(started.run_id, limit=1, unpriced_cursor=status.unpriced_cursor)
        listed += status.unpriced
    assert set(listed) == set(started.unpriced)


def test_a_run_reports_unpriced_usage_on_a_draft_it_did_not_change(billing):
    customer = billing.customer()
    billing.usage(customer, "storage", "1.5", "2025-09-15T12:00:00Z")
    run(billing, "2025-09")

    again = run(billing, "2025-09")

    assert [u.features for u in again.unpriced] == [("storage",)]
    assert billing.services.runs.status(again.run_id).run.customers_with_unpriced_usage == 1


def test_a_priced_draft_is_not_reported(billing):
    customer = billing.customer()
    billing.usage(customer, "storage", "1.5", "2025-09-15T12:00:00Z")
    run(billing, "2025-09", "0.01")

    again = run(billing, "2025-09")  # keeps 0.01

    assert again.unpriced == ()
    status = billing.services.runs.status(again.run_id)
    assert (status.run.customers_with_unpriced_usage, status.unpriced) == (0, ())
