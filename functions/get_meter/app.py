"""GET /v1/meters/{feature} — the meter of a feature, 404 when it has none."""

from billing import bootstrap
from billing.http.app import create_resolver, entrypoint
from billing.http.metering import MeterOut

app = create_resolver()


@app.get("/v1/meters/<feature>")
def get_meter(feature: str) -> MeterOut:
    return MeterOut.of(bootstrap.services().meters.get(feature))


lambda_handler = entrypoint(app)
