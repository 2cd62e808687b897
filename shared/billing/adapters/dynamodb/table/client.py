"""The one DynamoDB table every repository shares: the lazily built client, the item codec, the request
meter, paging, and the translation of backend errors into domain errors.

Items are written with the low-level client (attribute-value dicts), so what is sent is exactly what the
docs/storage-dynamodb.md tables describe and what the meter sizes.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from billing.domain.errors import ConcurrentUpdate, InvalidInput, StorageUnavailable
from billing.domain.paging import Page, decode_cursor, encode_cursor

Item = dict[str, Any]  # an item as the low-level client sends and returns it: {"name": {"S": "..."}}

# Attribute names of the keys and indexes (template.yaml's BillingTable declares the same).
PK, SK = "PK", "SK"
LIST_INDEX, LIST_PK, LIST_SK = "ByType", "TypePK", "TypeSK"  # entity listings
DRAFTS_INDEX, DRAFTS_PK, DRAFTS_SK = "DraftsDue", "DraftPK", "DraftSK"  # sparse: drafts only
TIME_INDEX, TIME_PK, TIME_SK = "EventsByTime", "TimePK", "TimeSK"  # a customer's events by ts
INDEX_KEYS = {
    None: (PK, SK),
    LIST_INDEX: (LIST_PK, LIST_SK),
    DRAFTS_INDEX: (DRAFTS_PK, DRAFTS_SK),
    TIME_INDEX: (TIME_PK, TIME_SK),
}

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET = 100
# DynamoDB numbers: 38 significant digits, magnitudes from 1E-130 to below 1E+126.
MAX_DIGITS = 38
_MIN_EXPONENT, _MAX_EXPONENT = -130, 125

_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "ResourceNotFoundException",
        "LimitExceededException",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "TransactionInProgressException",
    }
)


# ---------------------------------------------------------------------------
# Attribute values
# ---------------------------------------------------------------------------


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int | Decimal) -> dict[str, str]:
    return {"N": str(value)}


def text(item: Item, name: str) -> str | None:
    value = item.get(name)
    return None if value is None else value["S"]


def number(item: Item, name: str) -> Decimal:
    return Decimal(item[name]["N"])


def integer(item: Item, name: str, default: int = 0) -> int:
    value = item.get(name)
    return default if value is None else int(value["N"])


def check_number(value: Decimal, *, field: str) -> Decimal:
    """Refuse what a DynamoDB number cannot hold exactly (moto accepts it; AWS would not)."""
    if not value.is_finite():
        raise InvalidInput(f"{field} must be a finite number", field=field)
    if value.is_zero():
        return value
    # as_tuple, not normalize(): normalize rounds to the context's 28 digits.
    _sign, digit_tuple, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    stripped = digits.rstrip("0")
    exponent += len(digits) - len(stripped)
    digits = stripped
    if len(digits) > MAX_DIGITS:
        raise InvalidInput(
            f"{field} {value} has {len(digits)} significant digits; at most {MAX_DIGITS} can be stored exactly",
            field=field,
        )
    magnitude = exponent + len(digits) - 1
    if not _MIN_EXPONENT <= magnitude <= _MAX_EXPONENT:
        raise InvalidInput(f"{field} {value} is out of the storable range (1E-130 to 1E+126)", field=field)
    return value


# ---------------------------------------------------------------------------
# Request meter: requests and capacity units per operation, from the documented sizing rules
# ---------------------------------------------------------------------------


def item_size(item: Item) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (UTF-8 bytes; numbers about one
    byte per two significant digits plus one)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:  # noqa: PLR0911
    (kind, raw), *_ = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        digits = len(raw.lstrip("-").replace(".", "").lstrip("0").split("E")[0].split("e")[0]) or 1
        return math.ceil(digits / 2) + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(key.encode()) + _value_size(sub) + 1 for key, sub in raw.items())
    if kind == "L":
        return 3 + sum(_value_size(sub) + 1 for sub in raw)
    if kind == "SS":
        return sum(len(member.encode()) for member in raw)
    return len(raw)


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int) -> int:
    return max(1, math.ceil(size / 4096))


@dataclass
class RequestMeter:
    """What the adapter asked of DynamoDB: requests per operation, and read/write units counted from the
    documented rules (1 WRU per KB written, ×2 in a transaction, + 1 per KB per GSI the item is in;
    1 RRU per 4 KB strongly consistent, ½ eventually consistent). `reported` sums the ConsumedCapacity
    the service returned (moto's are simplified)."""

    requests: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    reported: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, operation: str, *, reads: float = 0.0, writes: float = 0.0, reported: float = 0.0) -> None:
        with self._lock:
            self.requests[operation] += 1
            self.read_units += reads
            self.write_units += writes
            self.reported += reported

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "read_units": self.read_units,
                "write_units": self.write_units,
                "reported": self.reported,
            }

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.read_units = self.write_units = self.reported = 0.0


def _gsi_count(item: Item) -> int:
    return sum(
        1
        for pk_name, _ in (INDEX_KEYS[LIST_INDEX], INDEX_KEYS[DRAFTS_INDEX], INDEX_KEYS[TIME_INDEX])
        if pk_name in item
    )


def _written_units(item: Item | None, *, transactional: bool) -> float:
    # Updates, deletes and condition checks carry no full item: counted as one item of up to 1 KB.
    units = write_units(item_size(item)) if item is not None else 1
    gsi = _gsi_count(item) * units if item is not None else 0
    return units * (2 if transactional else 1) + gsi


def _reported(response: Mapping[str, Any]) -> float:
    consumed = response.get("ConsumedCapacity")
    if consumed is None:
        return 0.0
    if isinstance(consumed, list):
        return float(sum(part.get("CapacityUnits", 0) for part in consumed))
    return float(consumed.get("CapacityUnits", 0))


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class Cancelled(Exception):
    """A transaction was cancelled: `reasons[i]` is the code for item i ("None" when it was fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"

    @property
    def conflicting(self) -> bool:
        """Another transaction was changing the same items: retry."""
        return any(reason == "TransactionConflict" for reason in self.reasons)


class ConditionFailed(Exception):
    """A single-item write's condition was false."""


@contextmanager
def translated() -> Iterator[None]:
    """Backend errors as domain errors; the condition failures the caller interprets as Cancelled or
    ConditionFailed."""
    try:
        yield
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "TransactionCanceledException":
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if not reasons:  # some emulators only put them in the message
                reasons = _reasons_from_message(error.response.get("Error", {}).get("Message", ""))
            raise Cancelled(reasons) from None
        if code == "ConditionalCheckFailedException":
            raise ConditionFailed() from None
        if code == "TransactionConflictException":
            raise ConcurrentUpdate("another transaction was writing the same items") from None
        if code in _UNAVAILABLE_CODES:
            raise StorageUnavailable(f"DynamoDB cannot serve right now ({code})") from error
        raise
    except BotoCoreError as error:  # endpoint unreachable, timeouts, no credentials
        raise StorageUnavailable(f"DynamoDB cannot be reached ({type(error).__name__})") from error


def _reasons_from_message(message: str) -> list[str]:
    # "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    start, end = message.rfind("["), message.rfind("]")
    if start < 0 or end < start:
        return []
    return [part.strip() for part in message[start + 1 : end].split(",")]


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


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
        self.meter = RequestMeter()

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
        units = read_units(item_size(found)) if found else 1
        self.meter.count("GetItem", reads=units if consistent else units / 2, reported=_reported(response))
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
            self.meter.count("PutItem", writes=_written_units(item, transactional=False))
            raise
        self.meter.count("PutItem", writes=_written_units(item, transactional=False), reported=_reported(response))

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
            self.meter.count("UpdateItem", writes=1)
            raise
        new = response.get("Attributes")
        self.meter.count(
            "UpdateItem", writes=_written_units(new, transactional=False) if new else 1, reported=_reported(response)
        )
        return new

    # -- many items --------------------------------------------------------

    def transact(self, actions: list[dict[str, Any]]) -> None:
        """One TransactWriteItems of at most 100 actions ({"Put": {...}} / {"Update": ...} /
        {"ConditionCheck": ...}, without TableName). Raises Cancelled with a reason per action."""
        if len(actions) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"{len(actions)} actions in one transaction; DynamoDB takes {MAX_TRANSACTION_ITEMS}")
        request = [{kind: {"TableName": self.name, **body} for kind, body in action.items()} for action in actions]
        units = sum(
            _written_units(body.get("Item"), transactional=True) for action in actions for body in action.values()
        )
        try:
            with translated():
                response = self.client.transact_write_items(TransactItems=request, ReturnConsumedCapacity="TOTAL")
        except Cancelled:
            self.meter.count("TransactWriteItems", writes=units)
            raise
        self.meter.count("TransactWriteItems", writes=units, reported=_reported(response))

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
                misses = (
                    len(pending[self.name]["Keys"])
                    - len(items)
                    - len(response.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", []))
                )
                units = sum(read_units(item_size(item)) for item in items) + max(misses, 0)
                self.meter.count("BatchGetItem", reads=units, reported=_reported(response))
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
        units = read_units(sum(item_size(item) for item in items))
        self.meter.count(
            "Query", reads=units if (consistent and index is None) else units / 2, reported=_reported(response)
        )
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
    """LastEvaluatedKey back from a cursor, refusing anything this listing could not have returned."""
    position = decode_cursor(cursor)
    allowed = {PK, SK, *INDEX_KEYS[index]}
    key: Item = {}
    for name, value in position.items():
        if (
            name not in allowed
            or not isinstance(value, list)
            or len(value) != 2
            or value[0] not in ("S", "N")
            or not isinstance(value[1], str)
        ):
            raise InvalidInput("cursor is not one this API returned", field="cursor")
        key[name] = {value[0]: value[1]}
    if not {PK, SK} <= set(key):
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return key


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
