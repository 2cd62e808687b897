"""OpenMeter's ingestion API (CloudEvents 1.0): POST /api/v1/events.

`application/cloudevents+json` carries one event, `application/cloudevents-batch+json` an array, and
`application/json` either. `type` is the meter event type, `subject` the customer's external id, `time`
the event time (now when absent), `data` its properties (nested objects flattened to dotted keys). The
event id is de-duplicated together with its `source`, as CloudEvents defines identity: the stored id is
`<length of source>:<source>:<id>`, unambiguous whatever either contains. Success is 204 with no body,
as OpenMeter answers (its client accepts nothing else); a refusal is an RFC 7807 problem, as OpenMeter's,
that also carries our usual `error` member.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from http import HTTPStatus
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from billing.domain.errors import BillingError
from billing.http.access import CustomerNamed, RouteRequest
from billing.http.dropin import event_field, read_json, validate_body, vendor_resolver
from billing.http.errors import field_path, status_of
from billing.http.routes import ErrorDetail, Refusals, body_content, request_body
from billing.http.schemas.events import MAX_EVENTS_PER_BATCH, NestedProperties
from billing.http.schemas.fields import EventTime, EventType
from billing.services.ingest import NewEvent

PATH = "/api/v1/events"
SINGLE = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
PROBLEM = "application/problem+json"

# Our field names inside an event → the CloudEvents attribute that carries them.
_ATTRIBUTES = {"type": "type", "external_customer_id": "subject", "customer_id": "subject", "ts": "time"}


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")  # extension attributes are allowed and not used

    id: Annotated[str, Field(min_length=1, max_length=200)]
    source: Annotated[str, Field(min_length=1, max_length=200)]
    specversion: Literal["1.0"]
    type: EventType
    subject: Annotated[str, Field(min_length=1, max_length=255)]
    time: EventTime | None = None
    datacontenttype: Literal["application/json"] | None = None
    dataschema: str | None = None
    data: NestedProperties = None

    def to_incoming(self) -> NewEvent:
        return NewEvent(
            ts=self.time,
            id=f"{len(self.source)}:{self.source}:{self.id}",
            external_customer_id=self.subject,
            type=self.type,
            properties=self.data,
        )


CloudEvents = Annotated[list[CloudEvent], Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]
_ONE = TypeAdapter(CloudEvent)
_MANY = TypeAdapter(CloudEvents)

# The body is read by hand (Powertools answers 415 to CloudEvents content types on a typed body), so the
# route describes it itself: the three content types OpenMeter's API takes.
REQUEST_BODY = request_body(
    {
        SINGLE: body_content(CloudEvent),
        BATCH: body_content(CloudEvents),
        "application/json": body_content(CloudEvent | CloudEvents),
    }
)


class OpenMeterProblem(BaseModel):
    """OpenMeter's refusal: an RFC 7807 problem (application/problem+json) that also carries our `error`."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    error: ErrorDetail


REFUSALS = Refusals(
    model=OpenMeterProblem,
    media_type=PROBLEM,
    statuses={
        HTTPStatus.BAD_REQUEST: "Not CloudEvents, or an event is refused (unknown type or subject, bad data); "
        "`error.fields` names the attribute (`[i].attribute` in a batch)",
        HTTPStatus.NOT_FOUND: "Unknown route (OpenMeter's problem or the gateway's message)",
    },
)


@lru_cache(maxsize=1)  # the access policy and the route read the same body: parsed once
def read_events(body: str | None, content_type: str) -> tuple[NewEvent, ...]:
    """The events of a request body: one CloudEvent or an array of them, as its content type says."""
    parsed = read_json(body)
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media_type == BATCH or (media_type != SINGLE and isinstance(parsed, list)):
        events = validate_body(_MANY, parsed)
    else:
        events = [validate_body(_ONE, parsed)]
    return tuple(event.to_incoming() for event in events)


def customers_named(request: RouteRequest) -> list[CustomerNamed]:
    """Each event's customer (its `subject`, an external id), for the access policy."""
    events = read_events(request.event.decoded_body, request.event.headers.get("content-type", ""))
    return [(None, event.external_customer_id) for event in events]


def create_resolver() -> APIGatewayHttpResolver:
    app = vendor_resolver(
        on_validation=_problem_from_validation,
        on_error=lambda error: _problem_from_error(app, error),
        on_not_found=lambda: _problem(HTTPStatus.NOT_FOUND, "no such route", []),
    )
    return app


def _problem_from_validation(errors: Sequence[dict[str, Any]]) -> Response:
    if any(error.get("type") == "json_invalid" for error in errors):
        fields = [{"field": "body", "message": "request body is not valid JSON"}]
    else:
        fields = [{"field": field_path(e.get("loc", ())), "message": e.get("msg", "invalid")} for e in errors]
    return _problem(HTTPStatus.BAD_REQUEST, "; ".join(f"{f['field']}: {f['message']}" for f in fields), fields)


def _problem_from_error(app: APIGatewayHttpResolver, error: BillingError) -> Response:
    index, name = event_field(error)
    fields = []
    if name is not None:
        attribute = _ATTRIBUTES.get(name) or f"data.{name.removeprefix('properties.')}"
        batch = (app.current_event.body or "").lstrip().startswith("[")
        field = f"[{index}].{attribute}" if batch and index is not None else attribute
        fields = [{"field": field, "message": error.message}]
    return _problem(status_of(error), error.message, fields, code=error.code)


def _problem(status: HTTPStatus, detail: str, fields: list[dict[str, str]], code: str = "validation_error") -> Response:
    error: dict[str, Any] = {"code": code, "message": detail}
    if fields:
        error["fields"] = fields
    body = {
        "type": "about:blank",
        "title": status.phrase,
        "status": int(status),
        "detail": detail,
        "instance": PATH,
        "error": error,  # an RFC 7807 extension member: our usual error body
    }
    return Response(status_code=status, content_type=PROBLEM, body=json.dumps(body))
