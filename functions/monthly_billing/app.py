"""Scheduled billing (EventBridge Scheduler), two schedules on one function, told apart by "action":

- "bill" (default, monthly): create or recompute the previous month's draft invoices: a billing run that
  sends the customers to the billing queue (or bills them here when there is none). The input may carry
  {"unit_price": "0.01"} for usage no plan prices; without it, each draft keeps the unit price it has.
- "finalize" (daily): finalize the drafts whose plan's grace period is over.

Both take "now" (ISO 8601) to re-run the job as of another date. Safe to run twice: invoices are
recomputed, never duplicated, and a finalized invoice never changes.
"""

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from billing import bootstrap
from billing.http.app import logger, metrics
from billing.http.schemas import BillingRunOut, FinalizeRunOut, IsoInstant, UnitPrice
from pydantic import BaseModel, ConfigDict


class ScheduledRun(BaseModel):
    model_config = ConfigDict(extra="ignore")  # EventBridge may add its own fields

    action: Literal["bill", "finalize"] = "bill"
    unit_price: UnitPrice | None = None
    now: IsoInstant | None = None


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ScheduledRun.model_validate(event or {})
    if request.action == "finalize":
        return _finalize(request)
    run = bootstrap.services().runs.start_scheduled(now=request.now, unit_price=request.unit_price)
    logger.info(
        "billing run started" if not run.done else "billing run done",
        extra={
            "run_id": run.run_id,
            "period": run.period,
            "queued": run.customers_queued,
            "invoices": run.invoices_generated,
        },
    )
    for failure in run.failures:
        logger.error("customer not billed", extra={"customer_id": failure.customer_id, "reason": failure.reason})
    metrics.add_metric(name="InvoicesGenerated", unit="Count", value=run.invoices_generated)
    metrics.add_metric(name="InvoicesFailed", unit="Count", value=len(run.failures))
    return BillingRunOut.of(run).model_dump()


def _finalize(request: ScheduledRun) -> dict[str, Any]:
    run = bootstrap.services().billing.finalize_due(now=request.now)
    if run.conflicts:
        logger.warning("invoices kept changing; the next sweep retries", extra={"invoice_ids": run.conflicts})
    logger.info("finalize sweep done", extra={"invoices": run.invoices_finalized})
    metrics.add_metric(name="InvoicesFinalized", unit="Count", value=run.invoices_finalized)
    return {"action": "finalize", **FinalizeRunOut.of(run).model_dump()}
