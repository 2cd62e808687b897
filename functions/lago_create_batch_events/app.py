"""POST /lago/api/v1/events/batch — Lago's batch ingestion (all or nothing), for Lago clients."""

from typing import Any

from billing import bootstrap
from billing.http.app import entrypoint, metrics
from billing.http.dropin import lago

app = lago.create_resolver()


@app.post("/lago/api/v1/events/batch")
def create_batch_events(body: lago.LagoBatchRequest) -> dict[str, Any]:
    ingest = bootstrap.services().ingest
    now = ingest.now()
    result = ingest.ingest_events([event.to_incoming(now) for event in body.events])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    metrics.add_metric(name="EventsDuplicate", unit="Count", value=result.duplicates)
    return {"events": lago.events_out(body.events, result, now)}


lambda_handler = entrypoint(app)
