"""GET /v1/customers/{customer_id}/usage?start=&end=[&window=hour|day&tz=][&aggregation=billed] — totals or a
time series, summed or aggregated as the customer's plan bills each feature."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query
from billing import bootstrap
from billing.http.access import OWN_CUSTOMER, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, json_reply, resolver_for, written_reply
from billing.http.schemas import BilledUsageOut, BilledUsagePointOut, IsoInstant, UsageOut, UsagePointOut
from billing.services import UsageAggregation, Window

router = ApiRouter()
REPLIES = list[UsageOut] | list[UsagePointOut] | list[BilledUsageOut] | list[BilledUsagePointOut]


@router.get("/v1/customers/<customer_id>/usage", responses=written_reply(REPLIES))
@access(OWN_CUSTOMER)
def get_usage(  # no return annotation: the reply is written as JSON text (billing.http.routes.written_reply)
    customer_id: str,
    *,
    start: Annotated[IsoInstant, Query()],
    end: Annotated[IsoInstant, Query()],
    window: Annotated[Window | None, Query()] = None,
    tz: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    aggregation: Annotated[UsageAggregation | None, Query()] = None,
):
    usage = bootstrap.services().usage
    if aggregation is UsageAggregation.BILLED:
        if window is None:
            totals = usage.billed_totals(customer_id, start, end)
            return json_reply([BilledUsageOut.document_of(total) for total in totals])
        points = usage.billed_series(customer_id, start, end, window, tz)
        return json_reply([BilledUsagePointOut.document_of(point) for point in points])
    if window is None:
        return json_reply([UsageOut.document_of(total) for total in usage.totals(customer_id, start, end)])
    return json_reply([UsagePointOut.document_of(point) for point in usage.series(customer_id, start, end, window, tz)])


app = resolver_for(router)
lambda_handler = entrypoint(app)
