"""POST /v1/billing/meter_events — Stripe's (form-encoded) meter event, for Stripe clients pointed at us."""

from typing import Any

from billing import bootstrap
from billing.http.app import entrypoint, metrics
from billing.http.dropin import stripe

app = stripe.create_resolver()


@app.post("/v1/billing/meter_events")
def create_meter_event() -> dict[str, Any]:
    # A form body (payload[value]=...), read by hand: the typed-body validation speaks JSON only.
    event = stripe.read_form(app.current_event.decoded_body)
    ingest = bootstrap.services().ingest
    now = ingest.now()
    ts = event.time(now)
    result = ingest.ingest_events([event.to_incoming(ts)])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    return stripe.meter_event_v1(event, result, ts, now)


lambda_handler = entrypoint(app)
