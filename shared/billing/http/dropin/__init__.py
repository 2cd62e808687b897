"""Drop-in ingestion: the OpenMeter, Lago and Stripe meter-event APIs, so those vendors' own clients work
against us unchanged. Each module reads its vendor's payloads into NewEvents (billing.services.ingest)
and answers, successes and refusals alike, the way that vendor's server does. One resolver factory per
vendor holds that vendor's error map; the functions declare their routes on an ApiRouter whose `refusals`
describe that vendor's envelope, and build their resolver with `resolver_for(router, vendor.create_resolver)`,
so the routes are in the one OpenAPI document and run the access policies like every other route."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from billing.domain.errors import BillingError, ForeignEvent, InvalidEvent
from billing.domain.exact import EARLIEST, EVENT_TIME_WINDOW, LATEST
from billing.http.access import enforce_access
from billing.http.body import request_json

MICROS = Decimal(1_000_000)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The one event window (billing.domain.exact) in unix seconds, for the vendors that send those.
EARLIEST_SECONDS = int(EARLIEST.timestamp())
LATEST_SECONDS = int(LATEST.timestamp())  # exclusive


def vendor_resolver(
    on_validation: Callable[[Sequence[dict[str, Any]]], Any],
    on_error: Callable[[BillingError], Any],
    on_not_found: Callable[[], Any],
) -> APIGatewayHttpResolver:
    """A resolver like billing.http.app.create_resolver's (validation, then the route's access policy) whose
    errors are rendered by the vendor's map."""
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=request_json)
    app.exception_handler(RequestValidationError)(lambda error: on_validation(error.errors()))
    app.exception_handler(BillingError)(on_error)
    app.not_found(lambda _: on_not_found())
    app.use(middlewares=[enforce_access])
    return app


def validate_body(adapter: TypeAdapter[Any], value: Any) -> Any:
    """Validate a body read by hand (a raw CloudEvents or form body) and report its errors as Powertools
    reports a typed body's, so one exception handler renders both."""
    try:
        return adapter.validate_python(value)
    except ValidationError as error:
        raise RequestValidationError(
            [{**item, "loc": ("body", *item["loc"])} for item in error.errors(include_url=False)]
        ) from None


def read_json(text: str | None) -> Any:
    """A raw JSON body read as every body is (billing.http.body: numbers as Decimal, nesting bounded, an object
    or an array); RequestValidationError (as Powertools raises) when it is not that."""
    try:
        return request_json(text or "")
    except ValueError:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": "invalid JSON"}]) from None


def unix_seconds(value: Decimal) -> datetime:
    """Unix seconds, possibly fractional, as an aware UTC instant (exact to the microsecond), within the one
    event window: a number outside it (0, 10**5000) is refused before any arithmetic."""
    if not value.is_finite() or not EARLIEST_SECONDS <= value < LATEST_SECONDS:
        raise ValueError(f"must be unix seconds {EVENT_TIME_WINDOW} ({EARLIEST_SECONDS} to {LATEST_SECONDS - 1})")
    return EPOCH + timedelta(microseconds=int(value * MICROS))


def event_field(error: BillingError) -> tuple[int | None, str | None]:
    """(index, field in our vocabulary) of a refused event, or (None, the error's field)."""
    if isinstance(error, InvalidEvent | ForeignEvent):
        return error.index, error.event_field
    return None, error.field
