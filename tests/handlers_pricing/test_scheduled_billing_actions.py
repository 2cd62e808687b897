"""The scheduled function: "bill" (default, monthly) creates drafts, "finalize" (daily) freezes due ones."""

from datetime import UTC, datetime
from decimal import Decimal

from billing.domain.invoices import invoice_id_for
from billing.domain.time import BillingPeriod
from billing.services import NewEvent

from functions.monthly_billing.app import lambda_handler


def test_the_monthly_bill_action_drafts_last_month_and_the_daily_finalize_action_freezes_it(api, lambda_context):
    customer = api.services.customers.create(name="Ada", email="ada@example.com")
    api.services.ingest.ingest(
        customer.id, [NewEvent("api_calls", Decimal(100), datetime(2025, 9, 15, tzinfo=UTC), "evt_1")]
    )
    invoice_id = invoice_id_for(customer.id, "2025-09")

    billed = lambda_handler({"unit_price": "0.05", "now": "2025-10-01T14:00:00Z"}, lambda_context)
    draft = api.services.invoices.get(invoice_id)
    finalized = lambda_handler({"action": "finalize", "now": "2025-10-01T15:00:00Z"}, lambda_context)
    again = lambda_handler({"action": "finalize", "now": "2025-10-02T15:00:00Z"}, lambda_context)

    assert (billed["period"], billed["invoices_generated"], billed["failures"]) == ("2025-09", 1, [])
    assert billed["invoice_ids"] == [invoice_id] and billed["billing_run_id"].startswith("run_")
    assert (draft.status, draft.total) == ("draft", Decimal("5.00"))
    assert finalized == {
        "action": "finalize",
        "invoices_finalized": 1,
        "invoice_ids": [invoice_id],
        "conflicts": [],
        "failures": [],
    }
    assert again["invoices_finalized"] == 0
    assert api.services.invoices.get(invoice_id).status == "finalized"


def test_a_scheduled_run_without_a_unit_price_keeps_the_drafts_and_reports_unpriced_usage(api, lambda_context):
    priced = api.services.customers.create(name="Ada", email="ada@example.com")
    unpriced = api.services.customers.create(name="Bob", email="bob@example.com")
    for customer in (priced, unpriced):
        api.services.ingest.ingest(
            customer.id, [NewEvent("api_calls", Decimal(100), datetime(2025, 9, 15, tzinfo=UTC), f"evt_{customer.id}")]
        )
    api.services.billing.bill_customer(
        priced.id, BillingPeriod.parse("2025-09"), unit_price=Decimal("0.05"), now=datetime(2025, 10, 1, tzinfo=UTC)
    )

    billed = lambda_handler({"now": "2025-10-01T14:00:00Z"}, lambda_context)

    assert api.services.invoices.get(invoice_id_for(priced.id, "2025-09")).total == Decimal("5.00")
    assert api.services.invoices.get(invoice_id_for(unpriced.id, "2025-09")).total == Decimal("0.00")
    assert billed["unpriced_usage"] == [
        {"customer_id": unpriced.id, "invoice_id": invoice_id_for(unpriced.id, "2025-09"), "features": ["api_calls"]}
    ]
