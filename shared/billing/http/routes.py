"""Routes are declared on an `ApiRouter`, one per function module; the function's resolver includes it.

    router = ApiRouter()

    @router.get("/v1/customers/<customer_id>")
    def get_customer(customer_id: str) -> CustomerOut: ...

    app = resolver_for(router)
    lambda_handler = entrypoint(app)

Declared that way, every route also joins the one OpenAPI document (billing.http.openapi), which imports
each function module's `router`: the spec describes exactly the handlers' own declarations. ApiRouter
adds what every route of this API shares to each declaration: the success response (the return type,
with the route's `status_code`), the error responses (our error body, or the gateway's own message), and
bearer-key security unless the route is declared `security=PUBLIC`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel

from billing.http.app import create_resolver

BEARER = "bearerAuth"
# OpenAPI's "no authentication needed" requirement (an empty object); mark routes with Auth: Authorizer NONE.
PUBLIC: list[dict[str, list[str]]] = [{}]
SECURED: list[dict[str, list[str]]] = [{BEARER: []}]


class ErrorField(BaseModel):
    field: str
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: list[ErrorField] = []


class ErrorOut(BaseModel):
    """Every 4xx our handlers answer: {"error": {"code", "message", "fields": [{"field", "message"}]}}."""

    error: ErrorDetail


class GatewayMessage(BaseModel):
    """What API Gateway itself answers (401, 403, 404 for an unknown route, 413): {"message": "..."}."""

    message: str


def _responses(status_code: int, *, public: bool, has_body: bool) -> dict[int, Any]:
    error = {"application/json": {"model": ErrorOut}}
    gateway = {"application/json": {"model": GatewayMessage}}
    responses: dict[int, Any] = {
        status_code: {"description": HTTPStatus(status_code).phrase},  # the return type's schema
        HTTPStatus.BAD_REQUEST: {"description": "Invalid input; `fields` names each bad field", "content": error},
        HTTPStatus.NOT_FOUND: {
            "description": "Unknown resource (our error body) or unknown route (the gateway's message)",
            "content": {"application/json": {"schema": {"anyOf": [_ref(ErrorOut), _ref(GatewayMessage)]}}},
        },
        HTTPStatus.CONFLICT: {"description": "The request conflicts with the resource's state", "content": error},
    }
    if has_body:
        responses[HTTPStatus.REQUEST_ENTITY_TOO_LARGE] = {"description": "Body over 1 MiB", "content": gateway}
    if not public:
        responses[HTTPStatus.UNAUTHORIZED] = {"description": "No Authorization header", "content": gateway}
        responses[HTTPStatus.FORBIDDEN] = {"description": "Key refused", "content": gateway}
    return responses


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


class ApiRouter(Router):
    """A Powertools Router that declares this API's shared responses and security on every route."""

    def route(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        # Router.get/post/... pass every option positionally: bind them to route()'s own signature.
        call = _ROUTE_SIGNATURE.bind(self, *args, **kwargs)
        call.apply_defaults()
        options = call.arguments
        status_code = int(options["status_code"])
        public = options["security"] == PUBLIC
        methods = {options["method"]} if isinstance(options["method"], str) else set(options["method"])
        has_body = bool(methods & {"POST", "PUT", "PATCH"})
        options["responses"] = {
            **_responses(status_code, public=public, has_body=has_body),
            **(options["responses"] or {}),
        }
        options["security"] = options["security"] or SECURED
        del options["self"]
        return super().route(**options)


_ROUTE_SIGNATURE = inspect.signature(Router.route)


def resolver_for(router: ApiRouter) -> APIGatewayHttpResolver:
    """The function's own resolver: validation, the error map, and its route."""
    app = create_resolver()
    app.include_router(router)
    return app
