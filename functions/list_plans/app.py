"""GET /v1/plans — plans a page at a time (?limit=&cursor=)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.domain.paging import MAX_CURSOR_LENGTH, MAX_PAGE
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.plans import PlanPageOut

router = ApiRouter()


@router.get("/v1/plans")
@access(ADMIN)
def list_plans(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> PlanPageOut:
    return PlanPageOut.of(bootstrap.services().plans.list(limit=limit, cursor=cursor))


app = resolver_for(router)
lambda_handler = entrypoint(app)
