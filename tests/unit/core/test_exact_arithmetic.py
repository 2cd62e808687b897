"""Sums and amounts stay exact past the default Decimal context's 28 digits, and nothing rounds silently."""

from datetime import UTC, datetime
from decimal import Decimal, Inexact

import pytest
from billing.domain.errors import InvalidInput
from billing.domain.exact import (
    MAX_QUANTITY,
    MAX_SUM,
    QUANTITY_PLACES,
    at_most_places,
    bounded,
    exact_add,
    exact_arithmetic,
    exact_sum,
)
from billing.domain.invoices import Invoice, LineItem, LineType
from billing.domain.money import round_money
from billing.domain.time import BillingPeriod
from billing.domain.usage import UsageAggregate
from billing.services import NewEvent

BIG = Decimal(10) ** 28
SEPTEMBER = (datetime(2025, 9, 1, tzinfo=UTC), datetime(2025, 10, 1, tzinfo=UTC))


def test_the_default_context_rounds_past_28_digits_and_ours_does_not():
    assert BIG + 1 == BIG  # the bug of issue 8
    assert exact_add(BIG, Decimal(1)) == Decimal("10000000000000000000000000001")
    assert exact_sum([BIG, Decimal(1), Decimal("0.000000001")]) == Decimal("10000000000000000000000000001.000000001")
    with exact_arithmetic():
        assert BIG + 1 - BIG == 1


def test_a_result_that_would_need_rounding_raises_instead():
    with exact_arithmetic(), pytest.raises(Inexact):
        _ = Decimal(10) ** 200 + 1


def test_rollup_aggregates_add_and_merge_exactly():
    aggregate = UsageAggregate.of(BIG, 1)
    aggregate.add(Decimal(1), 2)
    other = UsageAggregate.of(Decimal("0.000000001"), 3)
    aggregate.merge(other)
    assert aggregate.sum == Decimal("10000000000000000000000000001.000000001")
    assert (aggregate.count, aggregate.latest_quantity) == (3, Decimal("0.000000001"))


def test_the_largest_rollup_sum_fits_dynamodbs_38_digits():
    smallest_step = Decimal(1).scaleb(-QUANTITY_PLACES)
    largest_event = MAX_QUANTITY - smallest_step
    with exact_arithmetic():
        total = largest_event * 10**14  # 10^14 events of the largest quantity
        largest_sum = MAX_SUM - smallest_step  # 29 integer digits and 9 fractional ones
    assert total < MAX_SUM
    assert len(largest_sum.as_tuple().digits) == 38


def test_stored_rollups_and_billing_keep_every_digit(services):
    # Past the API's bounds on purpose: the storage adapter's own sums (SQL dec_add) must not round either.
    customer = services.customers.create(name="Big", email="big@acme.example", timezone_name="UTC")
    for index, quantity in enumerate(("1e28", "1", "0.000000001")):
        ts = datetime(2025, 9, 3, 10, tzinfo=UTC)
        services.ingest.ingest(customer.id, [NewEvent("bytes", Decimal(quantity), ts, f"e{index}")])

    [usage] = services.usage.totals(customer.id, *SEPTEMBER)
    assert usage.quantity == Decimal("10000000000000000000000000001.000000001")
    services.runs.start(BillingPeriod(2025, 9), unit_price=Decimal(1))
    [invoice] = services.invoices.for_customer(customer.id)
    assert invoice.total == Decimal("10000000000000000000000000001.00")


def test_money_rounding_is_the_one_deliberate_rounding_and_works_for_any_bounded_amount():
    amount = Decimal("99999999999999999999999999999.999999999") * Decimal("99999999999999999.999999999999")
    assert round_money(amount, "USD").as_tuple().exponent == -2
    assert round_money(Decimal("0.005"), "USD") == Decimal("0.01")


def test_invoice_totals_are_exact_sums():
    now = datetime(2025, 10, 1, tzinfo=UTC)
    lines = (
        LineItem(LineType.USAGE, exact_add(BIG, Decimal(1)), "usage"),
        LineItem(LineType.CREDIT, Decimal("-1.00"), "credit"),
    )
    invoice = Invoice("inv", "cus", "2025-09", now, now, "USD", now, now, line_items=lines)
    assert invoice.subtotal == Decimal("10000000000000000000000000001")
    assert invoice.credits_applied == Decimal("1.00")
    assert invoice.total == BIG


@pytest.mark.parametrize(
    ("value", "message"),
    [("1e15", r"less than 1E\+15"), ("-1", "at least 0"), ("0.0000000001", "at most 9 decimal places")],
)
def test_bounded_refuses_naming_the_field(value, message):
    with pytest.raises(InvalidInput, match=message) as error:
        bounded(Decimal(value), field="quantity", below=MAX_QUANTITY, places=QUANTITY_PLACES)
    assert error.value.field == "quantity"


def test_trailing_zeros_past_the_allowed_places_are_dropped_exactly():
    value = at_most_places(Decimal("1.5000000000000"), places=9)
    assert value == Decimal("1.5") and value.as_tuple().exponent == -9
    assert at_most_places(Decimal("1E+3"), places=9) == Decimal(1000)
