"""GET /v1/health — public liveness check (no authorizer, no storage)."""

from billing.http.app import entrypoint
from billing.http.routes import PUBLIC, ApiRouter, resolver_for
from billing.http.schemas import HealthOut

router = ApiRouter()


@router.get("/v1/health", security=PUBLIC)
def health() -> HealthOut:
    return HealthOut(status="ok")


app = resolver_for(router)
lambda_handler = entrypoint(app)
