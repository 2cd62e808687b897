"""Meters: a meter item per feature and a copy in its event type's partition, listed through the ByType index."""

from __future__ import annotations

import builtins

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, doc, s, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table, put_action
from billing.adapters.dynamodb.table.errors import Cancelled
from billing.adapters.records import meter_from_record, meter_to_record
from billing.domain.errors import ConcurrentUpdate, Conflict
from billing.domain.meters import Meter
from billing.domain.paging import Page


def meter_from_item(item: Item) -> Meter:
    return meter_from_record(undoc(item))


class DynamoMeters:
    """A meter item per feature, and a copy in its event type's partition (meters never change)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, meter: Meter) -> None:
        document = doc(meter_to_record(meter))
        by_feature = {
            **item_keys.meter(meter.feature),
            "doc": document,
            **item_keys.listing(item_keys.METERS, meter.feature),
        }
        by_type = {**item_keys.meter_by_event_type(meter.event_type, meter.feature), "doc": document}
        try:
            self._table.transact([put_action(by_feature, NOT_EXISTS), put_action(by_type)])
        except Cancelled as cancelled:
            if cancelled.failed(0):
                raise Conflict(f"feature {meter.feature!r} has a meter already", field="feature") from None
            raise ConcurrentUpdate(f"the meter of {meter.feature} was being written concurrently") from None

    def get(self, feature: str) -> Meter | None:
        item = self._table.get(item_keys.meter(feature))
        return None if item is None else meter_from_item(item)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Meter]:
        return self._table.list_kind(item_keys.METERS, meter_from_item, limit=limit, cursor=cursor)

    def for_event_type(self, event_type: str) -> builtins.list[Meter]:
        items = self._table.query_all(key="PK = :pk", values={":pk": s(item_keys.event_type_pk(event_type))})
        return [meter_from_item(item) for item in items]
