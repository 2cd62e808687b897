"""What every HTTP handler module uses: a configured resolver and the entrypoint (its log line, its headers)."""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from billing.http.access import enforce_access
from billing.http.body import request_json, text_body
from billing.http.errors import OnRefused, register_error_handlers
from billing.http.request_log import REQUEST_ID_HEADER, request_id, request_keys
from billing.observability import logger, metrics

__all__ = ["create_resolver", "entrypoint"]

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def create_resolver(on_refused: OnRefused | None = None) -> APIGatewayHttpResolver:
    """A resolver with the one error map. `on_refused` is called for each request answered with a 4xx."""
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=request_json)
    register_error_handlers(app, on_refused)
    # Every route: its declared access policy first (then, on routes that opt in, the Idempotency-Key header:
    # billing.http.routes.ApiRouter registers that middleware on those routes only).
    app.use(middlewares=[enforce_access])
    return app


def entrypoint(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda handler for a resolver: one structured log line per request (correlation id, route,
    principal, status, latency), X-Request-Id and nosniff on the response, metrics flushed."""

    # log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the Authorization header.
    @logger.inject_lambda_context(clear_state=True, log_event=False)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        started = time.perf_counter()
        # The correlation id is API Gateway's request id, read directly: a JMESPath query per request
        # (inject_lambda_context's correlation_id_path) costs more than the rest of the logging.
        logger.append_keys(correlation_id=request_id(event), **request_keys(event))
        response = app.resolve(read_body_as_json(text_body(event)), context)
        response["headers"] = {**(response.get("headers") or {}), **_response_headers(event)}
        if logger.log_level <= logging.INFO:  # the line's fields are not even built when it is not written
            latency_ms = round((time.perf_counter() - started) * 1000, 2)
            logger.info("request", extra={"status": response.get("statusCode"), "latency_ms": latency_ms})
        return response

    return settle_after_first_call(lambda_handler)


def settle_after_first_call(handler: Handler) -> Handler:
    """`handler`, moving what the container keeps for its whole life out of the garbage collector's view.

    A container lives for thousands of requests. Its imports (pydantic schemas, Powertools' routers) and
    what the first request builds (storage connection, services, validators) are never garbage, yet every
    full collection walks them all: a request that happens to trigger one pays milliseconds for it, which
    is most of a route's p99. So before the second call, once: a full collection frees what the first call
    left as garbage (a connection dropped in a reference cycle must still be closed; during the first call
    its traceback still holds it), and `gc.freeze()` puts everything left in the permanent generation.
    Later collections walk only what requests allocate.
    """
    calls = 0

    @functools.wraps(handler)
    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 2:
            gc.collect()
            gc.freeze()
        return handler(event, context)

    return handle


def _response_headers(event: dict[str, Any]) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff"}  # JSON is never to be sniffed into HTML
    correlation_id = request_id(event)
    if correlation_id:
        headers[REQUEST_ID_HEADER] = correlation_id
    return headers


def read_body_as_json(event: dict[str, Any]) -> dict[str, Any]:
    """The API speaks JSON only, so a body is read as JSON whatever its declared type.

    `curl -d '{...}'` labels its body application/x-www-form-urlencoded, and Powertools would then parse
    it as a form and report every field missing; a malformed body still gets the 400 "not valid JSON".
    """
    headers = event.get("headers") or {}
    if event.get("body") is None or "json" in headers.get("content-type", ""):
        return event
    return {**event, "headers": {**headers, "content-type": "application/json"}}
