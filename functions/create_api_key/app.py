"""POST /v1/api-keys — create a key for one customer (or an admin key): its secret is in this reply only."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.api_key_schemas import CreateApiKeyRequest, CreatedApiKeyOut
from billing.http.app import create_resolver, entrypoint, metrics
from billing.http.idempotency import idempotent

app = create_resolver()


@app.post("/v1/api-keys")
@access(ADMIN)
@idempotent
def create_api_key(body: CreateApiKeyRequest) -> tuple[CreatedApiKeyOut, int]:
    created = bootstrap.services().api_keys.create(customer_id=body.customer_id, name=body.name)
    metrics.add_metric(name="ApiKeysCreated", unit="Count", value=1)
    return CreatedApiKeyOut.of_new(created), 201


lambda_handler = entrypoint(app)
