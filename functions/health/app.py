"""GET /v1/health — public health check: 200 when the storage reads and writes, else 503 saying why."""

from billing import bootstrap
from billing.http.app import create_resolver, entrypoint
from billing.http.schemas import HealthOut

app = create_resolver()


@app.get("/v1/health")
def health() -> HealthOut:
    bootstrap.services().storage.check()  # StorageUnavailable → 503 with its reason
    return HealthOut(status="ok")


lambda_handler = entrypoint(app)
