"""GET /v1/meters — meters a page at a time (?limit=&cursor=)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.app import create_resolver, entrypoint
from billing.http.metering import MeterPageOut

app = create_resolver()


@app.get("/v1/meters")
def list_meters(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> MeterPageOut:
    return MeterPageOut.of(bootstrap.services().meters.list(limit=limit, cursor=cursor))


lambda_handler = entrypoint(app)
