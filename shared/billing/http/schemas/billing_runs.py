"""Bodies of the billing run routes and of the schedule's runs: a started run, a run's progress, a finalize sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from billing.http.schemas.base import ResponseModel

if TYPE_CHECKING:
    from billing.services.billing import CustomerFailure, FinalizeRun
    from billing.services.runs import BillingRun, BillingRunStatus, UnpricedUsage


class CustomerFailureOut(ResponseModel):
    customer_id: str
    reason: str

    @classmethod
    def of(cls, failure: CustomerFailure) -> CustomerFailureOut:
        return cls(customer_id=failure.customer_id, reason=failure.reason)


class UnpricedUsageOut(ResponseModel):
    """A customer whose draft bills usage without a price: features no plan prices, on a draft with no unit price
    (listed at 0.00 "no price set"). Run billing again with `unit_price`, or give the customer a plan pricing them."""

    customer_id: str
    invoice_id: str
    features: list[str]

    @classmethod
    def of(cls, unpriced: UnpricedUsage) -> UnpricedUsageOut:
        return cls(customer_id=unpriced.customer_id, invoice_id=unpriced.invoice_id, features=list(unpriced.features))


class FinalizeRunOut(ResponseModel):
    invoices_finalized: int
    invoice_ids: list[str]
    conflicts: list[str]
    failures: list[CustomerFailureOut] = []

    @classmethod
    def of(cls, run: FinalizeRun) -> FinalizeRunOut:
        return cls(
            invoices_finalized=run.invoices_finalized,
            invoice_ids=list(run.invoice_ids),
            conflicts=list(run.conflicts),
            failures=[CustomerFailureOut.of(f) for f in run.failures],
        )


class BillingRunOut(ResponseModel):
    """A started run. With a billing queue the customers are billed after the answer: status "running",
    invoices_generated 0, invoice_ids and failures empty; GET /v1/billing-runs/{billing_run_id} follows it.
    A retry with the same Idempotency-Key of a start that failed or died answers the same run, resumed (its
    invoices and failures are then those of the customers this request billed)."""

    period: str
    invoices_generated: int
    invoice_ids: list[str]
    billing_run_id: str | None = None
    failures: list[CustomerFailureOut] = []  # customers that could not be billed; everyone else was
    status: Literal["running", "done", "failed"] = "done"
    customers_queued: int | None = None
    unpriced_usage: list[UnpricedUsageOut] = []  # billed customers with usage no price rated (empty while running)
    failure_reason: str | None = None  # why the run was given up (status "failed")

    @classmethod
    def of(cls, run: BillingRun) -> BillingRunOut:
        return cls(
            period=run.period,
            invoices_generated=run.invoices_generated,
            invoice_ids=list(run.invoice_ids),
            billing_run_id=run.run_id,
            failures=[CustomerFailureOut.of(f) for f in run.failures],
            status=run.status,
            customers_queued=run.customers_queued,
            unpriced_usage=[UnpricedUsageOut.of(u) for u in run.unpriced],
            failure_reason=run.failure,
        )


class BillingRunStatusOut(ResponseModel):
    """GET /v1/billing-runs/{id}: the run's counts, a page of its failed customers (next_cursor pages on, as
    `cursor`) and a page of its customers billed with unpriced usage (unpriced_usage_next_cursor pages on, as
    `unpriced_cursor`). Status "failed": the run was given up before every customer was queued (its starter
    stopped and resumptions did not finish it), with failure_reason; customers it billed stay billed."""

    id: str
    period: str
    status: Literal["running", "done", "failed"]
    customers_queued: int
    customers_billed: int
    customers_failed: int
    failures: list[CustomerFailureOut]
    next_cursor: str | None = None
    customers_with_unpriced_usage: int = 0
    unpriced_usage: list[UnpricedUsageOut] = []
    unpriced_usage_next_cursor: str | None = None
    failure_reason: str | None = None

    @classmethod
    def of(cls, report: BillingRunStatus) -> BillingRunStatusOut:
        run = report.run
        return cls(
            id=run.id,
            period=run.period,
            status=report.status,
            customers_queued=run.customers_queued,
            customers_billed=run.customers_billed,
            customers_failed=run.customers_failed,
            failures=[CustomerFailureOut.of(f) for f in report.failures],
            next_cursor=report.failures_cursor,
            customers_with_unpriced_usage=run.customers_with_unpriced_usage,
            unpriced_usage=[UnpricedUsageOut.of(u) for u in report.unpriced],
            unpriced_usage_next_cursor=report.unpriced_cursor,
            failure_reason=run.failure,
        )
