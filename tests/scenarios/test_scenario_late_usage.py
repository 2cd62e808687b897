"""Late usage: events for a period whose invoice is finalized are accepted and billed on the customer's
next draft as an adjustment: the period re-rated with all its usage (usage + minimum) minus what its
invoice billed and what earlier adjustments already billed."""

from decimal import Decimal

from tests.sample_plans import API_CALLS_GRADUATED as GRADUATED

D = Decimal


def adjustments(billing, invoice):
    return [(line.adjusts_period, line.amount) for line in invoice.line_items if line.type == "adjustment"]


def test_late_usage_is_billed_on_the_next_drafts_as_adjustments_and_finalized_invoices_never_change(billing):
    # Given a New York customer on a graduated plan with a 25.00 minimum and 3 days' grace,
    customer = billing.customer(billing.plan(GRADUATED, minimum="25.00", grace=3), timezone="America/New_York")
    # whose September (12,500 calls = 25.50) was billed and finalized when its grace period ended
    billing.usage(customer, "api_calls", 12500, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    assert billing.sweep("2025-10-04T04:00:00Z") == (billing.invoice(customer, "2025-09").id,)
    september = billing.invoice(customer, "2025-09")
    assert (september.status, september.total) == ("finalized", D("25.50"))

    # When 1,000 more September calls arrive late, and October has 2,000 calls
    billing.usage(customer, "api_calls", 1000, "2025-09-20T12:00:00Z")
    billing.usage(customer, "api_calls", 2000, "2025-10-10T12:00:00Z")
    billing.run("2025-09")
    billing.run("2025-10")

    # Then September stays as it was, and October bills 13,500 re-rated (26.50) minus 25.50 billed
    assert billing.invoice(customer, "2025-09") == september
    october = billing.invoice(customer, "2025-10")
    assert billing.lines(october) == [("usage", D("2.00")), ("minimum", D("23.00")), ("adjustment", D("1.00"))]
    assert adjustments(billing, october) == [("2025-09", D("1.00"))]
    assert (october.subtotal, october.total) == (D("26.00"), D("26.00"))

    # When October is finalized, then 500 more September calls and 8,000 more October calls arrive late
    assert billing.sweep("2025-11-04T05:00:00Z") == (october.id,)
    billing.usage(customer, "api_calls", 500, "2025-09-25T12:00:00Z")
    billing.usage(customer, "api_calls", 8000, "2025-10-20T12:00:00Z")
    billing.run("2025-11")

    # Then November bills only what is new: September re-rated at 27.00 minus 25.50 billed minus the
    # 1.00 adjusted in October; October re-rated is 18.00 + 7.00 minimum = the 25.00 it billed: nothing
    november = billing.invoice(customer, "2025-11")
    assert billing.lines(november) == [("minimum", D("25.00")), ("adjustment", D("0.50"))]
    assert adjustments(billing, november) == [("2025-09", D("0.50"))]
    assert november.total == D("25.50")
    assert november.line_items[1].breakdown == (
        {
            "period": "2025-09",
            "invoice_id": september.id,
            "rerated": "27.00",
            "billed": "25.50",
            "previously_adjusted": "1.00",
        },
    )


def test_usage_arriving_before_finalization_is_simply_part_of_the_draft(billing):
    customer = billing.customer(billing.plan(GRADUATED), timezone="America/New_York")
    billing.usage(customer, "api_calls", 10000, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    billing.usage(customer, "api_calls", 1, "2025-09-30T12:00:00Z")

    september = billing.finalize(customer, "2025-09")  # finalization recomputes the draft first
    billing.run("2025-10")

    assert billing.lines(september) == [("usage", D("23.00"))]
    assert not billing.has_invoice(customer, "2025-10")


def test_a_late_adjustment_gets_a_draft_of_its_own_when_the_next_period_has_nothing_else(billing):
    customer = billing.customer()  # no plan: billed per unit at the run's price
    billing.usage(customer, "api_calls", 100, "2025-09-15T12:00:00Z")
    billing.run("2025-09", unit_price="0.10")
    billing.finalize(customer, "2025-09")

    billing.usage(customer, "api_calls", 30, "2025-09-16T12:00:00Z")
    billing.run("2025-10", unit_price="0.20")

    # Re-rated at the unit price September was billed with (0.10), not October's run price
    assert billing.lines(billing.invoice(customer, "2025-10")) == [("adjustment", D("3.00"))]


def test_late_usage_that_changes_nothing_billable_adds_no_adjustment(billing):
    customer = billing.customer(billing.plan(GRADUATED))
    billing.usage(customer, "api_calls", 200, "2025-09-15T12:00:00Z")
    billing.run("2025-09")
    billing.finalize(customer, "2025-09")

    billing.usage(customer, "api_calls", 300, "2025-09-16T12:00:00Z")  # still inside the free tier

    assert billing.run("2025-10") == ()


def test_an_adjustment_on_a_voided_invoice_is_billed_again_on_the_next_draft(billing):
    customer = billing.customer(billing.plan(GRADUATED))
    billing.usage(customer, "api_calls", 2000, "2025-09-15T12:00:00Z")  # 2.00
    billing.run("2025-09")
    billing.finalize(customer, "2025-09")
    billing.usage(customer, "api_calls", 1000, "2025-09-16T12:00:00Z")  # +2.00 late
    billing.run("2025-10")
    october = billing.finalize(customer, "2025-10")
    assert billing.lines(october) == [("adjustment", D("2.00"))]

    billing.services.invoices.void(october.id)
    billing.run("2025-11")

    assert billing.lines(billing.invoice(customer, "2025-11")) == [("adjustment", D("2.00"))]
