"""Handlers of the meter, /v1/events and drop-in routes, called as Lambda does with events from the one
builder (local_gateway.events), raw bodies and content types included, against a temporary SQLite file."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from billing.http.authorizer import ADMIN, Principal

from local_gateway.events import http_event

SEPTEMBER = ("2025-09-01T00:00:00Z", "2025-10-01T00:00:00Z")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    text: str | None

    @property
    def body(self) -> Any:
        return json.loads(self.text) if self.text else None


class Api:
    """Calls a function's handler as API Gateway does, with the authorizer's context for `principal`."""

    def __init__(self, context, principal: Principal = ADMIN) -> None:
        self._context = context
        self._principal = principal

    def as_key(self, principal: Principal) -> Api:
        """The same API called with another key (a customer's)."""
        return Api(self._context, principal)

    def __call__(
        self,
        function: str,
        route: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        principal: Principal | None = None,
    ) -> Reply:
        method = route.split(maxsplit=1)[0]
        event = http_event(
            method,
            path,
            route_key=route,
            body=body,
            headers={"authorization": "Bearer test-key", **(headers or {})},
            authorizer_context=(principal or self._principal).as_context(),
        )
        reply = importlib.import_module(f"functions.{function}.app").lambda_handler(event, self._context)
        return Reply(
            reply["statusCode"], {k.lower(): v for k, v in reply.get("headers", {}).items()}, reply.get("body")
        )


@pytest.fixture
def api(injected_services, lambda_context) -> Api:
    return Api(lambda_context)


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
    from datetime import datetime

    start, end = (datetime.fromisoformat(moment) for moment in SEPTEMBER)

    def read(customer_id: str) -> dict[str, Decimal]:
        return {u.feature: u.quantity for u in injected_services.usage.totals(customer_id, start, end)}

    return read
