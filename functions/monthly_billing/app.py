"""Scheduled monthly billing (EventBridge Scheduler): bill the previous month for every customer.

The schedule's input may carry {"unit_price": "0.01"} for customers without a plan, and "now"
(ISO 8601) to re-run the job as of another date. Safe to run twice: invoices are recomputed, never duplicated.
"""

from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from billing import bootstrap
from billing.http.app import logger, metrics
from billing.http.schemas import IsoInstant
from pydantic import BaseModel, ConfigDict, Field


class ScheduledRun(BaseModel):
    model_config = ConfigDict(extra="ignore")  # EventBridge may add its own fields

    unit_price: Decimal | None = Field(default=None, ge=0)
    now: IsoInstant | None = None


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ScheduledRun.model_validate(event or {})
    run = bootstrap.services().billing.run_scheduled(now=request.now, unit_price=request.unit_price)
    logger.info("billing run done", extra={"period": run.period, "invoices": run.invoices_generated})
    metrics.add_metric(name="InvoicesGenerated", unit="Count", value=run.invoices_generated)
    return {"period": run.period, "invoices_generated": run.invoices_generated}
