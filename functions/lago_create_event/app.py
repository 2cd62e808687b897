"""POST /lago/api/v1/events — Lago's single-event ingestion, for Lago clients with api_url=<base>/lago/."""

from billing import bootstrap
from billing.http.access import access, own_events
from billing.http.app import entrypoint
from billing.http.dropin import lago
from billing.http.routes import ApiRouter, resolver_for
from billing.observability import metrics

router = ApiRouter(refusals=lago.REFUSALS)


@router.post("/lago/api/v1/events")
@access(own_events(lago.customers_named))
def create_event(body: lago.LagoEventRequest) -> lago.LagoEventResponse:
    ingest = bootstrap.services().ingest
    now = ingest.now()
    result = ingest.ingest_events([body.event.to_incoming(now)])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    return lago.LagoEventResponse(event=lago.events_out([body.event], result, now)[0])


app = resolver_for(router, lago.create_resolver)
lambda_handler = entrypoint(app)
