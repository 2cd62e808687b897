"""POST /v1/api-keys — create a key for one customer (or an admin key): its secret is in this reply only."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.api_keys import CreateApiKeyRequest, CreatedApiKeyOut
from billing.observability import metrics

router = ApiRouter()


@router.post("/v1/api-keys", status_code=201)
@access(ADMIN)
@idempotent
def create_api_key(body: CreateApiKeyRequest) -> CreatedApiKeyOut:
    created = bootstrap.services().api_keys.create(customer_id=body.customer_id, name=body.name)
    metrics.add_metric(name="ApiKeysCreated", unit="Count", value=1)
    return CreatedApiKeyOut.of_new(created)


app = resolver_for(router)
lambda_handler = entrypoint(app)
