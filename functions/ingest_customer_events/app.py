"""POST /v1/events — a batch whose events name their own customers; typed events go through meters."""

from billing import bootstrap
from billing.http.access import access, own_events
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.events import CustomerEventBatchRequest, CustomerIngestOut, customers_named
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/events")
@access(own_events(customers_named))
def ingest_customer_events(body: CustomerEventBatchRequest) -> CustomerIngestOut:
    result = bootstrap.services().ingest.ingest_events([event.to_incoming() for event in body.events])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return CustomerIngestOut.of(result)


app = resolver_for(router)
lambda_handler = entrypoint(app)
