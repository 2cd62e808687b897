"""POST /v1/invoices/run?period=YYYY-MM[&unit_price=] — create or recompute the period's draft invoices."""

from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.domain.time import BillingPeriod
from billing.http.access import ADMIN, access
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.idempotency import idempotent
from billing.http.schemas import BillingRunOut

app = create_resolver()


@app.post("/v1/invoices/run")
@access(ADMIN)
@idempotent
def run_invoices(
    period: Annotated[str, Query()],
    unit_price: Annotated[Decimal | None, Query(ge=0, allow_inf_nan=False)] = None,
) -> BillingRunOut:
    run = bootstrap.services().billing.run(BillingPeriod.parse(period), unit_price=unit_price)
    metrics.add_metric(name="InvoicesGenerated", unit="Count", value=run.invoices_generated)
    metrics.add_metric(name="InvoicesFailed", unit="Count", value=len(run.failures))
    return BillingRunOut.of(run)


lambda_handler = entrypoint(app)
