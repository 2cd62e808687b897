"""GET /v1/meters — meters a page at a time (?limit=&cursor=)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.domain.paging import MAX_CURSOR_LENGTH, MAX_PAGE
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.meters import MeterPageOut

router = ApiRouter()


@router.get("/v1/meters")
@access(ADMIN)
def list_meters(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> MeterPageOut:
    return MeterPageOut.of(bootstrap.services().meters.list(limit=limit, cursor=cursor))


app = resolver_for(router)
lambda_handler = entrypoint(app)
