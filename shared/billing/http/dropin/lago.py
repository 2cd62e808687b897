"""Lago's event API: POST /lago/api/v1/events {"event": {...}} and POST /lago/api/v1/events/batch
{"events": [...]}, for a Lago client configured with `api_url=<our base>/lago/`.

`code` is the meter event type. We have no subscriptions: `external_subscription_id` names the customer by
its external id (as `external_customer_id` does, which wins when both are sent). `transaction_id` is the
event id, `timestamp` unix seconds (a number or a string, possibly fractional; now when absent),
`properties` its properties. `precise_total_amount_cents` (Lago's dynamic pricing) is refused unless null.
A repeated transaction_id is answered like the first and never counted again. Refusals use Lago's error
envelope: 400 {"status", "error"} for a body that is not an event, 422 {"status", "error", "code":
"validation_errors", "error_details": {field: [message]}} (keyed by the event's index in a batch).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

from billing.domain.errors import BillingError
from billing.domain.time import iso_utc
from billing.http.access import CustomerNamed, RouteRequest
from billing.http.dropin import EARLIEST_SECONDS, LATEST_SECONDS, event_field, unix_seconds, vendor_resolver
from billing.http.errors import status_of
from billing.http.routes import Refusals
from billing.http.schemas.events import MAX_EVENTS_PER_BATCH, NestedProperties
from billing.http.schemas.fields import EventType, ExternalId
from billing.services.ingest import IngestResult, NewEvent

# Our field names inside an event → Lago's.
_FIELDS = {"type": "code", "customer_id": "external_subscription_id", "ts": "timestamp"}


def _lago_timestamp(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise ValueError("must be unix seconds, a number or a numeric string")
    try:
        seconds = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise ValueError(f"not unix seconds: {value!r}") from None
    return unix_seconds(seconds)


# What the timestamp accepts, as the document says it: unix seconds, a number or a numeric string.
_UNIX_SECONDS = {
    "anyOf": [
        {"type": "number", "minimum": EARLIEST_SECONDS, "exclusiveMaximum": LATEST_SECONDS},
        {"type": "string", "pattern": r"^\s*[0-9]{9,10}(\.[0-9]{1,6})?\s*$"},
        {"type": "null"},
    ],
    "description": "Unix seconds, possibly fractional; now when absent",
}


_NO_DYNAMIC_PRICING = "Lago's dynamic pricing: not supported, so null or absent"


class LagoEventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")  # fields newer clients add are not ours to refuse

    transaction_id: Annotated[str, Field(min_length=1, max_length=200)]
    code: EventType
    external_subscription_id: ExternalId | None = None
    external_customer_id: ExternalId | None = None
    timestamp: Annotated[datetime | None, BeforeValidator(_lago_timestamp), WithJsonSchema(_UNIX_SECONDS)] = None
    properties: NestedProperties = None
    precise_total_amount_cents: Annotated[Any, WithJsonSchema({"type": "null", "description": _NO_DYNAMIC_PRICING})] = (
        None
    )

    @field_validator("precise_total_amount_cents")
    @classmethod
    def _no_dynamic_pricing(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError("dynamic pricing (precise_total_amount_cents) is not supported")
        return value

    @property
    def customer_external_id(self) -> str | None:
        """The customer's external id: external_customer_id when sent, else external_subscription_id."""
        return self.external_customer_id or self.external_subscription_id

    def to_incoming(self, now: datetime) -> NewEvent:
        return NewEvent(
            ts=self.timestamp or now,
            id=self.transaction_id,
            external_customer_id=self.customer_external_id,
            type=self.code,
            properties=self.properties,
        )


class LagoEventRequest(BaseModel):
    event: LagoEventIn


class LagoBatchRequest(BaseModel):
    events: Annotated[list[LagoEventIn], Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]


def customers_named(request: RouteRequest) -> list[CustomerNamed]:
    """Each event's customer (an external id), for the access policy: from the validated body."""
    body = request.arguments["body"]
    events = body.events if isinstance(body, LagoBatchRequest) else [body.event]
    return [(None, event.customer_external_id) for event in events]


class LagoEventOut(BaseModel):
    """An event as Lago echoes it back."""

    lago_id: None
    transaction_id: str
    lago_customer_id: str | None
    code: str
    timestamp: str
    precise_total_amount_cents: None
    properties: dict[str, str]
    lago_subscription_id: None
    external_subscription_id: str | None
    external_customer_id: str | None
    created_at: str


class LagoEventResponse(BaseModel):
    event: LagoEventOut


class LagoBatchResponse(BaseModel):
    events: list[LagoEventOut]


class LagoError(BaseModel):
    """Lago's refusal: {"status", "error"} (400), plus "code" and "error_details" ({field: [message]},
    keyed by the event's index in a batch) on a 422 and on other refusals' codes."""

    status: int
    error: str
    code: str | None = None
    error_details: dict[str, Any] | None = None


REFUSALS = Refusals(
    model=LagoError,
    statuses={
        HTTPStatus.BAD_REQUEST: "The body is not an event (`event`, or `events` in a batch, missing or not an object)",
        HTTPStatus.NOT_FOUND: "Unknown route (Lago's envelope or the gateway's message)",
        HTTPStatus.UNPROCESSABLE_ENTITY: "An event is refused (unknown code or customer, bad timestamp or "
        "properties): `error_details` names each field",
    },
)


def events_out(events: Sequence[LagoEventIn], result: IngestResult, now: datetime) -> list[LagoEventOut]:
    """Each event as Lago echoes it back."""
    return [
        LagoEventOut(
            lago_id=None,
            transaction_id=event.transaction_id,
            lago_customer_id=outcome.customer_id,
            code=event.code,
            timestamp=iso_utc((event.timestamp or now).astimezone(UTC)),
            precise_total_amount_cents=None,
            properties=dict(event.properties or {}),
            lago_subscription_id=None,
            external_subscription_id=event.external_subscription_id,
            external_customer_id=event.external_customer_id,
            created_at=iso_utc(now),
        )
        for event, outcome in zip(events, result.outcomes, strict=True)
    ]


def create_resolver() -> APIGatewayHttpResolver:
    app = vendor_resolver(
        on_validation=lambda errors: _from_validation(app, errors),
        on_error=lambda error: _from_error(app, error),
        on_not_found=lambda: _envelope(HTTPStatus.NOT_FOUND, code="route_not_found"),
    )
    return app


def _from_validation(app: APIGatewayHttpResolver, errors: Sequence[dict[str, Any]]) -> Response:
    root = "events" if app.current_event.path.endswith("/batch") else "event"
    if any(error.get("type") == "json_invalid" for error in errors):  # nested too deep, a bare number, not JSON
        return _envelope(HTTPStatus.BAD_REQUEST, error="BadRequest: the body is not a JSON object")
    # The body itself, or its `event`/`events` member, is not there or not an object/array: Lago's 400.
    if not errors or any(tuple(e.get("loc", ()))[:2] != ("body", root) or len(e["loc"]) == 2 for e in errors):
        return _envelope(HTTPStatus.BAD_REQUEST, error=f"BadRequest: param is missing or the value is empty: {root}")
    details: dict[str, Any] = {}
    for error in errors:
        location = tuple(error.get("loc", ()))[2:]
        index, rest = (location[0], location[1:]) if root == "events" and location else (None, location)
        name = ".".join(str(part) for part in rest) or root
        target = details if index is None else details.setdefault(str(index), {})
        target.setdefault(name, []).append(error.get("msg", "invalid"))
    return _envelope(HTTPStatus.UNPROCESSABLE_ENTITY, code="validation_errors", details=details)


def _from_error(app: APIGatewayHttpResolver, error: BillingError) -> Response:
    status = status_of(error)
    index, name = event_field(error)
    if status != HTTPStatus.BAD_REQUEST or name is None:
        return _envelope(status, code=error.code)
    field = _FIELDS.get(name) or _customer_field(app, index, name)
    details: dict[str, Any] = {field: [error.message]}
    if app.current_event.path.endswith("/batch") and index is not None:
        details = {str(index): details}
    return _envelope(HTTPStatus.UNPROCESSABLE_ENTITY, code="validation_errors", details=details)


def _customer_field(app: APIGatewayHttpResolver, index: int | None, name: str) -> str:
    """external_customer_id when the refused event named its customer with it, else external_subscription_id
    (properties.* names stay as they are)."""
    if name != "external_customer_id":
        return name
    body = app.current_event.json_body
    sent = body.get("events", [])[index or 0] if "events" in body else body.get("event", {})
    return (
        "external_customer_id"
        if isinstance(sent, Mapping) and sent.get("external_customer_id")
        else "external_subscription_id"
    )


def _envelope(
    status: HTTPStatus, *, error: str | None = None, code: str | None = None, details: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {"status": int(status), "error": error or status.phrase}
    if code is not None:
        body["code"] = code
    if details is not None:
        body["error_details"] = details
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))
