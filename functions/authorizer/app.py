"""HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses): Authorization: Bearer <key>.

The admin key (BILLING_ADMIN_API_KEY) or a stored key, found by its secret's hash; revoked keys are denied.
The principal {key_id, role, customer_id} goes to the handlers in the context. API Gateway caches the
answer per Authorization header for ReauthorizeEvery seconds (template.yaml), so on AWS a revoked key
keeps working for up to that long; the local gateway does not cache.
"""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from billing.domain.api_keys import ApiKey
from billing.http.authorizer import ApiKeyVerifier
from billing.observability import logger


def stored_key(secret_hash: str) -> ApiKey | None:
    # The composition root is imported on the first stored key's lookup, not at cold start: the admin key
    # needs no storage, and then only the API key service and the storage adapter load (no other service,
    # no resolver, no schemas).
    from billing import bootstrap

    return bootstrap.services().api_keys.authenticate(secret_hash)


@cache
def verifier() -> ApiKeyVerifier:
    if not os.environ.get("BILLING_ADMIN_API_KEY"):
        logger.warning("BILLING_ADMIN_API_KEY is not set: only stored API keys are accepted")
    return ApiKeyVerifier.from_admin_key(os.environ.get("BILLING_ADMIN_API_KEY"), lookup=stored_key)


# log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event's Authorization header is the key itself.
@logger.inject_lambda_context(clear_state=True, log_event=False)
@event_source(data_class=APIGatewayAuthorizerEventV2)
def lambda_handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    principal = verifier().verify(event.headers.get("authorization"))
    logger.info(
        "authorization",
        extra={
            "route": event.route_key,
            "allowed": principal is not None,
            "key_id": principal.key_id if principal else None,
            "role": principal.role if principal else None,
        },
    )
    context_out = principal.as_context() if principal else {}
    return APIGatewayAuthorizerResponseV2(authorize=principal is not None, context=context_out).asdict()
