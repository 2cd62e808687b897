"""Meters: how an event of some type becomes a quantity of a feature (OpenMeter's meters, Lago's
billable metrics). An event may feed several meters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from billing.domain.exact import QUANTITY_PLACES, at_most_places, quantity_refusal
from billing.domain.properties import parse_number


@dataclass(frozen=True)
class Meter:
    feature: str  # the meter's identity: one meter per feature
    event_type: str
    created_at: datetime
    value_property: str | None = None  # dotted path into the event's properties; None: 1 per event
    # property → accepted values (equality is a one-value tuple); every filter must match
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def matches(self, properties: Mapping[str, str]) -> bool:
        """Whether an event of this meter's type with these (flattened) properties feeds it: every
        filter's property is present and has one of the filter's values (compared as text)."""
        return all(properties.get(name) in accepted for name, accepted in self.filters.items())

    def quantity_of(self, properties: Mapping[str, str]) -> Decimal:
        """The quantity one matching event adds: the number at `value_property`, or 1 without one.
        Raises MeterValueError when the property is missing, not a number, or not a quantity (negative,
        too large, too many decimals: the bound a quantity sent as such has)."""
        if self.value_property is None:
            return Decimal(1)
        text = properties.get(self.value_property)
        if text is None:
            raise MeterValueError(self, "is missing")
        number = parse_number(text)
        if number is None:
            raise MeterValueError(self, f"is not a number: {text[:40]!r}")
        refusal = quantity_refusal(number)
        if refusal is not None:
            raise MeterValueError(self, f"{refusal}: {text[:40]!r}")
        return at_most_places(number, places=QUANTITY_PLACES)


class MeterValueError(ValueError):
    """An event of a meter's type whose value property cannot be counted."""

    def __init__(self, meter: Meter, reason: str) -> None:
        self.meter = meter
        self.path = meter.value_property or ""
        self.reason = reason
        super().__init__(f"property {self.path!r} {reason} (meter {meter.feature!r} counts it)")


def derived_event_id(event_id: str, feature: str) -> str:
    """The stored id of the quantity one event adds to one meter's feature. Storage de-duplicates on
    (customer, stored id), so a retried event stays a duplicate for every meter it fed."""
    return f"{event_id}#{feature}"
