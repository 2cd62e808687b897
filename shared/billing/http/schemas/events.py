"""Bodies of the event routes: POST /v1/events/batch (one customer's events) and POST /v1/events (events
naming their own customers, typed events for meters). The drop-in routes read events with these bounds too.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self

from pydantic import BeforeValidator, Field, model_validator

from billing.domain.properties import PropertyError, flatten_properties
from billing.http.access import CustomerNamed, RouteRequest
from billing.http.schemas.base import RequestModel, ResponseModel
from billing.http.schemas.fields import EventTime, EventType, ExternalId, FeatureName, Quantity, Text

if TYPE_CHECKING:  # the meter functions never ingest: the ingest service loads with the first event
    from billing.services.ingest import IngestResult, NewEvent


MAX_EVENTS_PER_BATCH = 1000
MAX_PROPERTIES = 50
MAX_PROPERTY_KEY = 128
MAX_PROPERTY_VALUE = 1024


def bounded_properties(value: Any) -> Any:
    """Event properties are flat: strings, numbers or booleans, kept as strings; at most MAX_PROPERTIES, keys
    and values bounded. Every route's properties end here (nested ones once flattened, Stripe's payload)."""
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_PROPERTIES:
        raise ValueError(f"at most {MAX_PROPERTIES} properties, got {len(value)}")
    cleaned = {}
    for key, item in value.items():
        if not 1 <= len(key) <= MAX_PROPERTY_KEY:
            raise ValueError(f"property names have 1 to {MAX_PROPERTY_KEY} characters, got {key[:40]!r}...")
        if isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, str):
            text = item
        elif isinstance(item, int | Decimal):
            text = str(item)
        else:
            raise ValueError(f"property {key[:40]!r} must be a string, number or boolean")
        if len(text) > MAX_PROPERTY_VALUE:
            raise ValueError(f"property {key[:40]!r} has more than {MAX_PROPERTY_VALUE} characters")
        cleaned[key] = text
    return cleaned


FlatProperties = Annotated[dict[str, str], Field(max_length=MAX_PROPERTIES)]


# An event as the API reads it. The name is the OpenAPI document's schema name, so it stays whatever the layers
# below call an event (a docstring would become the schema's description: hence a comment). The ingest
# service takes these as they are (billing.services.ingest.EventData): no copy per event.
class EventIn(RequestModel):
    feature: FeatureName
    quantity: Quantity
    ts: EventTime
    id: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    properties: Annotated[FlatProperties | None, BeforeValidator(bounded_properties)] = None


class EventBatchRequest(RequestModel):
    customer_id: Text
    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        # Powertools formats the route's arguments into a debug message on every request, whatever the
        # log level: the full repr of 1,000 events cost more than validating them.
        yield "customer_id", self.customer_id
        yield "events", f"<{len(self.events)} events>"


class EventResultOut(ResponseModel):
    index: int
    id: str
    status: str


class IngestOut(ResponseModel):
    accepted: int
    duplicates: int
    results: list[EventResultOut]

    @staticmethod
    def document_of(result: IngestResult) -> dict[str, Any]:
        """The reply as JSON values, what the model dumps (the same keys in the same order), each result naming
        its customer when the batch's events name their own (CustomerIngestOut). Built directly: validating our
        own 1,000 results and serializing them again cost a tenth of a batch's ingest (billing.http.routes.json_reply
        writes it)."""
        status = ("accepted", "duplicate")
        results: list[dict[str, Any]] = [
            {"index": index, "id": event_id, "status": status[flag]}
            for index, (event_id, flag) in enumerate(zip(result.ids, result.duplicate, strict=True))
        ]
        if result.customer_ids is not None:
            for item, customer_id in zip(results, result.customer_ids, strict=True):
                item["customer_id"] = customer_id
        return {"accepted": result.accepted, "duplicates": result.duplicates, "results": results}

    @classmethod
    def of(cls, result: IngestResult) -> Self:
        """The reply as a model, for a route that returns one: validated from `document_of` in one call (for a
        1,000-event batch a third cheaper than building 1,000 result models one by one)."""
        return cls.model_validate(cls.document_of(result))


EventId = Annotated[str, Field(min_length=1, max_length=200)]


def nested_properties(value: Any) -> Any:
    """Properties may nest objects: flattened to dotted keys with text values (billing.domain.properties),
    then held to the bounds of flat properties (count, key and value lengths), whichever route sent them."""
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_PROPERTIES:  # before flattening 10,000 of them
        raise ValueError(f"at most {MAX_PROPERTIES} properties, got {len(value)}")
    try:
        flat = flatten_properties(value)
    except PropertyError as error:
        raise ValueError(str(error)[:200]) from None
    return bounded_properties(flat)


NestedProperties = Annotated[dict[str, str] | None, BeforeValidator(nested_properties)]


# Its name, like EventIn's, is the OpenAPI document's schema name.
class CustomerEventIn(RequestModel):
    """One event of POST /v1/events: its customer (`customer_id` or `external_customer_id`) and either
    `type` (meters turn it into quantities) or `feature` and `quantity`."""

    customer_id: EventId | None = None
    external_customer_id: ExternalId | None = None
    type: EventType | None = None
    feature: FeatureName | None = None
    quantity: Quantity | None = None
    ts: EventTime
    id: EventId | None = None
    properties: NestedProperties = None

    @model_validator(mode="after")
    def _one_customer_and_one_kind(self) -> CustomerEventIn:
        if (self.customer_id is None) == (self.external_customer_id is None):
            raise ValueError("give exactly one of customer_id and external_customer_id")
        if self.type is not None and (self.feature is not None or self.quantity is not None):
            raise ValueError("give either a type (for meters) or a feature and a quantity, not both")
        if self.type is None and (self.feature is None or self.quantity is None):
            raise ValueError("give a type (for meters) or both a feature and a quantity")
        return self

    def to_incoming(self) -> NewEvent:
        from billing.services.ingest import NewEvent

        return NewEvent(
            ts=self.ts,
            id=self.id,
            customer_id=self.customer_id,
            external_customer_id=self.external_customer_id,
            type=self.type,
            feature=self.feature,
            quantity=self.quantity,
            properties=self.properties,
        )


class CustomerEventBatchRequest(RequestModel):
    events: Annotated[list[CustomerEventIn], Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        # Powertools logs the route's arguments on every request: keep 1,000 events out of it.
        yield "events", f"<{len(self.events)} events>"


def customers_named(request: RouteRequest) -> list[CustomerNamed]:
    """Each event's customer, for the access policy: from the validated body."""
    body: CustomerEventBatchRequest = request.arguments["body"]
    return [(event.customer_id, event.external_customer_id) for event in body.events]


class CustomerEventResultOut(EventResultOut):
    customer_id: str | None


class CustomerIngestOut(IngestOut):
    results: list[CustomerEventResultOut]  # type: ignore[assignment]  # each result also names its customer
