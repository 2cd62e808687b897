"""Scheduled billing (EventBridge Scheduler), two schedules on one function, told apart by "action":

- "bill" (default, monthly): create or recompute the previous month's draft invoices: a billing run that
  sends the customers to the billing queue (or bills them here when there is none). The input may carry
  {"unit_price": "0.01"} for usage no plan prices; without it, each draft keeps the unit price it has.
- "finalize" (daily): finalize the drafts whose plan's grace period is over.

Both take "now" (ISO 8601) to re-run the job as of another date. Safe to run twice: invoices are
recomputed, never duplicated, and a finalized invoice never changes.

Every tick first sweeps the billing runs whose starter stopped queuing their customers (killed, timed out, the
queue unavailable) more than 15 minutes ago: each is resumed from where it stopped, or failed with the reason
after 3 takeovers (BillingRunService.resume_stale). The daily tick bounds how long a run can stay stuck.
"""

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext
from billing import bootstrap
from billing.http.schemas.billing_runs import BillingRunOut, FinalizeRunOut
from billing.http.schemas.fields import IsoInstant, UnitPrice
from billing.observability import logger, metrics
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
    _sweep(request)
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


def _sweep(request: ScheduledRun) -> None:
    sweep = bootstrap.services().runs.resume_stale(now=request.now)
    for run in sweep.resumed:
        logger.warning(
            "stalled billing run resumed",
            extra={"run_id": run.run_id, "period": run.period, "queued": run.customers_queued, "status": run.status},
        )
    for failed in sweep.failed:
        logger.error("stalled billing run failed", extra={"run_id": failed.id, "reason": failed.failure})
    for run_id, reason in sweep.interrupted:
        logger.error(
            "stalled billing run could not be resumed; the next tick retries",
            extra={"run_id": run_id, "reason": reason},
        )
    metrics.add_metric(name="BillingRunsResumed", unit="Count", value=len(sweep.resumed))
    metrics.add_metric(name="BillingRunsFailed", unit="Count", value=len(sweep.failed))


def _finalize(request: ScheduledRun) -> dict[str, Any]:
    run = bootstrap.services().billing.finalize_due(now=request.now)
    if run.conflicts:
        logger.warning("invoices kept changing; the next sweep retries", extra={"invoice_ids": run.conflicts})
    logger.info("finalize sweep done", extra={"invoices": run.invoices_finalized})
    metrics.add_metric(name="InvoicesFinalized", unit="Count", value=run.invoices_finalized)
    return {"action": "finalize", **FinalizeRunOut.of(run).model_dump()}
