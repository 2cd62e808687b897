"""POST /v1/events/batch — ingest one customer's usage events, idempotent on each event's id."""

from billing import bootstrap
from billing.http.access import access, own_customer
from billing.http.app import entrypoint
from billing.http.request_log import events_in_body
from billing.http.routes import ApiRouter, json_reply, resolver_for, written_reply
from billing.http.schemas.events import EventBatchRequest, IngestOut
from billing.observability import metrics

router = ApiRouter()


def _count_rejected() -> None:
    # A refused batch stores none of its events (validation error, unknown customer, another customer's key).
    metrics.add_metric(name="EventsRejected", unit="Count", value=events_in_body(app.current_event.raw_event))


# The reply is IngestOut, written as JSON text by the handler (IngestOut.document_of, json_reply).
@router.post("/v1/events/batch", responses=written_reply(IngestOut))
@access(own_customer("body"))
def ingest_events(body: EventBatchRequest):  # no return annotation: see above
    result = bootstrap.services().ingest.ingest(body.customer_id, body.events)
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return json_reply(IngestOut.document_of(result))


app = resolver_for(router, on_refused=_count_rejected)
lambda_handler = entrypoint(app)
