"""Who may call which route: one policy per route, declared next to it, enforced here for every route.

    @app.get("/v1/customers/<customer_id>")
    @access(OWN_CUSTOMER)
    def get_customer(customer_id: str) -> CustomerOut: ...

The authorizer puts the principal (billing.http.authorizer.Principal) in the request; `enforce_access`, a middleware
every resolver runs (billing.http.app.create_resolver), checks the route's policy before the route runs:

- PUBLIC: anyone (routes without an authorizer: health, docs).
- ANY_KEY: any valid key (whoami).
- ADMIN: admin keys only; a customer key gets 403.
- OWN_CUSTOMER / own_customer(where, name): admin keys, or the customer key whose customer_id is the
  request's customer (path parameter, query parameter or body field); another customer's key gets 403.
- owned(name, owner): admin keys, or the customer key that owns the resource the path names (an
  invoice, a plan); anyone else gets 404, as if it did not exist.
- own_events(customers_named): routes whose events each name their customer (POST /v1/events, the
  drop-in routes): admin keys, or a customer key when every event names its own customer (by id or by
  its external id); one event naming another customer refuses the whole request with 403.

A route that declares no policy is refused to everyone (fail closed), and tests/e2e's access matrix fails
for it. Request validation (400) runs before this check: a 400 names fields of what the caller sent, never
stored data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from billing import bootstrap
from billing.domain.errors import Forbidden, ForeignEvent, NotFound
from billing.http.authorizer import Principal
from billing.http.request_log import authorizer_context

POLICY_ATTRIBUTE = "__access_policy__"

F = TypeVar("F", bound=Callable[..., Any])


class Policy:
    """Decides whether `principal` may make this request; raises Forbidden or NotFound if not."""

    name = "policy"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class RouteRequest:
    """What a policy may read of the request. Built for every request, so the query is copied, and the body
    parsed, only when a policy reads them."""

    __slots__ = ("_query", "arguments", "event", "path_parameters")

    def __init__(
        self,
        path_parameters: Mapping[str, Any],
        event: APIGatewayProxyEventV2,
        arguments: Mapping[str, Any] | None = None,  # the route's validated arguments (`body`)
        query: Mapping[str, str] | None = None,  # read from the event when not given
    ) -> None:
        self.path_parameters = path_parameters
        self.event = event
        self.arguments = arguments if arguments is not None else {}
        self._query = query

    @property
    def query(self) -> Mapping[str, str]:
        if self._query is None:
            self._query = dict(self.event.query_string_parameters or {})
        return self._query

    def body_field(self, name: str) -> Any:
        try:
            body = json.loads(self.event.body or "null")
        except ValueError:
            return None
        return body.get(name) if isinstance(body, dict) else None


def _authenticated(principal: Principal | None) -> Principal:
    if principal is None:
        raise Forbidden("this route needs an API key")
    return principal


class _Public(Policy):
    name = "public"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        return None


class _AnyKey(Policy):
    name = "any_key"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        _authenticated(principal)


class _Admin(Policy):
    name = "admin"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        if not _authenticated(principal).is_admin:
            raise Forbidden("this route needs an admin key")


Where = Literal["path", "query", "body"]


@dataclass(frozen=True, repr=False)
class OwnCustomer(Policy):
    """The request names a customer (path, query or body); a customer key may only name its own."""

    where: Where = "path"
    param: str = "customer_id"

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"own_customer({self.where}.{self.param})"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        principal = _authenticated(principal)
        if principal.is_admin:
            return
        if self.where == "path":
            named = request.path_parameters.get(self.param)
        elif self.where == "query":
            named = request.query.get(self.param)
        else:
            named = request.body_field(self.param)
        if not principal.may_act_for(named if isinstance(named, str) else None):
            raise Forbidden(f"this key may only use its own customer's {self.param}", field=self.param)


@dataclass(frozen=True, repr=False)
class Owned(Policy):
    """The path names a resource; a customer key sees it only if `allowed(principal, id)` (else 404)."""

    param: str
    allowed: Callable[[Principal, str], bool]
    kind: str

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"owned({self.kind})"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        principal = _authenticated(principal)
        if principal.is_admin:
            return
        resource_id = request.path_parameters.get(self.param, "")
        try:
            allowed = self.allowed(principal, resource_id)
        except NotFound:
            allowed = False
        if not allowed:
            raise NotFound(f"{self.kind} {resource_id!r} does not exist")


CustomerNamed = tuple[str | None, str | None]  # how an event names its customer: (our id, external id)


@dataclass(frozen=True, repr=False)
class OwnEvents(Policy):
    """Each event of the request names its customer, by our id or by the customer's external id (as drop-in
    clients do); a customer key may only send events naming its own customer. One event naming another
    customer, or one that does not exist, refuses the whole request with 403 (ForeignEvent, which names the
    event) before anything is stored. `customers_named` reads them from the request, validated."""

    customers_named: Callable[[RouteRequest], Iterable[CustomerNamed]]
    name = "own_events"

    def check(self, principal: Principal | None, request: RouteRequest) -> None:
        principal = _authenticated(principal)
        if principal.is_admin:
            return
        assert principal.customer_id is not None  # a customer principal
        own = bootstrap.services().customers.get(principal.customer_id)
        for index, (customer_id, external_id) in enumerate(self.customers_named(request)):
            if customer_id is not None and customer_id != own.id:
                raise ForeignEvent(index, "customer_id")
            if customer_id is None and (external_id is None or external_id != own.external_id):
                raise ForeignEvent(index, "external_customer_id")


PUBLIC: Policy = _Public()
ANY_KEY: Policy = _AnyKey()
ADMIN: Policy = _Admin()
OWN_CUSTOMER: Policy = OwnCustomer("path", "customer_id")


def own_customer(where: Where, param: str = "customer_id") -> Policy:
    return OwnCustomer(where, param)


def owned(param: str, kind: str, allowed: Callable[[Principal, str], bool]) -> Policy:
    return Owned(param, allowed, kind)


def own_events(customers_named: Callable[[RouteRequest], Iterable[CustomerNamed]]) -> Policy:
    return OwnEvents(customers_named)


def _invoice_is_theirs(principal: Principal, invoice_id: str) -> bool:
    return bootstrap.services().invoices.get(invoice_id).customer_id == principal.customer_id


def _plan_is_theirs(principal: Principal, plan_id: str) -> bool:
    assert principal.customer_id is not None  # a customer principal
    return bootstrap.services().customers.get(principal.customer_id).plan_id == plan_id


OWN_INVOICE = owned("invoice_id", "invoice", _invoice_is_theirs)
OWN_PLAN = owned("plan_id", "plan", _plan_is_theirs)  # a customer may read the plan it is on


def access(policy: Policy) -> Callable[[F], F]:
    """Declare the route's policy (put it under the route decorator). The function is returned as is."""

    def declare(function: F) -> F:
        setattr(function, POLICY_ATTRIBUTE, policy)
        return function

    return declare


def policy_of(function: Callable[..., Any]) -> Policy | None:
    return getattr(function, POLICY_ATTRIBUTE, None)


def principal_of(app: BaseRouter) -> Principal | None:
    """The principal the authorizer put in the current request (None on public routes)."""
    return Principal.from_context(authorizer_context(app.current_event.raw_event))


def enforce_access(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
    route = app.context.get("_route")
    function = getattr(route, "func", None)
    if function is None or getattr(function, "__name__", "") == "not_found_handler":
        return next_middleware(app)  # Powertools' stand-in route when nothing matched: our 404
    policy = policy_of(function)
    if policy is None:
        raise Forbidden(f"route {getattr(route, 'method', '')} {getattr(route, 'path', '')} declares no access policy")
    arguments = app.context.get("_route_args") or {}  # validated by now: request validation runs first
    policy.check(principal_of(app), RouteRequest(arguments, app.current_event, arguments))
    return next_middleware(app)


__all__ = [
    "ADMIN",
    "ANY_KEY",
    "OWN_CUSTOMER",
    "OWN_INVOICE",
    "OWN_PLAN",
    "PUBLIC",
    "CustomerNamed",
    "OwnEvents",
    "Policy",
    "RouteRequest",
    "access",
    "enforce_access",
    "own_customer",
    "own_events",
    "owned",
    "policy_of",
    "principal_of",
]
