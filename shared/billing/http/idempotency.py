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
- A route that answers something never to be stored (an API key's secret) says what a retry answers
  instead, `@idempotent(replay=...)`: the record holds that refusal, not the reply.
- The record and the write it guards are two writes, so the write is made safe to run twice: the route
  passes `request_key()` to its service, which derives the new object's id from it and, when that object
  exists (an earlier attempt wrote it and then its record was lost), returns it instead of writing again;
  the reply then carries `Idempotent-Replayed: true` too. When only the success record cannot be saved, the
  client gets the route's real reply (the object was made), not a 503 that would invite a second write.
- Records live 24 hours, on the active storage backend (Services.idempotency, chosen by bootstrap).
- Without the header the route runs as before.

Powertools' idempotency errors become this module's errors (and storage failures StorageUnavailable),
which the one error map (billing.http.errors) turns into responses. Powertools' idempotency package
imports boto3 on import, so it is only imported when a request carries the header: functions on SQLite
do not pay boto3's import at cold start.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache, partial
from typing import TYPE_CHECKING, Any, TypeVar, overload

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.shared.json_encoder import Encoder

from billing import bootstrap
from billing.domain.errors import BillingError, Conflict, InvalidInput, RequestKeyReused, StorageUnavailable
from billing.domain.request_keys import RequestKey
from billing.http.access import principal_of
from billing.http.errors import domain_error_response
from billing.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
EXPIRES_AFTER_SECONDS = 24 * 60 * 60
IDEMPOTENT_ATTRIBUTE = "__idempotent__"
REPLAY_ATTRIBUTE = "__idempotent_replay__"

F = TypeVar("F", bound=Callable[..., Any])
Replay = Callable[[Any], BillingError]  # the first reply's JSON document -> what a retry answers instead

_current_key: ContextVar[RequestKey | None] = ContextVar("request_key", default=None)

# What the resolver would serialize a route's return value with (Powertools' default serializer).
_serialize = partial(json.dumps, separators=(",", ":"), cls=Encoder)


class IdempotencyKeyInProgress(Conflict):
    """The first request with this key is still running."""

    code = "idempotency_key_in_progress"

    def __init__(self) -> None:
        super().__init__(f"a request with this {HEADER} is still in progress; retry shortly", field=HEADER)


@overload
def idempotent(function: F, /) -> F: ...
@overload
def idempotent(*, replay: Replay) -> Callable[[F], F]: ...
def idempotent(function: F | None = None, /, *, replay: Replay | None = None) -> F | Callable[[F], F]:
    """Honour the Idempotency-Key header on this route (put it under the route decorator). With `replay`, a
    retry answers the error it makes of the first reply, and that reply is never stored."""

    def mark(route: F) -> F:
        setattr(route, IDEMPOTENT_ATTRIBUTE, True)
        setattr(route, REPLAY_ATTRIBUTE, replay)
        return route

    return mark(function) if function is not None else mark


def request_key() -> RequestKey | None:
    """This request's key for the service it calls (None without the header): see the module's docstring."""
    return _current_key.get()


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
    replay: Replay | None = getattr(route.func, REPLAY_ATTRIBUTE, None)
    this_key = RequestKey(_digest(data["key"], event.raw_path))

    def run_route(request: dict[str, Any]) -> dict[str, Any]:
        token = _current_key.set(this_key)
        try:
            response = next_middleware(app)
        finally:
            _current_key.reset(token)
        if this_key.replayed:
            response.headers[REPLAYED_HEADER] = "true"
        first.append(response)
        return _stored(response if replay is None else domain_error_response(replay(_document(response))))

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
        raise RequestKeyReused() from None
    except (IdempotencyAlreadyInProgressError, IdempotencyInconsistentStateError):
        raise IdempotencyKeyInProgress() from None
    except IdempotencyPersistenceLayerError as error:
        if first:  # the route did its write and answered; only the record of its reply was lost
            logger.warning(
                "idempotency record not saved: a retry runs the route again and finds what this request made",
                extra={"reason": str(error.__cause__ or error)},
            )
            return first[0]
        raise StorageUnavailable(f"idempotency records cannot be read or written: {error}") from error
    return first[0] if first else _replayed(result)


def _digest(key: dict[str, str], path: str) -> str:
    return hashlib.sha256(json.dumps([key, path], sort_keys=True).encode()).hexdigest()


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


def _document(response: Response) -> Any:
    body = response.body
    return json.loads(body) if isinstance(body, str | bytes) else body


def _replayed(stored: dict[str, Any]) -> Response:
    return Response(
        status_code=int(stored["status_code"]),
        content_type=stored.get("content_type"),
        body=stored.get("body"),
        headers={REPLAYED_HEADER: "true"},
    )
