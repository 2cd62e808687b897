"""POST /v1/meters — a meter: events of `event_type` become quantities of `feature` (409 when the feature has one)."""

from billing import bootstrap
from billing.http.app import create_resolver, entrypoint
from billing.http.metering import CreateMeterRequest, MeterOut

app = create_resolver()


@app.post("/v1/meters")
def create_meter(body: CreateMeterRequest) -> tuple[MeterOut, int]:
    meter = bootstrap.services().meters.create(
        feature=body.feature, event_type=body.event_type, value_property=body.value_property, filters=body.filters
    )
    return MeterOut.of(meter), 201


lambda_handler = entrypoint(app)
