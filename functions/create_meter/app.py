"""POST /v1/meters — a meter: events of `event_type` become quantities of `feature` (409 when the feature has one)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent, request_key
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.meters import CreateMeterRequest, MeterOut

router = ApiRouter()


@router.post("/v1/meters", status_code=201)
@access(ADMIN)
@idempotent
def create_meter(body: CreateMeterRequest) -> MeterOut:
    meter = bootstrap.services().meters.create(
        feature=body.feature,
        event_type=body.event_type,
        value_property=body.value_property,
        filters=body.filters,
        request_key=request_key(),
    )
    return MeterOut.of(meter)


app = resolver_for(router)
lambda_handler = entrypoint(app)
