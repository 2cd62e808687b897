"""GET /v1/customers — customers ordered by id; page with ?limit=&after=<last id>."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import CustomerOut

app = create_resolver()


@app.get("/v1/customers")
def list_customers(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[str | None, Query()] = None,
) -> list[CustomerOut]:
    return [CustomerOut.of(c) for c in bootstrap.services().customers.list(limit=limit, after=after)]


lambda_handler = entrypoint(app)
