"""A customer whose plan is missing is not billed without it (issue 17: it was, silently, as if it had no plan).

Plans are never deleted through the API, but a customer record can name a plan the storage does not hold (written
by hand, restored from another deployment, a plan lost): rating it without its prices, fee and minimum would send
a wrong invoice that nobody is told about. The run bills everyone else and reports that customer, naming the plan.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from billing.domain.errors import CustomerPlanMissing
from billing.domain.invoices import invoice_id_for
from billing.domain.time import BillingPeriod

from tests.scenarios.conftest import D

PRICE = {"feature": "api_calls", "model": "per_unit", "unit_amount": "0.10"}


def without_its_plan(billing, customer) -> None:
    """The customer names a plan no storage holds, through the port both adapters implement."""
    billing.services.storage.customers.set_plan(customer.id, "plan_gone", "USD", expected_version=customer.version)


def test_a_run_reports_the_customer_whose_plan_is_missing_and_bills_the_others(billing):
    plan = billing.plan(PRICE, fee="5.00", minimum="20.00")
    customers = [billing.customer(plan) for _ in range(3)]
    for customer in customers:
        billing.usage(customer, "api_calls", 100, "2025-09-10T00:00:00Z")
    orphan = customers[1]
    without_its_plan(billing, orphan)

    run = billing.services.runs.start(BillingPeriod.parse("2025-09"))

    assert [f.customer_id for f in run.failures] == [orphan.id]
    assert "plan_gone" in run.failures[0].reason and "does not exist" in run.failures[0].reason
    assert sorted(run.invoice_ids) == sorted(invoice_id_for(c.id, "2025-09") for c in customers if c is not orphan)
    for customer in customers:
        if customer is not orphan:
            assert billing.invoice(customer, "2025-09").total == D("20.00")  # fee 5 + usage 10, up to the minimum
    assert not billing.has_invoice(orphan, "2025-09")
    record = billing.services.storage.billing_runs.get(run.run_id)
    assert (record.customers_queued, record.customers_billed, record.customers_failed) == (3, 2, 1)


def test_a_preview_of_that_customer_names_the_missing_plan_instead_of_a_wrong_amount(billing):
    customer = billing.customer(billing.plan(PRICE, fee="5.00"))
    billing.usage(customer, "api_calls", 100, "2025-09-10T00:00:00Z")
    without_its_plan(billing, customer)

    with pytest.raises(CustomerPlanMissing) as error:
        billing.services.previews.upcoming(customer.id, now=datetime.fromisoformat("2025-09-20T00:00:00+00:00"))
    assert (error.value.field, error.value.plan_id) == ("plan_id", "plan_gone")
