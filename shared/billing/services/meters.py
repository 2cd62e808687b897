"""Meters: which events become quantities of which features (billing.domain.meters)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from billing.domain.errors import InvalidInput, MeterNotFound
from billing.domain.meters import Meter
from billing.domain.paging import MAX_PAGE, Page
from billing.domain.properties import MAX_DEPTH
from billing.domain.request_keys import RequestKey
from billing.ports import Storage
from billing.services.clock import Clock, system_clock

# A dotted path into flattened properties: at most MAX_DEPTH non-empty names without spaces.
_PATH = re.compile(rf"[^.\s]+(\.[^.\s]+){{0,{MAX_DEPTH - 1}}}")


class MeterService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(
        self,
        *,
        feature: str,
        event_type: str,
        value_property: str | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        request_key: RequestKey | None = None,
    ) -> Meter:
        """A new meter (one per feature: Conflict when the feature has one). It counts events ingested
        from now on; events stored before it are not re-read. With a request key, a meter of the feature
        exactly as asked is returned (a retry finds what its first attempt made)."""
        if value_property is not None and not _PATH.fullmatch(value_property):
            raise InvalidInput(
                f"must be a dotted path of at most {MAX_DEPTH} names, e.g. usage.tokens", field="value_property"
            )
        for name, values in (filters or {}).items():
            if not _PATH.fullmatch(name):
                raise InvalidInput(f"must be a dotted path of at most {MAX_DEPTH} names", field=f"filters.{name}")
            if not values:
                raise InvalidInput("give at least one accepted value", field=f"filters.{name}")
        meter = Meter(
            feature=feature,
            event_type=event_type,
            created_at=self._clock(),
            value_property=value_property,
            filters={name: tuple(dict.fromkeys(values)) for name, values in (filters or {}).items()},
        )
        made = self._storage.meters.get(feature) if request_key is not None else None
        if request_key is not None and made is not None and replace(made, created_at=meter.created_at) == meter:
            request_key.replayed = True
            return made
        self._storage.meters.add(meter)
        return meter

    def get(self, feature: str) -> Meter:
        meter = self._storage.meters.get(feature)
        if meter is None:
            raise MeterNotFound(feature)
        return meter

    def list(self, *, limit: int = 100, cursor: str | None = None) -> Page[Meter]:
        return self._storage.meters.list(limit=min(limit, MAX_PAGE), cursor=cursor)
