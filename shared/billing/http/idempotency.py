"""The Idempotency-Key header on routes that create something, with Powertools' idempotency utility.

Opt a route in with one line under its route decorator:

    @app.post("/v1/customers")
    @access(ADMIN)
    @idempotent
    def create_customer(body: CreateCustomerRequest) -> tuple[CustomerOut, int]: ...

`honour_idempotency_key`, a middleware of the routes so marked (billing.http.routes.ApiRouter registers it
on them, after the access policy), then wraps the route in `idempotent_function`:

- The record's key is (principal's key id, route, header value), hashed: a customer's key cannot replay
  or collide with another key's requests, and one key may be used on two routes independently.
- The payload is (path, query, body): the same key with another request is refused with **422**
  (`idempotency_key_reused`): the request is well-formed but cannot be processed with this key, as the
  IETF draft "The Idempotency-Key HTTP Header Field" recommends; 409 is kept for a retry that arrives
  while the first request is still running (`idempotency_key_in_progress`), so a client can tell
  "wait and retry" from "you sent something else".
- A retry gets the first response (status and body) back with `Idempotent-Replayed: true`; nothing is
  created again. A request that failed (an error raised) leaves no record: its retry runs anew.
- Records live 24 hours, on the active storage backend (Services.idempotency, chosen by bootstrap).
- Without the header the route runs as before.

Powertools' idempotency errors become this module's errors (and storage failures StorageUnavailable),
which the one error map (billing.http.errors) turns into responses. Powertools' idempotency package
imports boto3 on import, so it is only imported when a request carries the header: functions on SQLite
do not pay boto3's import at cold start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache, partial
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.shared.json_encoder import Encoder

from billing import bootstrap
from billing.domain.errors import BillingError, Conflict, InvalidInput, StorageUnavailable
from billing.http.access import principal_of

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
EXPIRES_AFTER_SECONDS = 24 * 60 * 60
IDEMPOTENT_ATTRIBUTE = "__idempotent__"

F = TypeVar("F", bound=Callable[..., Any])

# What the resolver would serialize a route's return value with (Powertools' default serializer).
_serialize = partial(json.dumps, separators=(",", ":"), cls=Encoder)


class IdempotencyKeyReused(BillingError):
    """The key was used before with another request (path, query or body)."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            f"this {HEADER} was already used with a different request; send a new key for a new request",
            field=HEADER,
        )


class IdempotencyKeyInProgress(Conflict):
    """The first request with this key is still running."""

    code = "idempotency_key_in_progress"

    def __init__(self) -> None:
        super().__init__(f"a request with this {HEADER} is still in progress; retry shortly", field=HEADER)


def idempotent(function: F) -> F:
    """Honour the Idempotency-Key header on this route (put it under the route decorator)."""
    setattr(function, IDEMPOTENT_ATTRIBUTE, True)
    return function


def is_idempotent(function: Callable[..., Any]) -> bool:
    return bool(getattr(function, IDEMPOTENT_ATTRIBUTE, False))


def _mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    return {**response, "replayed": True}


@cache
def _config() -> IdempotencyConfig:
    """One config for the process's one store (Powertools configures a store from its first config only)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        response_hook=_mark_replayed,
    )


def honour_idempotency_key(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
    route = app.context["_route"]
    event = app.current_event
    key = event.headers.get(HEADER)
    if key is None:
        return next_middleware(app)
    _check_key(key)
    principal = principal_of(app)
    data = {
        "key": {
            "principal": principal.key_id if principal else "",
            "route": f"{route.method} {route.path}",
            "idempotency_key": key,
        },
        "request": {
            "path": event.raw_path,
            "query": dict(sorted((event.query_string_parameters or {}).items())),
            "body": _body(app),
        },
    }
    first: list[Response] = []

    def run_route(request: dict[str, Any]) -> dict[str, Any]:
        response = next_middleware(app)
        first.append(response)
        return _stored(response)

    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyInconsistentStateError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    config = _config()
    if app.lambda_context is not None:
        config.register_lambda_context(app.lambda_context)  # a crashed request's lock ends with its timeout
    once = idempotent_function(
        run_route,
        data_keyword_argument="request",
        persistence_store=bootstrap.services().idempotency,
        config=config,
        key_prefix="idempotency",
    )
    try:
        result = once(request=data)
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise IdempotencyKeyInProgress() from None
    except IdempotencyPersistenceLayerError as error:
        raise StorageUnavailable(f"idempotency records cannot be read or written: {error}") from error
    return first[0] if first else _replayed(result)


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise InvalidInput(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID is a good key)",
            field=HEADER,
        )


def _body(app: APIGatewayHttpResolver) -> Any:
    raw = app.current_event.decoded_body
    if not raw:
        return None
    try:
        return app.current_event.json_body  # parsed as the route parsed it: Decimal numbers
    except ValueError:
        return raw


def _stored(response: Response) -> dict[str, Any]:
    body = response.body
    if isinstance(body, bytes):
        body = body.decode()
    elif not isinstance(body, str) and body is not None:
        body = _serialize(body)
    return {"status_code": response.status_code, "content_type": response.content_type, "body": body}


def _replayed(stored: dict[str, Any]) -> Response:
    return Response(
        status_code=int(stored["status_code"]),
        content_type=stored.get("content_type"),
        body=stored.get("body"),
        headers={REPLAYED_HEADER: "true"},
    )


def request_key(app: BaseRouter) -> str | None:
    """The caller's key id and its Idempotency-Key header, when it sent one: what names the thing a retried
    request must find again instead of making anew (a billing run: billing.domain.billing_runs.run_id_for_request),
    for the retry that runs anew because its first attempt failed or died and left no idempotency record."""
    key = app.current_event.headers.get(HEADER)
    if key is None:
        return None
    principal = principal_of(app)
    return json.dumps([principal.key_id if principal else "", key])
