"""A plan's fee, its minimum and a first tier's flat fee are owed for a period only when the customer existed
before the period ended, or used something in it (SPEC R1): everywhere a period is rated, from runs to
finalization, late-usage adjustments, the upcoming invoice and the estimate."""

from decimal import Decimal

from billing.domain.time import BillingPeriod

from tests.scenarios.conftest import at

D = Decimal

PER_CALL = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.10"}
FIRST_TIER_FLAT = {  # 5.00 at zero usage
    "feature": "seats",
    "model": "volume",
    "aggregation": "max",
    "tiers": [{"up_to": "10", "unit_amount": "1", "flat_amount": "5"}, {"up_to": None, "unit_amount": "1"}],
}


def customer_created_at(billing, when: str, plan):
    billing.clock.now = at(when)
    customer = billing.customer(plan)
    return customer


def test_a_customer_created_mid_period_owes_the_full_fee_and_minimum(billing):
    plan = billing.plan(PER_CALL, fee="19.00", minimum="26.00")
    customer = customer_created_at(billing, "2025-09-29T23:00:00Z", plan)  # an hour before September ends
    billing.clock.now = at("2025-10-02T09:30:00Z")

    assert len(billing.run("2025-09")) == 1

    # not prorated: 19.00, topped up to the 26.00 minimum
    assert billing.lines(billing.invoice(customer, "2025-09")) == [("plan_fee", D("19.00")), ("minimum", D("7.00"))]


def test_a_customer_created_after_a_period_with_usage_in_it_owes_fee_and_minimum(billing):
    plan = billing.plan(PER_CALL, FIRST_TIER_FLAT, fee="19.00", minimum="26.00")
    customer = customer_created_at(billing, "2025-11-15T12:00:00Z", plan)
    billing.usage(customer, "api_calls", 10, "2025-09-10T00:00:00Z")  # backfilled

    billing.run("2025-09")

    assert billing.lines(billing.invoice(customer, "2025-09")) == [
        ("plan_fee", D("19.00")),
        ("usage", D("1.00")),
        ("usage", D("5.00")),  # seats: no event, the first tier's flat fee is owed with the rest
        ("minimum", D("1.00")),
    ]


def test_a_customer_created_after_a_period_without_usage_in_it_gets_no_invoice(billing):
    plan = billing.plan(PER_CALL, FIRST_TIER_FLAT, fee="19.00", minimum="26.00")
    customer = customer_created_at(billing, "2025-10-01T00:00:00Z", plan)  # the instant September ended
    billing.clock.now = at("2025-10-02T09:30:00Z")

    assert billing.run("2025-09") == ()
    assert not billing.has_invoice(customer, "2025-09")


def test_a_draft_made_only_for_an_adjustment_carries_the_adjustment_and_nothing_else(billing):
    # The sequence: created today on a 49.00 fee and 26.00 minimum, September usage backfilled.
    plan = billing.plan(PER_CALL, FIRST_TIER_FLAT, fee="49.00", minimum="26.00")
    customer = customer_created_at(billing, "2025-11-15T12:00:00Z", plan)
    billing.usage(customer, "api_calls", 10, "2025-09-10T00:00:00Z")
    billing.run("2025-09")
    assert billing.finalize(customer, "2025-09").total == D("55.00")  # 49 + 1 + 5
    billing.usage(customer, "api_calls", 5, "2025-09-20T00:00:00Z")  # late September usage

    billing.run("2025-10")

    october = billing.invoice(customer, "2025-10")
    assert billing.lines(october) == [("adjustment", D("0.50"))]
    assert billing.lines(billing.finalize(customer, "2025-10")) == [("adjustment", D("0.50"))]


def test_an_adjustment_only_draft_carries_the_credit_it_would_apply(billing):
    plan = billing.plan(PER_CALL, fee="49.00", minimum="26.00")
    customer = customer_created_at(billing, "2025-11-15T12:00:00Z", plan)
    billing.usage(customer, "api_calls", 10, "2025-09-10T00:00:00Z")
    billing.run("2025-09")
    billing.finalize(customer, "2025-09")
    billing.usage(customer, "api_calls", 5, "2025-09-20T00:00:00Z")
    billing.credit(customer, "0.20")

    billing.run("2025-10")

    assert billing.lines(billing.invoice(customer, "2025-10")) == [("adjustment", D("0.50")), ("credit", D("-0.20"))]


def test_late_usage_in_a_period_billed_as_adjustment_only_makes_its_plan_charges_owed(billing):
    # October had neither the customer nor usage, so its finalized invoice billed only an adjustment; a late
    # October event means the customer used October after all: its re-rating owes fee and minimum.
    plan = billing.plan(PER_CALL, fee="19.00", minimum="20.00")
    customer = customer_created_at(billing, "2025-11-15T12:00:00Z", plan)
    billing.usage(customer, "api_calls", 10, "2025-09-10T00:00:00Z")
    billing.run("2025-09")
    billing.finalize(customer, "2025-09")
    billing.usage(customer, "api_calls", 5, "2025-09-20T00:00:00Z")
    billing.run("2025-10")
    assert billing.lines(billing.finalize(customer, "2025-10")) == [("adjustment", D("0.50"))]
    billing.usage(customer, "api_calls", 1, "2025-10-20T00:00:00Z")  # late October usage

    billing.run("2025-11")

    november = billing.invoice(customer, "2025-11")
    assert billing.lines(november) == [
        ("plan_fee", D("19.00")),  # the customer existed before November ended
        ("minimum", D("1.00")),
        ("adjustment", D("20.00")),  # October re-rated: 19.00 + 0.10 + a 0.90 minimum; its invoice billed none
    ]


def test_the_estimate_of_a_period_follows_the_same_rule(billing):
    plan = billing.plan(PER_CALL, FIRST_TIER_FLAT, fee="19.00", minimum="26.00")
    other = billing.plan(PER_CALL, fee="30.00")
    customer = customer_created_at(billing, "2025-11-15T12:00:00Z", plan)
    billing.usage(customer, "api_calls", 10, "2025-09-10T00:00:00Z")
    estimate = billing.services.previews.estimate

    neither = estimate(customer.id, BillingPeriod.parse("2025-10"), plan_id=other.id)
    used = estimate(customer.id, BillingPeriod.parse("2025-09"), plan_id=other.id)

    assert (billing.lines(neither.current.invoice), billing.lines(neither.estimate.invoice)) == ([], [])
    assert billing.lines(used.current.invoice) == [
        ("plan_fee", D("19.00")),
        ("usage", D("1.00")),
        ("usage", D("5.00")),
        ("minimum", D("1.00")),
    ]
    assert billing.lines(used.estimate.invoice) == [("plan_fee", D("30.00")), ("usage", D("1.00"))]


def test_the_upcoming_invoice_of_a_customer_created_mid_period_is_what_a_run_writes(billing):
    plan = billing.plan(PER_CALL, FIRST_TIER_FLAT, fee="19.00", minimum="26.00")
    customer = customer_created_at(billing, "2025-10-20T00:00:00Z", plan)
    billing.clock.now = at("2025-10-25T00:00:00Z")

    upcoming = billing.services.previews.upcoming(customer.id).invoice
    billing.run("2025-10")

    assert billing.lines(upcoming) == [("plan_fee", D("19.00")), ("usage", D("5.00")), ("minimum", D("2.00"))]
    assert billing.lines(billing.invoice(customer, "2025-10")) == billing.lines(upcoming)
