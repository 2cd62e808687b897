"""POST /v1/billing/meter_events — Stripe's (form-encoded) meter event, for Stripe clients pointed at us."""

from billing import bootstrap
from billing.http.access import access, own_events
from billing.http.app import entrypoint
from billing.http.dropin import stripe
from billing.http.routes import ApiRouter, resolver_for
from billing.observability import metrics

router = ApiRouter(refusals=stripe.REFUSALS)


@router.post("/v1/billing/meter_events", openapi_extensions=stripe.V1_REQUEST_BODY)
@access(own_events(stripe.v1_customers_named))
def create_meter_event() -> stripe.MeterEventV1Out:
    # A form body (payload[value]=...), read by hand: the typed-body validation speaks JSON only.
    event = stripe.read_form(router.current_event.decoded_body)
    ingest = bootstrap.services().ingest
    now = ingest.now()
    ts = event.time(now)
    result = ingest.ingest_events([event.to_incoming(ts)])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    return stripe.meter_event_v1(event, result, ts, now)


app = resolver_for(router, stripe.create_resolver)
lambda_handler = entrypoint(app)
