"""HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses): Authorization: Bearer <key>."""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes import event_source
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerResponseV2,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from billing.auth import ApiKeyVerifier
from billing.http.app import logger


@cache
def verifier() -> ApiKeyVerifier:
    if not os.environ.get("BILLING_ADMIN_API_KEY"):
        logger.error("BILLING_ADMIN_API_KEY is not set: every request is denied")
    return ApiKeyVerifier.from_admin_key(os.environ.get("BILLING_ADMIN_API_KEY"))


@logger.inject_lambda_context(clear_state=True)
@event_source(data_class=APIGatewayAuthorizerEventV2)
def lambda_handler(event: APIGatewayAuthorizerEventV2, context: LambdaContext) -> dict[str, Any]:
    principal = verifier().verify(event.headers.get("authorization"))
    logger.info("authorization", extra={"route": event.route_key, "allowed": principal is not None})
    context_out = principal.as_context() if principal else {}
    return APIGatewayAuthorizerResponseV2(authorize=principal is not None, context=context_out).asdict()
