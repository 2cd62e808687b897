"""POST /v1/invoices/run?period=YYYY-MM[&unit_price=] — create or recompute the period's draft invoices.

Starts a billing run (GET /v1/billing-runs/{billing_run_id}). Without a queue every customer is billed before
the answer (status "done", with the customers billed with usage no price rates in unpriced_usage); with the SQS
queue they are billed by the workers after it (status "running", invoices_generated 0 and no invoice_ids yet).
unit_price rates usage no plan prices and is kept by each draft; without it, each draft keeps its own.

With an Idempotency-Key, a retry finds the same run: its first answer replayed, or (when the first attempt failed
with a 503 naming billing_run_id, or died) the run resumed from where it stopped."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.domain.time import BillingPeriod
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent, request_key
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.billing_runs import BillingRunOut
from billing.http.schemas.fields import UnitPrice
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/invoices/run")
@access(ADMIN)
@idempotent
def run_invoices(
    period: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")],
    unit_price: Annotated[
        UnitPrice | None,
        Query(
            description="Rates usage no plan prices; every draft the run writes keeps it. Omitted: drafts keep theirs"
        ),
    ] = None,
) -> BillingRunOut:
    run = bootstrap.services().runs.start(BillingPeriod.parse(period), unit_price=unit_price, request_key=request_key())
    metrics.add_metric(name="InvoicesGenerated", unit="Count", value=run.invoices_generated)
    metrics.add_metric(name="InvoicesFailed", unit="Count", value=len(run.failures))
    return BillingRunOut.of(run)


app = resolver_for(router)
lambda_handler = entrypoint(app)
