"""GET /v1/health — public health check: 200 when the storage reads and writes, else 503 saying why."""

from billing import bootstrap
from billing.http.access import PUBLIC, access
from billing.http.app import entrypoint
from billing.http.routes import UNAUTHENTICATED, ApiRouter, resolver_for
from billing.http.schemas.health import HealthOut

router = ApiRouter()


@router.get("/v1/health", security=UNAUTHENTICATED)
@access(PUBLIC)
def health() -> HealthOut:
    bootstrap.services().storage.check()  # StorageUnavailable → 503 with its reason
    return HealthOut(status="ok")


app = resolver_for(router)
lambda_handler = entrypoint(app)
