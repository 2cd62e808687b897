"""DELETE /v1/api-keys/{key_id} — revoke a key (repeatable). Local: refused from the next request on; on AWS
up to the authorizer cache's TTL later (template.yaml: ReauthorizeEvery)."""

from billing import bootstrap
from billing.http.access import ADMIN, access
from billing.http.app import entrypoint
from billing.http.routes import ApiRouter, resolver_for
from billing.http.schemas.api_keys import ApiKeyOut
from billing.observability import metrics

router = ApiRouter()


@router.delete("/v1/api-keys/<key_id>")
@access(ADMIN)
def revoke_api_key(key_id: str) -> ApiKeyOut:
    key = bootstrap.services().api_keys.revoke(key_id)
    metrics.add_metric(name="ApiKeysRevoked", unit="Count", value=1)
    return ApiKeyOut.of(key)


app = resolver_for(router)
lambda_handler = entrypoint(app)
