"""Lines round to the plan currency's minor unit: JPY has none, KWD has three (ISO 4217)."""

from decimal import Decimal

import pytest
from billing.domain.errors import InvalidInput

D = Decimal
SEPTEMBER = "2025-09-15T12:00:00Z"


def test_a_zero_decimal_currency_rounds_lines_to_whole_yen_half_up(billing):
    plan = billing.plan(
        {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.5"},
        {"feature": "sms", "model": "package", "package_size": "100", "package_amount": "150"},
        currency="JPY",
        minimum="1000",
    )
    customer = billing.customer(plan)
    billing.usage(customer, "api_calls", 3, SEPTEMBER)  # 1.5 yen → 2
    billing.usage(customer, "sms", 101, SEPTEMBER)  # 2 packages → 300

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert invoice.currency == "JPY"
    assert billing.lines(invoice) == [("usage", D("2")), ("usage", D("300")), ("minimum", D("698"))]
    assert invoice.total == D("1000")


def test_a_three_decimal_currency_rounds_lines_to_the_fils_half_up(billing):
    plan = billing.plan(
        {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.0005"},
        {"feature": "storage_gb", "model": "per_unit", "unit_amount": "0.0125"},
        currency="KWD",
        minimum="1.250",
    )
    customer = billing.customer(plan)
    billing.usage(customer, "api_calls", 1, SEPTEMBER)  # 0.0005 → 0.001 (half-even would give 0.000)
    billing.usage(customer, "storage_gb", 3, SEPTEMBER)  # 0.0375 → 0.038

    billing.run("2025-09")

    invoice = billing.invoice(customer, "2025-09")
    assert billing.lines(invoice) == [("usage", D("0.001")), ("usage", D("0.038")), ("minimum", D("1.211"))]
    assert invoice.total == D("1.250")


def test_credit_is_granted_and_applied_in_the_customers_plan_currency(billing):
    customer = billing.customer(
        billing.plan({"feature": "api_calls", "model": "per_unit", "unit_amount": "7"}, currency="JPY")
    )
    billing.credit(customer, "500")
    billing.usage(customer, "api_calls", 100, SEPTEMBER)  # 700 yen

    billing.run("2025-09")
    invoice = billing.finalize(customer, "2025-09")

    assert billing.lines(invoice) == [("usage", D("700")), ("credit", D("-500"))]
    assert invoice.total == D("200")
    assert billing.services.credits.ledger(customer.id).currency == "JPY"


def test_amounts_finer_than_the_currencys_minor_unit_are_refused(billing):
    yen_customer = billing.customer(
        billing.plan({"feature": "api_calls", "model": "per_unit", "unit_amount": "1"}, currency="JPY")
    )

    with pytest.raises(InvalidInput) as credit:
        billing.credit(yen_customer, "10.5")
    with pytest.raises(InvalidInput) as minimum:
        billing.plan(currency="USD", minimum="25.001")

    assert (credit.value.field, minimum.value.field) == ("amount", "minimum_amount")
