"""What a request's log line says of it: the request's facts, read from the API Gateway event.

One JSON line per request (`message: "request"`), written by the entrypoint (billing.http.app) with the one
logger (billing.observability), carries: `correlation_id` (API Gateway's requestContext.requestId, also sent
back as X-Request-Id), `route`, `principal` (who the authorizer let in, never a key or a secret), `status`
and `latency_ms`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

REQUEST_ID_HEADER = "X-Request-Id"
# What of the authorizer's context describes the caller. A key's secret or hash is never in the context, and
# only these names are logged even if one day it were.
PRINCIPAL_FIELDS = ("key_id", "role", "customer_id")


def request_id(event: Mapping[str, Any]) -> str | None:
    return (event.get("requestContext") or {}).get("requestId")


def authorizer_context(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """What the Lambda authorizer put in the request (requestContext.authorizer.lambda), if anything."""
    context = ((event.get("requestContext") or {}).get("authorizer") or {}).get("lambda")
    return context if isinstance(context, dict) else None


def principal(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The caller as the Lambda authorizer described it, if any."""
    context = authorizer_context(event)
    if context is None:
        return None
    return {name: context[name] for name in PRINCIPAL_FIELDS if name in context}


def request_keys(event: Mapping[str, Any]) -> dict[str, Any]:
    """The keys every log line of this request carries besides the correlation id."""
    keys: dict[str, Any] = {"route": event.get("routeKey")}
    caller = principal(event)
    if caller is not None:
        keys["principal"] = caller
    return keys


def events_in_body(event: Mapping[str, Any]) -> int:
    """How many events a (refused) batch request carried: the length of its `events` list, 0 when unreadable."""
    body = event.get("body")
    if not isinstance(body, str) or event.get("isBase64Encoded"):
        return 0
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return 0
    events = document.get("events") if isinstance(document, dict) else None
    return len(events) if isinstance(events, list) else 0
