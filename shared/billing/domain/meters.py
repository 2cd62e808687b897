"""Meters: how an event of some type becomes a quantity of a feature (OpenMeter's meters, Lago's
billable metrics). An event may feed several meters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Meter:
    feature: str  # the meter's identity: one meter per feature
    event_type: str
    created_at: datetime
    value_property: str | None = None  # dotted path into the event's properties; None: 1 per event
    # property → accepted values (equality is a one-value tuple); every filter must match
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
