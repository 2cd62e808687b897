"""POST /lago/api/v1/events — Lago's single-event ingestion, for Lago clients with api_url=<base>/lago/."""

from typing import Any

from billing import bootstrap
from billing.http.app import entrypoint, metrics
from billing.http.dropin import lago

app = lago.create_resolver()


@app.post("/lago/api/v1/events")
def create_event(body: lago.LagoEventRequest) -> dict[str, Any]:
    ingest = bootstrap.services().ingest
    now = ingest.now()
    result = ingest.ingest_events([body.event.to_incoming(now)])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    return {"event": lago.events_out([body.event], result, now)[0]}


lambda_handler = entrypoint(app)
