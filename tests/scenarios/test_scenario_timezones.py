"""Periods are calendar months in the customer's timezone, DST and half-hour offsets included;
rollups (15-minute UTC buckets, per-period totals) must agree with the raw events at every edge."""

from decimal import Decimal

import pytest
from billing.http.schemas.invoices import InvoiceOut

D = Decimal
API_CALLS = {"feature": "api_calls", "model": "per_unit", "unit_amount": "1"}
ACTIVE_USERS = {
    "feature": "active_users",
    "model": "per_unit",
    "unit_amount": "1",
    "aggregation": "unique_count",
    "property": "user_id",
}
STORAGE_LATEST = {"feature": "storage_gb", "model": "per_unit", "unit_amount": "1", "aggregation": "latest"}


@pytest.mark.parametrize(
    ("zone", "period", "start", "end"),
    [
        ("America/New_York", "2025-09", "2025-09-01T04:00:00Z", "2025-10-01T04:00:00Z"),
        ("America/New_York", "2025-11", "2025-11-01T04:00:00Z", "2025-12-01T05:00:00Z"),  # DST ends Nov 2
        ("America/New_York", "2025-03", "2025-03-01T05:00:00Z", "2025-04-01T04:00:00Z"),  # DST starts Mar 9
        ("Europe/London", "2025-03", "2025-03-01T00:00:00Z", "2025-03-31T23:00:00Z"),  # BST from Mar 30
        ("Asia/Kolkata", "2025-09", "2025-08-31T18:30:00Z", "2025-09-30T18:30:00Z"),  # +05:30
        ("Asia/Kathmandu", "2025-09", "2025-08-31T18:15:00Z", "2025-09-30T18:15:00Z"),  # +05:45
        ("UTC", "2025-09", "2025-09-01T00:00:00Z", "2025-10-01T00:00:00Z"),
    ],
)
def test_the_invoice_period_is_the_local_calendar_month_as_utc_instants(billing, zone, period, start, end):
    customer = billing.customer(billing.plan(API_CALLS), timezone=zone)
    billing.usage(customer, "api_calls", 1, start)

    billing.run(period)

    out = InvoiceOut.of(billing.invoice(customer, period))
    assert (out.period, out.period_start, out.period_end) == (period, start, end)


@pytest.mark.parametrize(
    ("zone", "last_of_month", "first_of_next"),
    [
        ("America/New_York", ("2025-09", "2025-10-01T03:59:59.999999Z"), ("2025-10", "2025-10-01T04:00:00Z")),
        ("America/New_York", ("2025-11", "2025-12-01T04:59:59Z"), ("2025-12", "2025-12-01T05:00:00Z")),  # EST
        ("Europe/London", ("2025-03", "2025-03-31T22:59:59Z"), ("2025-04", "2025-03-31T23:00:00Z")),  # BST
        ("Asia/Kolkata", ("2025-09", "2025-09-30T18:29:59Z"), ("2025-10", "2025-09-30T18:30:00Z")),  # mid-bucket
    ],
)
def test_usage_on_either_side_of_a_local_month_boundary_lands_in_its_own_invoice(
    billing, zone, last_of_month, first_of_next
):
    (month, last_instant), (next_month, first_instant) = last_of_month, first_of_next
    customer = billing.customer(billing.plan(API_CALLS), timezone=zone)
    billing.usage(customer, "api_calls", 3, last_instant)
    billing.usage(customer, "api_calls", 5, first_instant)

    billing.run(month)
    billing.run(next_month)

    assert billing.usage_amounts(billing.invoice(customer, month)) == {"api_calls": D("3.00")}
    assert billing.usage_amounts(billing.invoice(customer, next_month)) == {"api_calls": D("5.00")}


def test_kolkata_unique_counts_and_latest_values_respect_the_half_hour_boundary(billing):
    # Given a customer in Asia/Kolkata (UTC+05:30): September there is [08-31T18:30Z, 09-30T18:30Z)
    customer = billing.customer(billing.plan(ACTIVE_USERS, STORAGE_LATEST), timezone="Asia/Kolkata")
    billing.usage(customer, "active_users", 1, "2025-08-31T18:29:59Z", user_id="august")
    billing.usage(customer, "active_users", 1, "2025-08-31T18:30:00Z", user_id="first")
    billing.usage(customer, "active_users", 1, "2025-09-30T18:15:00Z", user_id="last")  # same 15-min bucket...
    billing.usage(customer, "active_users", 1, "2025-09-30T18:30:00Z", user_id="october")  # ...different bucket
    billing.usage(customer, "storage_gb", 7, "2025-09-30T18:29:59Z")  # September's latest
    billing.usage(customer, "storage_gb", 99, "2025-09-30T18:30:00Z")  # October's

    # When September and October are billed
    billing.run("2025-09")
    billing.run("2025-10")

    # Then each month counts its own users and its own latest value
    assert billing.usage_amounts(billing.invoice(customer, "2025-09")) == {
        "active_users": D("2.00"),
        "storage_gb": D("7.00"),
    }
    assert billing.usage_amounts(billing.invoice(customer, "2025-10")) == {
        "active_users": D("1.00"),
        "storage_gb": D("99.00"),
    }


def test_the_grace_period_counts_local_calendar_days_across_a_dst_change(billing):
    # Given a New York plan with 3 days' grace: October ends at 2025-11-01T04:00Z (EDT), and DST
    # ends on Nov 2, so "3 days later" is local midnight Nov 4 EST = 05:00Z, not 72 hours (04:00Z)
    customer = billing.customer(billing.plan(API_CALLS, grace=3), timezone="America/New_York")
    billing.usage(customer, "api_calls", 1, "2025-10-15T12:00:00Z")
    billing.run("2025-10")
    october = billing.invoice(customer, "2025-10").id

    assert billing.sweep("2025-11-04T04:59:59Z") == ()
    assert billing.sweep("2025-11-04T05:00:00Z") == (october,)
    assert billing.invoice(customer, "2025-10").status == "finalized"
