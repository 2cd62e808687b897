"""GET /v1/plans — plans ordered by id; page with ?limit=&after=<last id>."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import PlanOut

app = create_resolver()


@app.get("/v1/plans")
def list_plans(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[str | None, Query()] = None,
) -> list[PlanOut]:
    return [PlanOut.of(plan) for plan in bootstrap.services().plans.list(limit=limit, after=after)]


lambda_handler = entrypoint(app)
