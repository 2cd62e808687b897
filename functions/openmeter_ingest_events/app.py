"""POST /api/v1/events — OpenMeter's CloudEvents ingestion, for OpenMeter clients pointed at us (204, no body)."""

from aws_lambda_powertools.event_handler import Response
from billing import bootstrap
from billing.http.access import access, own_events
from billing.http.app import entrypoint
from billing.http.dropin import openmeter
from billing.http.routes import ApiRouter, resolver_for
from billing.observability import metrics

router = ApiRouter(refusals=openmeter.REFUSALS)


@router.post(
    openmeter.PATH,
    status_code=204,
    responses={204: {"description": "Accepted (no body, as OpenMeter answers)", "content": {}}},
    openapi_extensions=openmeter.REQUEST_BODY,
)
@access(own_events(openmeter.customers_named))
def ingest_cloudevents() -> Response[None]:
    # The body is read by hand: Powertools answers 415 to CloudEvents content types on a typed body.
    request = router.current_event
    events = openmeter.read_events(request.decoded_body, request.headers.get("content-type", ""))
    result = bootstrap.services().ingest.ingest_events(events)
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return Response(status_code=204)


app = resolver_for(router, openmeter.create_resolver)
lambda_handler = entrypoint(app)
