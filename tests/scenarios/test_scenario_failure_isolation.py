"""A customer that cannot be billed never stops the others: the run bills everyone else and reports it.

Stored data that cannot be rated (a quantity from before input bounds existed, written straight to
storage here) used to make every later run for the month a 500 for every customer.
"""

from __future__ import annotations

import pytest
from billing.domain.invoices import invoice_id_for
from billing.domain.time import BillingPeriod, to_micros

from tests.scenarios.conftest import D, at

# The poison is written straight into the SQLite file (a row no input can make any more).
pytestmark = pytest.mark.parametrize("billing", ["sqlite"], indirect=True)


def poison(billing, customer) -> None:
    """A rollup as a database written before input bounds existed could hold: a sum no invoice can carry."""
    ts = to_micros(at("2025-09-15T12:00:00Z"))
    billing.services.storage.db.connection().execute(
        "INSERT INTO usage_period (period, customer_id, feature, sum, count, max, latest_ts, latest_quantity)"
        " VALUES ('2025-09', ?, 'api_calls', '1e999999', 1, '1e999999', ?, '1e999999')"
        " ON CONFLICT DO UPDATE SET sum = excluded.sum",
        (customer.id, ts),
    )


def test_a_run_bills_every_other_customer_and_reports_the_one_it_could_not(billing):
    customers = [billing.customer() for _ in range(5)]
    for customer in customers:
        billing.usage(customer, "api_calls", 100, "2025-09-10T00:00:00Z")
    broken = customers[2]
    poison(billing, broken)

    run = billing.services.runs.start(BillingPeriod.parse("2025-09"), unit_price=D("0.01"))

    assert [f.customer_id for f in run.failures] == [broken.id]
    assert run.failures[0].reason.startswith("the stored usage of api_calls for 2025-09 cannot be rated")
    assert sorted(run.invoice_ids) == sorted(invoice_id_for(c.id, "2025-09") for c in customers if c is not broken)
    for customer in customers:
        if customer is not broken:
            assert billing.invoice(customer, "2025-09").total == D("1.00")
    assert not billing.has_invoice(broken, "2025-09")
    record = billing.services.storage.billing_runs.get(run.run_id)
    assert (record.customers_queued, record.customers_billed, record.customers_failed) == (5, 4, 1)
    assert record.is_done


def test_the_finalize_sweep_finalizes_every_other_draft_and_reports_the_one_it_could_not(billing):
    customers = [billing.customer() for _ in range(3)]
    for customer in customers:
        billing.usage(customer, "api_calls", 100, "2025-09-10T00:00:00Z")
    billing.run("2025-09", unit_price="0.01")
    poison(billing, customers[0])  # arrives after the draft was made; finalizing recomputes it

    billing.clock.now = at("2025-10-03T00:00:00Z")
    sweep = billing.services.billing.finalize_due()

    assert [f.customer_id for f in sweep.failures] == [customers[0].id]
    assert sorted(sweep.invoice_ids) == sorted(invoice_id_for(c.id, "2025-09") for c in customers[1:])
    assert billing.invoice(customers[0], "2025-09").status == "draft"
