"""POST /lago/api/v1/events/batch — Lago's batch ingestion (all or nothing), for Lago clients."""

from billing import bootstrap
from billing.http.access import access, own_events
from billing.http.app import entrypoint
from billing.http.dropin import lago
from billing.http.routes import ApiRouter, resolver_for
from billing.observability import metrics

router = ApiRouter(refusals=lago.REFUSALS)


@router.post("/lago/api/v1/events/batch")
@access(own_events(lago.customers_named))
def create_batch_events(body: lago.LagoBatchRequest) -> lago.LagoBatchResponse:
    ingest = bootstrap.services().ingest
    now = ingest.now()
    result = ingest.ingest_events([event.to_incoming(now) for event in body.events])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return lago.LagoBatchResponse(events=lago.events_out(body.events, result, now))


app = resolver_for(router, lago.create_resolver)
lambda_handler = entrypoint(app)
