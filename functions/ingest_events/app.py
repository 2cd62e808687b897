"""POST /v1/events/batch — ingest one customer's usage events, idempotent on each event's id."""

from billing import bootstrap
from billing.http.app import entrypoint, metrics
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas import EventBatchRequest, IngestOut

router = ApiRouter()


@router.post("/v1/events/batch")
def ingest_events(body: EventBatchRequest) -> IngestOut:
    result = bootstrap.services().ingest.ingest(body.customer_id, [event.to_new_event() for event in body.events])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return IngestOut.of(result)


app = resolver_for(router)
lambda_handler = entrypoint(app)
