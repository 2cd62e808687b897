"""The seed's flow keeps working: customers without a plan are billed per unit at the run's unit price."""

from decimal import Decimal

D = Decimal


def test_a_customer_without_a_plan_is_billed_per_unit_in_usd_at_the_runs_unit_price(billing):
    customer = billing.customer()
    billing.usage(customer, "api_calls", "1234.5", "2025-09-15T12:00:00Z")
    billing.usage(customer, "storage_gb", 3, "2025-09-15T12:00:00Z")

    billing.run("2025-09", unit_price="0.015")

    invoice = billing.invoice(customer, "2025-09")
    assert invoice.currency == "USD"
    assert billing.usage_amounts(invoice) == {"api_calls": D("18.52"), "storage_gb": D("0.05")}
    assert (invoice.subtotal, invoice.credits_applied, invoice.total) == (D("18.57"), D("0"), D("18.57"))


def test_without_a_unit_price_unpriced_usage_is_listed_at_zero(billing):
    customer = billing.customer()
    billing.usage(customer, "api_calls", 10, "2025-09-15T12:00:00Z")

    billing.run("2025-09")

    (line,) = billing.invoice(customer, "2025-09").line_items
    assert (line.quantity, line.amount) == (D(10), D(0))
