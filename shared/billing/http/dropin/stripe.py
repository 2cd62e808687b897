"""Stripe's meter events: POST /v1/billing/meter_events (form-encoded, `payload[value]` bracket keys) and
POST /v2/billing/meter_events (JSON).

`event_name` is the meter event type, `payload.stripe_customer_id` the customer's external id, and the
rest of `payload` the event's properties: a Stripe meter reads `payload.value`, so a meter made for
Stripe events has `value_property: "value"`. `identifier` is the event id (generated when absent, and then
not de-duplicated), `timestamp` unix seconds (v1) or an ISO 8601 instant (v2), now when absent. The answer
is a `billing.meter_event` (v1) or `v2.billing.meter_event` object; a repeated identifier is answered
like the first and never counted again. Refusals use Stripe's error shape, which Stripe's clients raise
as InvalidRequestError: {"error": {"type": "invalid_request_error", "code", "message", "param"}}.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from http import HTTPStatus
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from billing.domain.errors import BillingError, Forbidden
from billing.domain.properties import PropertyError, property_text
from billing.http.access import CustomerNamed, RouteRequest
from billing.http.dropin import (
    EARLIEST_SECONDS,
    LATEST_SECONDS,
    event_field,
    unix_seconds,
    validate_body,
    vendor_resolver,
)
from billing.http.errors import status_of
from billing.http.routes import Refusals, body_content, request_body
from billing.http.schemas.events import MAX_PROPERTIES, bounded_properties
from billing.http.schemas.fields import EventTime, ExternalId
from billing.services.ingest import IngestResult, NewEvent

CUSTOMER_KEY = "stripe_customer_id"

_PARAMS = {"type": "event_name", "external_customer_id": f"payload[{CUSTOMER_KEY}]", "ts": "timestamp"}


def _payload_values(value: Any) -> Any:
    """Payload values are strings in Stripe; numbers and booleans sent as JSON are read as their text. The
    payload holds the event's properties: the bounds of every event's properties apply."""
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_PROPERTIES + 1:  # the properties and stripe_customer_id
        raise ValueError(f"at most {MAX_PROPERTIES} properties besides {CUSTOMER_KEY}, got {len(value) - 1}")
    try:
        texts = {key: property_text(item, f"payload[{key}]") for key, item in value.items()}
    except PropertyError as error:
        raise ValueError(str(error)[:200]) from None
    customer = texts.pop(CUSTOMER_KEY, None)
    properties = bounded_properties(texts)
    return properties if customer is None else {CUSTOMER_KEY: customer, **properties}


class StripePayload(BaseModel):
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str] = Field(init=False)  # the event's properties, as text

    stripe_customer_id: ExternalId


class _MeterEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # Stripe refuses unknown parameters

    event_name: Annotated[str, Field(min_length=1, max_length=100)]
    payload: Annotated[StripePayload, BeforeValidator(_payload_values)]
    identifier: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    def properties(self) -> dict[str, str]:
        return {key: str(value) for key, value in (self.payload.model_extra or {}).items()}

    def to_incoming(self, ts: datetime) -> NewEvent:
        return NewEvent(
            ts=ts,
            id=self.identifier,
            external_customer_id=self.payload.stripe_customer_id,
            type=self.event_name,
            properties=self.properties(),
        )

    def payload_out(self) -> dict[str, str]:
        return {CUSTOMER_KEY: self.payload.stripe_customer_id, **self.properties()}


class MeterEventV1In(_MeterEventIn):
    timestamp: Annotated[int, Field(ge=EARLIEST_SECONDS, lt=LATEST_SECONDS)] | None = None

    def time(self, now: datetime) -> datetime:
        return now if self.timestamp is None else unix_seconds(Decimal(self.timestamp))


class MeterEventV2In(_MeterEventIn):
    timestamp: EventTime | None = None

    def time(self, now: datetime) -> datetime:
        return self.timestamp or now


_V1 = TypeAdapter(MeterEventV1In)
FORM = "application/x-www-form-urlencoded"
# The v1 body is a form read by hand (the typed-body validation speaks JSON only): described here, with
# Stripe's bracket keys (payload[value]=3) as OpenAPI's deepObject style.
V1_REQUEST_BODY = request_body(
    {FORM: body_content(MeterEventV1In, encoding={"payload": {"style": "deepObject", "explode": True}})}
)


@lru_cache(maxsize=1)  # the access policy and the route read the same body: parsed once
def read_form(body: str | None) -> MeterEventV1In:
    """A v1 form body: `payload[value]=3` becomes {"payload": {"value": "3"}}."""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(body or "", keep_blank_values=True):
        outer, bracket, inner = key.partition("[")
        if bracket and inner.endswith("]") and "[" not in inner:
            fields.setdefault(outer, {})[inner[:-1]] = value
        else:
            fields[key] = value
    return validate_body(_V1, fields)


def v1_customers_named(request: RouteRequest) -> list[CustomerNamed]:
    """The event's customer (payload[stripe_customer_id], an external id), for the access policy."""
    return [(None, read_form(request.event.decoded_body).payload.stripe_customer_id)]


def v2_customers_named(request: RouteRequest) -> list[CustomerNamed]:
    return [(None, request.arguments["body"].payload.stripe_customer_id)]


class MeterEventV1Out(BaseModel):
    """A `billing.meter_event`, as Stripe answers it."""

    object: Literal["billing.meter_event"]
    created: int
    event_name: str
    identifier: str
    livemode: bool
    payload: dict[str, str]
    timestamp: int


class MeterEventV2Out(BaseModel):
    """A `v2.billing.meter_event`, as Stripe answers it (ISO 8601 instants to the millisecond)."""

    object: Literal["v2.billing.meter_event"]
    created: str
    event_name: str
    identifier: str
    livemode: bool
    payload: dict[str, str]
    timestamp: str


class StripeErrorDetail(BaseModel):
    type: str
    code: str
    message: str
    param: str | None = None


class StripeError(BaseModel):
    """Stripe's refusal, which its clients raise (InvalidRequestError on a 400 or 404, PermissionError on a
    403): {"error": {"type", "code", "message", "param"}}."""

    error: StripeErrorDetail


REFUSALS = Refusals(
    model=StripeError,
    statuses={
        HTTPStatus.BAD_REQUEST: "A parameter is missing, unknown or invalid, or the customer is unknown; "
        "`param` names it",
        HTTPStatus.NOT_FOUND: "Unknown route (Stripe's error or the gateway's message)",
    },
)


def meter_event_v1(event: MeterEventV1In, result: IngestResult, ts: datetime, now: datetime) -> MeterEventV1Out:
    return MeterEventV1Out(
        object="billing.meter_event",
        created=int(now.timestamp()),
        event_name=event.event_name,
        identifier=result.outcomes[0].id,
        livemode=False,
        payload=event.payload_out(),
        timestamp=int(ts.timestamp()),
    )


def meter_event_v2(event: MeterEventV2In, result: IngestResult, ts: datetime, now: datetime) -> MeterEventV2Out:
    return MeterEventV2Out(
        object="v2.billing.meter_event",
        created=_iso_millis(now),
        event_name=event.event_name,
        identifier=result.outcomes[0].id,
        livemode=False,
        payload=event.payload_out(),
        timestamp=_iso_millis(ts),
    )


def _iso_millis(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_resolver() -> APIGatewayHttpResolver:
    return vendor_resolver(on_validation=_from_validation, on_error=_from_error, on_not_found=_not_found)


def _param(location: Sequence[Any]) -> str:
    """('body', 'payload', 'value') -> 'payload[value]'."""
    parts = [str(part) for part in list(location)[1:]]
    return parts[0] + "".join(f"[{part}]" for part in parts[1:]) if parts else ""


def _from_validation(errors: Sequence[dict[str, Any]]) -> Response:
    if any(error.get("type") == "json_invalid" for error in errors):
        return _error(HTTPStatus.BAD_REQUEST, "parameter_invalid", "The request body is not valid JSON.", None)
    first = errors[0]
    param = _param(first.get("loc", ()))
    if first.get("type") == "missing":
        return _error(HTTPStatus.BAD_REQUEST, "parameter_missing", f"Missing required param: {param}.", param)
    if first.get("type") == "extra_forbidden":
        return _error(HTTPStatus.BAD_REQUEST, "parameter_unknown", f"Received unknown parameter: {param}", param)
    message = f"Invalid {param}: {first.get('msg', 'invalid')}" if param else str(first.get("msg", "invalid"))
    return _error(HTTPStatus.BAD_REQUEST, "parameter_invalid", message, param or None)


def _from_error(error: BillingError) -> Response:
    _, name = event_field(error)
    param = None if name is None else _PARAMS.get(name) or f"payload[{name.removeprefix('properties.')}]"
    status = status_of(error)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return _error(status, error.code, error.message, None, kind="api_error")
    if isinstance(error, Forbidden):
        return _error(status, error.code, error.message, param)
    code = "resource_missing" if name == "external_customer_id" else "parameter_invalid"
    return _error(status, code, error.message, param)


def _not_found() -> Response:
    return _error(HTTPStatus.NOT_FOUND, "resource_missing", "Unrecognized request URL.", None)


def _error(
    status: HTTPStatus, code: str, message: str, param: str | None, kind: str = "invalid_request_error"
) -> Response:
    error: dict[str, Any] = {"type": kind, "code": code, "message": message}
    if param:
        error["param"] = param
    return Response(status_code=status, content_type="application/json", body=json.dumps({"error": error}))
