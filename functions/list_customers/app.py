"""GET /v1/customers — customers ordered by id; page with ?limit=&after=<last id>."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas import CustomerOut

router = ApiRouter()


@router.get("/v1/customers")
def list_customers(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> list[CustomerOut]:
    return [CustomerOut.of(c) for c in bootstrap.services().customers.list(limit=limit, after=after)]


app = resolver_for(router)
lambda_handler = entrypoint(app)
