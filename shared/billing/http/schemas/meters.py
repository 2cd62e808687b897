"""Bodies of the meter routes: a meter turns events of one type into a feature's quantities."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field

from billing.domain.properties import PropertyError, property_text
from billing.domain.time import iso_utc
from billing.http.schemas.base import PageOut, RequestModel, ResponseModel
from billing.http.schemas.fields import EventType, FeatureName

if TYPE_CHECKING:
    from billing.domain.meters import Meter


MAX_FILTERS = 20
MAX_FILTER_VALUES = 100

DottedPath = Annotated[str, Field(min_length=1, max_length=255)]


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
