"""Plans, API keys and meters: immutable-ish documents, one item each, listed through the ByType index."""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import datetime

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.customers import NOT_EXISTS, doc, undoc
from billing.adapters.dynamodb.table import (
    LIST_INDEX,
    LIST_PK,
    LIST_SK,
    Cancelled,
    ConditionFailed,
    Item,
    Table,
    put_action,
    s,
)
from billing.adapters.records import (
    api_key_from_record,
    api_key_to_record,
    meter_from_record,
    meter_to_record,
    plan_from_record,
    plan_to_record,
)
from billing.domain.access import ApiKey
from billing.domain.errors import ConcurrentUpdate, Conflict, NotFound
from billing.domain.meters import Meter
from billing.domain.paging import Page
from billing.pricing.plans import Plan


def _listed(kind: str, identity: str) -> Item:
    return {LIST_PK: s(kind), LIST_SK: s(identity)}


def _by_type(table: Table, kind: str, convert, *, limit: int, cursor: str | None) -> Page:
    return table.page(
        convert, limit=limit, cursor=cursor, index=LIST_INDEX, key=f"{LIST_PK} = :type", values={":type": s(kind)}
    )


def plan_from_item(item: Item) -> Plan:
    return plan_from_record(undoc(item))


class DynamoPlans:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, plan: Plan) -> None:
        item = {**item_keys.plan(plan.id), "doc": doc(plan_to_record(plan)), **_listed(item_keys.PLANS, plan.id)}
        try:
            self._table.put(item, condition=NOT_EXISTS)
        except ConditionFailed:
            raise Conflict(f"plan {plan.id!r} already exists") from None

    def get(self, plan_id: str) -> Plan | None:
        item = self._table.get(item_keys.plan(plan_id))
        return None if item is None else plan_from_item(item)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Plan]:
        return _by_type(self._table, item_keys.PLANS, plan_from_item, limit=limit, cursor=cursor)


def api_key_from_item(item: Item) -> ApiKey:
    return api_key_from_record(undoc(item))


class DynamoApiKeys:
    """A key item, and a copy under its secret's hash: the authorizer's lookup is one GetItem. Both are
    written in one transaction, so the copy never disagrees with the key."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def _items(self, key: ApiKey) -> tuple[Item, Item]:
        document = doc(api_key_to_record(key))
        return (
            {**item_keys.api_key(key.id), "doc": document, **_listed(item_keys.API_KEYS, key.id)},
            {**item_keys.api_key_hash(key.secret_hash), "doc": document},
        )

    def add(self, key: ApiKey) -> None:
        by_id, by_hash = self._items(key)
        try:
            self._table.transact([put_action(by_id, NOT_EXISTS), put_action(by_hash, NOT_EXISTS)])
        except Cancelled as cancelled:
            if cancelled.conflicting:
                raise ConcurrentUpdate(f"API key {key.id} was being written concurrently") from None
            raise Conflict(f"API key {key.id!r} (or its secret) already exists") from None

    def get(self, key_id: str) -> ApiKey | None:
        item = self._table.get(item_keys.api_key(key_id))
        return None if item is None else api_key_from_item(item)

    def get_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        item = self._table.get(item_keys.api_key_hash(secret_hash))
        return None if item is None else api_key_from_item(item)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[ApiKey]:
        return _by_type(self._table, item_keys.API_KEYS, api_key_from_item, limit=limit, cursor=cursor)

    def revoke(self, key_id: str, at: datetime) -> ApiKey:
        for _ in range(5):
            key = self.get(key_id)
            if key is None:
                raise NotFound(f"API key {key_id!r} does not exist")
            if key.revoked_at is not None:
                return key
            revoked = replace(key, revoked_at=at)
            by_id, by_hash = self._items(revoked)
            unrevoked = "attribute_exists(PK) AND doc = :before"
            before = {":before": doc(api_key_to_record(key))}
            try:
                self._table.transact(
                    [put_action(by_id, unrevoked, values=before), put_action(by_hash, unrevoked, values=before)]
                )
            except Cancelled:
                continue  # revoked (or changed) meanwhile: read again
            return revoked
        raise ConcurrentUpdate(f"API key {key_id} kept changing while being revoked")


def meter_from_item(item: Item) -> Meter:
    return meter_from_record(undoc(item))


class DynamoMeters:
    """A meter item per feature, and a copy in its event type's partition (meters never change)."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, meter: Meter) -> None:
        document = doc(meter_to_record(meter))
        by_feature = {**item_keys.meter(meter.feature), "doc": document, **_listed(item_keys.METERS, meter.feature)}
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
        return _by_type(self._table, item_keys.METERS, meter_from_item, limit=limit, cursor=cursor)

    def for_event_type(self, event_type: str) -> builtins.list[Meter]:
        items = self._table.query_all(key="PK = :pk", values={":pk": s(item_keys.event_type_pk(event_type))})
        return [meter_from_item(item) for item in items]
