"""POST /v1/api-keys — create a key for one customer (or an admin key): its secret is in this reply only.

A retry with the same Idempotency-Key answers 409 naming the key it made: the secret is stored nowhere, not
even in the idempotency record, so it cannot be shown again."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.idempotency import idempotent, request_key
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.api_keys import CreateApiKeyRequest, CreatedApiKeyOut
from billing.observability import metrics
from billing.services.api_keys import ApiKeyAlreadyCreated

router = ApiRouter()


@router.post("/v1/api-keys", status_code=201)
@access(ADMIN)
@idempotent(replay=lambda created: ApiKeyAlreadyCreated(created["id"]))
def create_api_key(body: CreateApiKeyRequest) -> CreatedApiKeyOut:
    created = bootstrap.services().api_keys.create(
        customer_id=body.customer_id, name=body.name, request_key=request_key()
    )
    metrics.add_metric(name="ApiKeysCreated", unit="Count", value=1)
    return CreatedApiKeyOut.of_new(created)


app = resolver_for(router)
lambda_handler = entrypoint(app)
