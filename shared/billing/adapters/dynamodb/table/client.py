"""The table's client and its requests: each single-item, transaction, batch and query request the repositories
make, with paging, translated errors and capacity counted.

Items are written with the low-level client (attribute-value dicts), so what is sent is exactly what the
docs/storage-dynamodb.md tables describe and what the capacity counter sizes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from billing.adapters.dynamodb.table.attributes import Item, s
from billing.adapters.dynamodb.table.capacity import CapacityCounter
from billing.adapters.dynamodb.table.errors import Cancelled, ConditionFailed, translated
from billing.adapters.dynamodb.table.schema import INDEX_KEYS, LIST_INDEX, LIST_PK, NUMBER_KEYS, PK, SK
from billing.domain.errors import InvalidInput
from billing.domain.paging import Page, decode_cursor, encode_cursor

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET = 100
NOT_EXISTS = "attribute_not_exists(PK)"  # the condition of a put that must not replace an item


@dataclass(frozen=True)
class ClientSettings:
    region: str | None = None
    endpoint_url: str | None = None
    max_attempts: int = 5
    retry_mode: str = "standard"
    connect_timeout: float = 2.0
    read_timeout: float = 5.0


class Table:
    """The table's name and a client built on first use (so `moto.mock_aws` started later still applies,
    and a Lambda that never touches storage never pays for boto3)."""

    def __init__(self, name: str, settings: ClientSettings) -> None:
        self.name = name
        self._settings = settings
        self._lock = threading.Lock()
        self.capacity = CapacityCounter()

    @cached_property
    def client(self) -> Any:
        with self._lock:
            settings = self._settings
            config = Config(
                retries={"mode": settings.retry_mode, "max_attempts": settings.max_attempts},
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.read_timeout,
            )
            # A session of our own: boto3's default session is not thread-safe to create clients from.
            session = boto3.session.Session(region_name=settings.region)
            return session.client("dynamodb", endpoint_url=settings.endpoint_url, config=config)

    # -- single items ------------------------------------------------------

    def get(self, key: Item, *, consistent: bool = True) -> Item | None:
        with translated():
            response = self.client.get_item(
                TableName=self.name, Key=key, ConsistentRead=consistent, ReturnConsumedCapacity="TOTAL"
            )
        found = response.get("Item")
        self.capacity.count_get(found, consistent=consistent, response=response)
        return found

    def put(
        self,
        item: Item,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """Raises ConditionFailed when `condition` is false."""
        request: dict[str, Any] = {"TableName": self.name, "Item": item, "ReturnConsumedCapacity": "TOTAL"}
        _add_expression(request, condition, names, values)
        try:
            with translated():
                response = self.client.put_item(**request)
        except ConditionFailed:
            self.capacity.count_put(item, None)
            raise
        self.capacity.count_put(item, response)

    def update(
        self,
        key: Item,
        expression: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        return_new: bool = False,
    ) -> Item | None:
        """Raises ConditionFailed when `condition` is false; returns the new item if asked."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": key,
            "UpdateExpression": expression,
            "ReturnConsumedCapacity": "TOTAL",
            "ReturnValues": "ALL_NEW" if return_new else "NONE",
        }
        _add_expression(request, condition, names, values)
        try:
            with translated():
                response = self.client.update_item(**request)
        except ConditionFailed:
            self.capacity.count_update(None, None)
            raise
        new = response.get("Attributes")
        self.capacity.count_update(new, response)
        return new

    # -- many items --------------------------------------------------------

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """One TransactWriteItems of at most 100 actions ({"Put": {...}} / {"Update": ...} /
        {"ConditionCheck": ...}, without TableName). Raises Cancelled with a reason per action."""
        if len(actions) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(actions)} actions in one transaction; DynamoDB takes {MAX_TRANSACTION_ITEMS}")
        request = [{kind: {"TableName": self.name, **body} for kind, body in action.items()} for action in actions]
        try:
            with translated():
                response = self.client.transact_write_items(TransactItems=request, ReturnConsumedCapacity="TOTAL")
        except Cancelled:
            self.capacity.count_transaction(actions, None)
            raise
        self.capacity.count_transaction(actions, response)

    def batch_get(self, keys: list[Item], *, projection: str | None = None) -> list[Item]:
        """Strongly consistent BatchGetItem of any number of keys (100 per request, unprocessed keys
        retried). Order is not kept."""
        found: list[Item] = []
        for start in range(0, len(keys), MAX_BATCH_GET):
            pending: dict[str, Any] = {self.name: {"Keys": keys[start : start + MAX_BATCH_GET], "ConsistentRead": True}}
            if projection:
                pending[self.name]["ProjectionExpression"] = projection
            while pending:
                with translated():
                    response = self.client.batch_get_item(RequestItems=pending, ReturnConsumedCapacity="TOTAL")
                items = response.get("Responses", {}).get(self.name, [])
                found.extend(items)
                self.capacity.count_batch_get(
                    items,
                    requested=len(pending[self.name]["Keys"]),
                    unprocessed=len(response.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])),
                    response=response,
                )
                pending = response.get("UnprocessedKeys") or {}
        return found

    def query(
        self,
        *,
        index: str | None = None,
        consistent: bool = True,
        limit: int | None = None,
        start: Item | None = None,
        forward: bool = True,
        key: str,
        filter: str | None = None,  # noqa: A002 (the request field it fills)
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> tuple[list[Item], Item | None]:
        """One Query request: (items, LastEvaluatedKey)."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key,
            "ScanIndexForward": forward,
            "ReturnConsumedCapacity": "TOTAL",
        }
        if index is not None:
            request["IndexName"] = index
        else:
            request["ConsistentRead"] = consistent
        if limit is not None:
            request["Limit"] = limit
        if start is not None:
            request["ExclusiveStartKey"] = start
        if filter is not None:
            request["FilterExpression"] = filter
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if values:
            request["ExpressionAttributeValues"] = dict(values)
        with translated():
            try:
                response = self.client.query(**request)
            except ClientError as error:
                if start is not None and error.response.get("Error", {}).get("Code") == "ValidationException":
                    raise InvalidInput("cursor is not one this API returned", field="cursor") from None
                raise
        items = response.get("Items", [])
        self.capacity.count_query(items, consistent=consistent and index is None, response=response)
        return items, response.get("LastEvaluatedKey")

    def query_all(self, **kwargs: Any) -> list[Item]:
        """Every item a Query matches, following LastEvaluatedKey."""
        found: list[Item] = []
        start = None
        while True:
            items, start = self.query(start=start, **kwargs)
            found.extend(items)
            if start is None:
                return found

    def page(
        self, convert: Callable[[Item], Any], *, limit: int, cursor: str | None, index: str | None = None, **kwargs: Any
    ) -> Page[Any]:
        """Up to `limit` converted items and an opaque cursor wrapping LastEvaluatedKey. With a filter,
        Query is repeated until the page is full or the partition is done."""
        if limit < 1:
            raise InvalidInput("limit must be at least 1", field="limit")
        start = _start_key(cursor, index) if cursor else None
        found: list[Any] = []
        while True:
            items, start = self.query(index=index, limit=limit - len(found), start=start, **kwargs)
            found.extend(convert(item) for item in items)
            if start is None or len(found) >= limit:
                return Page(found, encode_cursor(_cursor_position(start)) if start is not None else None)

    def list_kind(self, kind: str, convert: Callable[[Item], Any], *, limit: int, cursor: str | None) -> Page[Any]:
        """A page of the items the ByType index lists under `kind` (item_keys.listing)."""
        return self.page(
            convert, limit=limit, cursor=cursor, index=LIST_INDEX, key=f"{LIST_PK} = :type", values={":type": s(kind)}
        )


def _add_expression(
    request: dict[str, Any], condition: str | None, names: Mapping[str, str] | None, values: Mapping[str, Any] | None
) -> None:
    if condition is not None:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = dict(values)


def _cursor_position(key: Item) -> dict[str, Any]:
    position: dict[str, Any] = {}
    for name, value in key.items():
        (kind, raw), *_ = value.items()
        position[name] = [kind, raw]
    return position


def _start_key(cursor: str, index: str | None) -> Item:
    """LastEvaluatedKey back from a cursor, refusing anything this listing could not have returned: other
    attributes, another type than the key schema's, an empty value, a number DynamoDB cannot read (moto fails
    on those with a Python exception, a 500, where AWS answers a ValidationException, which `query` maps)."""
    position = decode_cursor(cursor)
    if position.keys() != {PK, SK, *INDEX_KEYS[index]}:
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    key: Item = {}
    for name, value in position.items():
        kind = "N" if name in NUMBER_KEYS else "S"
        if not (isinstance(value, list) and len(value) == 2 and value[0] == kind and isinstance(value[1], str)) or (
            not value[1]  # AWS refuses an empty key value
        ):
            raise InvalidInput("cursor is not one this API returned", field="cursor")
        if kind == "N" and not _INTEGER.fullmatch(value[1]):
            raise InvalidInput("cursor is not one this API returned", field="cursor")
        key[name] = {kind: value[1]}
    return key


_INTEGER = re.compile(r"-?[0-9]{1,38}")  # the number keys hold integer microseconds


def put_action(
    item: Item,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"Item": item}
    _add_expression(body, condition, names, values)
    return {"Put": body}


def update_action(
    key: Item,
    expression: str,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"Key": key, "UpdateExpression": expression}
    _add_expression(body, condition, names, values)
    return {"Update": body}
