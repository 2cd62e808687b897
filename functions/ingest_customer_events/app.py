"""POST /v1/events — a batch whose events name their own customers; typed events go through meters."""

from billing import bootstrap
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.metering import CustomerEventBatchRequest, CustomerIngestOut

app = create_resolver()


@app.post("/v1/events")
def ingest_customer_events(body: CustomerEventBatchRequest) -> CustomerIngestOut:
    result = bootstrap.services().ingest.ingest_events([event.to_incoming() for event in body.events])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return CustomerIngestOut.of(result)


lambda_handler = entrypoint(app)
