"""The one handler harness: call `functions.<name>.app.lambda_handler(event, context)` as Lambda does, with
payload-2.0 events from the one builder (local_gateway.events, as the local gateway does), raw bodies and
content types included, against the root conftest's services (a temporary SQLite file, a clock frozen at NOW).

    reply = api("get_customer", "GET /v1/customers/{customer_id}", f"/v1/customers/{customer_id}")
    assert (reply.status, reply.body["id"]) == (200, customer_id)

`api` calls with the admin key's authorizer context; `api.as_key(principal)` with a customer's key, or with
none (`as_key(None)`: no Authorization header, no context, as a public route receives).
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from billing.bootstrap import Services
from billing.http.authorizer import ADMIN, Principal

from local_gateway.events import http_event
from tests.conftest import FROZEN_NOW as NOW
from tests.conftest import LambdaContext

SEPTEMBER = ("2025-09-01T00:00:00Z", "2025-10-01T00:00:00Z")


def handler(function: str) -> Any:
    return importlib.import_module(f"functions.{function}.app").lambda_handler


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names lower-cased
    text: str | None

    @property
    def body(self) -> Any:
        return json.loads(self.text) if self.text else None

    def error_fields(self) -> list[str]:
        return [item["field"] for item in self.body["error"].get("fields", [])]


class Api:
    """Calls a function's handler as API Gateway does for `route` ("GET /v1/customers/{customer_id}") and
    `path` (the concrete path, which may carry a ?query), with the authorizer's context for this API's key."""

    def __init__(self, services: Services, context: LambdaContext, principal: Principal | None = ADMIN) -> None:
        self.services = services
        self._context = context
        self._principal = principal

    def as_key(self, principal: Principal | None) -> Api:
        """The same API called with another key (a customer's), or with none."""
        return Api(self.services, self._context, principal)

    def __call__(
        self,
        function: str,
        route: str,
        path: str,
        body: Any = None,
        *,
        query: Any = None,
        headers: dict[str, str] | None = None,
        principal: Principal | None = None,  # this call only; default: this API's key
    ) -> Reply:
        method, template = route.split(" ", 1)
        caller = principal or self._principal
        key = {"authorization": "Bearer test-key"} if caller is not None else {}
        event = http_event(
            method,
            path,
            route_key=route,
            body=body,
            query=query,
            headers={**key, **(headers or {})},
            path_parameters=_path_parameters(template, path) or None,
            authorizer_context=caller.as_context() if caller is not None else None,
            now=NOW,
        )
        reply = handler(function)(event, self._context)
        headers_out = {name.lower(): value for name, value in (reply.get("headers") or {}).items()}
        return Reply(reply["statusCode"], headers_out, reply.get("body"))


def _path_parameters(template: str, path: str) -> dict[str, str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    match = re.fullmatch(pattern, path.split("?", 1)[0])
    assert match, f"{path} does not match {template}"
    return match.groupdict()


@pytest.fixture
def api(injected_services: Services, lambda_context: LambdaContext) -> Api:
    return Api(injected_services, lambda_context)


@pytest.fixture
def acme(injected_services):
    return injected_services.customers.create(name="Acme", email="ops@acme.example", external_id="acme-1")


@pytest.fixture
def meters(injected_services):
    """api_calls (1 per request), api_calls_eu (requests with region eu), tokens (sum of usage.tokens),
    and a Stripe-style meter reading `value`."""
    services = injected_services
    services.meters.create(feature="api_calls", event_type="request")
    services.meters.create(feature="api_calls_eu", event_type="request", filters={"region": ["eu"]})
    services.meters.create(feature="tokens", event_type="prompt", value_property="usage.tokens")
    services.meters.create(feature="emails", event_type="email_sent", value_property="value")
    return services.meters


@pytest.fixture
def usage(injected_services):
    """A customer's September totals, {feature: Decimal}."""
    start, end = (datetime.fromisoformat(moment) for moment in SEPTEMBER)

    def read(customer_id: str) -> dict[str, Decimal]:
        return {u.feature: u.quantity for u in injected_services.usage.totals(customer_id, start, end)}

    return read
