"""What every handler module uses: a configured resolver, the logger and metrics, and the entrypoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from billing.http.body import exact_json, text_body
from billing.http.errors import register_error_handlers

logger = Logger(service="billing")
metrics = Metrics(namespace="UsageBilling", service="billing")

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def create_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=exact_json)
    register_error_handlers(app)
    return app


def entrypoint(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda handler for a resolver: structured logs with the request context, metrics flushed."""

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(read_body_as_json(text_body(event)), context)

    return lambda_handler


def read_body_as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The API speaks JSON only, so a body is read as JSON whatever its declared type.

    `curl -d '{...}'` labels its body application/x-www-form-urlencoded, and Powertools would then parse
    it as a form and report every field missing; a malformed body still gets the 400 "not valid JSON".
    """
    headers = event.get("headers") or {}
    if event.get("body") is None or "json" in headers.get("content-type", ""):
        return event
    return {**event, "headers": {**headers, "content-type": "application/json"}}
