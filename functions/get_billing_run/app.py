"""GET /v1/billing-runs/{run_id}[?limit=&cursor=&unpriced_cursor=] — a billing run's progress, a page of its failed
customers (`cursor`) and a page of its customers billed with unpriced usage (`unpriced_cursor`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas import BillingRunStatusOut

router = ApiRouter()


@router.get("/v1/billing-runs/<run_id>")
@access(ADMIN)
def get_billing_run(
    run_id: str,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    unpriced_cursor: Annotated[
        str | None, Query(max_length=2048, description="pages unpriced_usage as cursor pages failures")
    ] = None,
) -> BillingRunStatusOut:
    status = bootstrap.services().runs.status(run_id, limit=limit, cursor=cursor, unpriced_cursor=unpriced_cursor)
    return BillingRunStatusOut.of(status)


app = resolver_for(router)
lambda_handler = entrypoint(app)
