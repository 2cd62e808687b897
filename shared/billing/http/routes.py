"""Routes are declared on an `ApiRouter`, one per function module; the function's resolver includes it.

    router = ApiRouter()

    @router.get("/v1/customers/<customer_id>")
    def get_customer(customer_id: str) -> CustomerOut: ...

    app = resolver_for(router)
    lambda_handler = entrypoint(app)

Declared that way, every route also joins the one OpenAPI document (billing.http.all_routes), which imports
each function module's `router`: the spec describes exactly the handlers' own declarations. ApiRouter
adds what every route of this API shares to each declaration: the success response (the return type,
with the route's `status_code`), the error responses (our error body, or the gateway's own message), and
bearer-key security unless the route is declared `security=UNAUTHENTICATED`. A route marked `@idempotent`
(billing.http.idempotency) gets the Idempotency-Key middleware as its own: the other routes never run it.

Drop-in routes (the OpenMeter, Lago and Stripe APIs) refuse in their vendor's envelope, not ours: their
router says so (`ApiRouter(refusals=Refusals(...))`), and their function builds its resolver with the
vendor's factory (`resolver_for(router, vendor.create_resolver)`), which keeps the vendor's error map. A
route that reads its body by hand (CloudEvents, a Stripe form) describes it with
`openapi_extensions=request_body({media type: body_content(model)})`.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, TypeAdapter

from billing.http.app import create_resolver
from billing.http.errors import OnRefused
from billing.http.idempotency import honour_idempotency_key, is_idempotent

BEARER = "bearerAuth"
# OpenAPI's "no authentication needed" requirement (an empty object); mark routes with Auth: Authorizer NONE.
UNAUTHENTICATED: list[dict[str, list[str]]] = [{}]
SECURED: list[dict[str, list[str]]] = [{BEARER: []}]


class _DocumentedModel(BaseModel):
    """Models the routes only name in the OpenAPI document: built when the document is, not at import."""

    model_config = ConfigDict(defer_build=True)


class ErrorField(_DocumentedModel):
    field: str
    message: str


class ErrorDetail(_DocumentedModel):
    code: str
    message: str
    fields: list[ErrorField] = []


class ErrorOut(_DocumentedModel):
    """Every 4xx our handlers answer: {"error": {"code", "message", "fields": [{"field", "message"}]}}."""

    error: ErrorDetail


class GatewayMessage(_DocumentedModel):
    """What API Gateway itself answers (401, 403, 404 for an unknown route, 413, 414): {"message": "..."}."""

    message: str


JSON = "application/json"


@dataclass(frozen=True)
class Refusals:
    """How a router's routes refuse: the body model, its media type, and each status the handlers (not the
    gateway) refuse with, described. Ours by default; a drop-in vendor's envelope on its routes. 403 (the
    route's access policy) is added to every route that needs a key."""

    model: type[BaseModel] = ErrorOut
    media_type: str = JSON
    statuses: Mapping[int, str] = field(
        default_factory=lambda: {
            HTTPStatus.BAD_REQUEST: "Invalid input; `fields` names each bad field",
            HTTPStatus.NOT_FOUND: "Unknown resource (our error body) or unknown route (the gateway's message)",
            HTTPStatus.CONFLICT: "The request conflicts with the resource's state",
        }
    )


OUR_REFUSALS = Refusals()


def _responses(status_code: int, *, public: bool, has_body: bool, refusals: Refusals) -> dict[int, Any]:
    gateway = {JSON: {"model": GatewayMessage}}
    responses: dict[int, Any] = {status_code: {"description": HTTPStatus(status_code).phrase}}  # the return type
    for status, description in refusals.statuses.items():
        if status == HTTPStatus.NOT_FOUND:  # an unknown route is the gateway's 404
            responses[status] = {"description": description, "content": _ours_or_gateways(refusals)}
        else:
            responses[status] = {
                "description": description,
                "content": {refusals.media_type: {"model": refusals.model}},
            }
    if has_body:
        responses[HTTPStatus.REQUEST_ENTITY_TOO_LARGE] = {"description": "Body over 1 MiB", "content": gateway}
    responses[HTTPStatus.REQUEST_URI_TOO_LONG] = {"description": "Request line over 16 KiB", "content": gateway}
    if not public:
        responses[HTTPStatus.UNAUTHORIZED] = {"description": "No Authorization header", "content": gateway}
        responses[HTTPStatus.FORBIDDEN] = {
            "description": "Key refused (the gateway's message), or the route's access policy refuses this key",
            "content": _ours_or_gateways(refusals),
        }
    return responses


def written_reply(model: Any, status: int = HTTPStatus.OK) -> dict[int, Any]:
    """The `responses=` of a route whose handler writes its reply's JSON itself (`json_reply`), declaring the
    reply's model for the OpenAPI document. Such a handler has no return annotation: Powertools would validate
    the reply and serialize it once more (and it cannot take a bare Response)."""
    return {status: {"description": HTTPStatus(status).phrase, "content": {JSON: {"model": model}}}}


def json_reply(document: Any, status: int = HTTPStatus.OK) -> Response:
    """A reply document of JSON values (what its reply model dumps, e.g. `IngestOut.document_of`) written as
    Powertools writes it (compact JSON), without building and validating the model: for replies built from
    typed domain values that hold thousands of items (a usage series, a batch's results)."""
    return Response(status, content_type=JSON, body=json.dumps(document, separators=(",", ":")))


def _ours_or_gateways(refusals: Refusals) -> dict[str, Any]:
    if refusals.media_type != JSON:
        return {refusals.media_type: {"model": refusals.model}, JSON: {"model": GatewayMessage}}
    return {JSON: {"schema": {"anyOf": [_ref(refusals.model), _ref(GatewayMessage)]}}}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def request_body(content: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The `openapi_extensions` of a route that reads its body by hand (Powertools documents typed bodies
    only): `{media type: body_content(...)}`."""
    return {"requestBody": {"required": True, "content": dict(content)}}


def body_content(body_type: Any, **media: Any) -> dict[str, Any]:
    """An OpenAPI media type object for a body a route reads by hand: the type's JSON schema with its
    definitions inlined (the document's components hold only what Powertools registers), plus `media`
    (e.g. `encoding`)."""
    schema = TypeAdapter(body_type).json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = definitions[node["$ref"].rsplit("/", 1)[-1]]
                return inline({**target, **{key: value for key, value in node.items() if key != "$ref"}})
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {"schema": inline(schema), **media}


class ApiRouter(Router):
    """A Powertools Router that declares this API's shared responses and security on every route."""

    def __init__(self, refusals: Refusals = OUR_REFUSALS) -> None:
        super().__init__()
        self.refusals = refusals

    def route(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        # Router.get/post/... pass every option positionally: bind them to route()'s own signature.
        call = _ROUTE_SIGNATURE.bind(self, *args, **kwargs)
        call.apply_defaults()
        options = call.arguments
        status_code = int(options["status_code"])
        public = options["security"] == UNAUTHENTICATED
        methods = {options["method"]} if isinstance(options["method"], str) else set(options["method"])
        has_body = bool(methods & {"POST", "PUT", "PATCH"})
        options["responses"] = {
            **_responses(status_code, public=public, has_body=has_body, refusals=self.refusals),
            **(options["responses"] or {}),
        }
        options["security"] = options["security"] or SECURED
        del options["self"]
        register = super().route

        def declare(function: Any) -> Any:
            if not is_idempotent(function):
                return register(**options)(function)
            # A route middleware runs after the resolver's own (the access policy), as the header must.
            middlewares = [*(options["middlewares"] or []), honour_idempotency_key]
            return register(**{**options, "middlewares": middlewares})(function)

        return declare


_ROUTE_SIGNATURE = inspect.signature(Router.route)


def resolver_for(
    router: ApiRouter,
    create: Callable[[], APIGatewayHttpResolver] | None = None,
    *,
    on_refused: OnRefused | None = None,
) -> APIGatewayHttpResolver:
    """The function's own resolver (validation, the error map, the access middleware) with its route.
    `create` builds the resolver: ours by default, or a drop-in vendor's (its own error map); `on_refused` is
    called for each request our error map answers with a 4xx."""
    app = create() if create is not None else create_resolver(on_refused)
    app.include_router(router)
    return app
