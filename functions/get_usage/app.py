"""GET /v1/customers/{customer_id}/usage?start=&end=[&window=hour|day&tz=] — totals or a time series."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, json_reply, resolver_for, written_reply
from billing.http.schemas import IsoInstant, UsageOut, UsagePointOut
from billing.services import Window

router = ApiRouter()


@router.get("/v1/customers/<customer_id>/usage", responses=written_reply(list[UsageOut] | list[UsagePointOut]))
@access(OWN_CUSTOMER)
def get_usage(  # no return annotation: the reply is written as JSON text (billing.http.routes.written_reply)
    customer_id: str,
    start: Annotated[IsoInstant, Query()],
    end: Annotated[IsoInstant, Query()],
    window: Annotated[Window | None, Query()] = None,
    tz: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
):
    usage = bootstrap.services().usage
    if window is None:
        return json_reply([UsageOut.document_of(total) for total in usage.totals(customer_id, start, end)])
    return json_reply([UsagePointOut.document_of(point) for point in usage.series(customer_id, start, end, window, tz)])


app = resolver_for(router)
lambda_handler = entrypoint(app)
