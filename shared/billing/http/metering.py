"""Request and response bodies of the meter routes and of POST /v1/events (events naming their own
customers, typed events for meters). Kept apart from schemas.py: these are the metering API's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from billing.domain.properties import PropertyError, flatten_properties, property_text
from billing.domain.time import iso_utc
from billing.http.access import CustomerNamed, RouteRequest
from billing.http.schemas import (
    MAX_EVENTS_PER_BATCH,
    EventResultOut,
    FeatureName,
    IngestOut,
    IsoInstant,
    PageOut,
    Quantity,
    RequestModel,
    ResponseModel,
)

if TYPE_CHECKING:  # the meter functions never ingest: the ingest service loads with the first event
    from billing.domain.meters import Meter
    from billing.services.ingest import IngestResult, NewEvent

MAX_FILTERS = 20
MAX_FILTER_VALUES = 100

EventType = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\s]+$")]
EventId = Annotated[str, Field(min_length=1, max_length=200)]
DottedPath = Annotated[str, Field(min_length=1, max_length=255)]


def nested_properties(value: Any) -> Any:
    """Properties may nest objects: flattened to dotted keys with text values (billing.domain.properties)."""
    if not isinstance(value, dict):
        return value
    try:
        return flatten_properties(value)
    except PropertyError as error:
        raise ValueError(str(error)) from None


def _filter_values(value: Any) -> Any:
    """{"region": "eu"} (equality) or {"region": ["eu", "us"]} (one of); values compared as text."""
    if not isinstance(value, dict):
        return value
    normalized: dict[Any, Any] = {}
    for name, accepted in value.items():
        items = accepted if isinstance(accepted, list) else [accepted]
        try:
            normalized[name] = [property_text(item, str(name)) for item in items]
        except PropertyError as error:
            raise ValueError(str(error)) from None
    return normalized


Properties = Annotated[dict[str, str] | None, BeforeValidator(nested_properties)]
Filters = Annotated[
    dict[DottedPath, Annotated[list[str], Field(min_length=1, max_length=MAX_FILTER_VALUES)]],
    Field(max_length=MAX_FILTERS),
    BeforeValidator(_filter_values),
]


class CreateMeterRequest(RequestModel):
    feature: FeatureName
    event_type: EventType
    value_property: DottedPath | None = None
    filters: Filters = Field(default_factory=dict)


class MeterOut(ResponseModel):
    feature: str
    event_type: str
    value_property: str | None
    filters: dict[str, list[str]]
    created_at: str

    @classmethod
    def of(cls, meter: Meter) -> MeterOut:
        return cls(
            feature=meter.feature,
            event_type=meter.event_type,
            value_property=meter.value_property,
            filters={name: list(values) for name, values in meter.filters.items()},
            created_at=iso_utc(meter.created_at),
        )


class MeterPageOut(PageOut):
    data: list[MeterOut]
    item_out: ClassVar[Callable[[Meter], MeterOut]] = MeterOut.of


class CustomerEventIn(RequestModel):
    """One event of POST /v1/events: its customer (`customer_id` or `external_customer_id`) and either
    `type` (meters turn it into quantities) or `feature` and `quantity`."""

    customer_id: EventId | None = None
    external_customer_id: ExternalId | None = None
    type: EventType | None = None
    feature: FeatureName | None = None
    quantity: Quantity | None = None
    ts: IsoInstant
    id: EventId | None = None
    properties: Properties = None

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

    @classmethod
    def of(cls, result: IngestResult, *, with_customers: bool = True) -> Self:
        return super().of(result, with_customers=with_customers)
