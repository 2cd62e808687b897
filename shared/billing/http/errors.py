"""The one map from errors to HTTP responses. Every error body has the same shape:

{"error": {"code": "validation_error", "message": "...", "fields": [{"field": "events[3].quantity", "message": "..."}]}}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from billing.domain.errors import (
    BillingError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RequestKeyReused,
    StorageUnavailable,
)
from billing.observability import logger, metrics

_STATUS_BY_ERROR: tuple[tuple[type[BillingError], HTTPStatus], ...] = (
    (InvalidInput, HTTPStatus.BAD_REQUEST),
    (Forbidden, HTTPStatus.FORBIDDEN),
    (NotFound, HTTPStatus.NOT_FOUND),
    (RequestKeyReused, HTTPStatus.UNPROCESSABLE_ENTITY),
    (Conflict, HTTPStatus.CONFLICT),
    (StorageUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
)

OnRefused = Callable[[], None]


def status_of(error: BillingError) -> HTTPStatus:
    """The status a domain error answers with (the drop-in routes too: vendors differ only in the body)."""
    return next((status for kind, status in _STATUS_BY_ERROR if isinstance(error, kind)), HTTPStatus.BAD_REQUEST)


def error_response(
    status: HTTPStatus,
    code: str,
    message: str,
    fields: Sequence[dict[str, str]] = (),
    details: dict[str, str] | None = None,
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message, **(details or {})}
    if fields:
        error["fields"] = list(fields)
    return Response(status_code=status, content_type="application/json", body=json.dumps({"error": error}))


def domain_error_response(error: BillingError) -> Response:
    fields = [{"field": error.field, "message": error.message}] if error.field else []
    return error_response(status_of(error), error.code, error.message, fields, error.details())


def field_path(location: Iterable[Any]) -> str:
    """('body', 'events', 3, 'quantity') -> 'events[3].quantity'; ('query', 'start') -> 'start'."""
    path = ""
    for part in list(location)[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _validation_fields(errors: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    fields = []
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error")
            return [{"field": "body", "message": "request body is not valid JSON" + (f" ({reason})" if reason else "")}]
        fields.append({"field": field_path(error.get("loc", ())), "message": error.get("msg", "invalid")})
    return fields


def register_error_handlers(app: APIGatewayHttpResolver, on_refused: OnRefused | None = None) -> None:
    def refused(response: Response) -> Response:
        if on_refused is not None and 400 <= response.status_code < 500:
            on_refused()
        return response

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        fields = _validation_fields(error.errors())
        message = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
        return refused(error_response(HTTPStatus.BAD_REQUEST, "validation_error", message, fields))

    @app.exception_handler(BillingError)
    def _domain_error(error: BillingError) -> Response:
        status = status_of(error)
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("request not served", extra={"error_code": error.code, "reason": error.message})
        return refused(domain_error_response(error))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, ServiceError):  # Powertools' own HTTP errors keep their status
            raise error
        # A bug: the traceback goes to the log as one JSON record, the client gets the request id to quote.
        logger.exception("unhandled error")
        metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error (quote the X-Request-Id header)"
        )

    @app.not_found
    def _no_route(_: NotFoundError) -> Response:
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "no such route")
