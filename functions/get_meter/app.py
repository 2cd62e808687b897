"""GET /v1/meters/{feature} — the meter of a feature, 404 when it has none."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.meters import MeterOut

router = ApiRouter()


@router.get("/v1/meters/<feature>")
@access(ADMIN)
def get_meter(feature: str) -> MeterOut:
    return MeterOut.of(bootstrap.services().meters.get(feature))


app = resolver_for(router)
lambda_handler = entrypoint(app)
