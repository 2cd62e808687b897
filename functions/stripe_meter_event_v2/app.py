"""POST /v2/billing/meter_events — Stripe's v2 (JSON) meter event, for Stripe clients pointed at us."""

from billing import bootstrap
from billing.http.access import access, own_events
from billing.http.app import entrypoint
from billing.http.dropin import stripe
from billing.http.routes import ApiRouter, resolver_for
from billing.observability import metrics

router = ApiRouter(refusals=stripe.REFUSALS)


@router.post("/v2/billing/meter_events")
@access(own_events(stripe.v2_customers_named))
def create_meter_event(body: stripe.MeterEventV2In) -> stripe.MeterEventV2Out:
    ingest = bootstrap.services().ingest
    now = ingest.now()
    ts = body.time(now)
    result = ingest.ingest_events([body.to_incoming(ts)])
    metrics.add_metric(name="EventsAccepted", unit="Count", value=result.accepted)
    return stripe.meter_event_v2(body, result, ts, now)


app = resolver_for(router, stripe.create_resolver)
lambda_handler = entrypoint(app)
