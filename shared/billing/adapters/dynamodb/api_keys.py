"""API keys: a key item and a copy under its secret's hash, listed through the ByType index."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, doc, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table, put_action
from billing.adapters.dynamodb.table.errors import Cancelled
from billing.adapters.records import api_key_from_record, api_key_to_record
from billing.domain.api_keys import ApiKey
from billing.domain.errors import ConcurrentUpdate, Conflict, NotFound
from billing.domain.paging import Page


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
            {**item_keys.api_key(key.id), "doc": document, **item_keys.listing(item_keys.API_KEYS, key.id)},
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
        return self._table.list_kind(item_keys.API_KEYS, api_key_from_item, limit=limit, cursor=cursor)

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
