"""GET /v1/health — public liveness check (no authorizer, no storage)."""

from billing.http.access import PUBLIC, access
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import HealthOut

app = create_resolver()


@app.get("/v1/health")
@access(PUBLIC)
def health() -> HealthOut:
    return HealthOut(status="ok")


lambda_handler = entrypoint(app)
