"""POST /v2/billing/meter_events — Stripe's v2 (JSON) meter event, for Stripe clients pointed at us."""

from typing import Any

from billing import bootstrap
from billing.http.app import entrypoint, metrics
from billing.http.dropin import stripe

app = stripe.create_resolver()


@app.post("/v2/billing/meter_events")
def create_meter_event(body: stripe.MeterEventV2In) -> dict[str, Any]:
    ingest = bootstrap.services().ingest
    now = ingest.now()
    ts = body.time(now)
    result = ingest.ingest_events([body.to_incoming(ts)])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    return stripe.meter_event_v2(body, result, ts, now)


lambda_handler = entrypoint(app)
