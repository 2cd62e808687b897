"""Capacity accounting: the requests the adapter made, and the read and write units they cost by DynamoDB's
documented sizing rules, counted as the client makes them (the bench and docs/storage-dynamodb.md read them)."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from billing.adapters.dynamodb.table.attributes import Item
from billing.adapters.dynamodb.table.schema import DRAFTS_INDEX, INDEX_KEYS, LIST_INDEX, TIME_INDEX


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
class CapacityCounter:
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

    # -- one method per request the client makes; `response` is None when its condition failed ---------------

    def count_get(self, found: Item | None, *, consistent: bool, response: Mapping[str, Any]) -> None:
        units = read_units(item_size(found)) if found else 1
        self.count("GetItem", reads=units if consistent else units / 2, reported=_reported(response))

    def count_put(self, item: Item, response: Mapping[str, Any] | None) -> None:
        self.count("PutItem", writes=_written_units(item, transactional=False), reported=_reported(response))

    def count_update(self, new: Item | None, response: Mapping[str, Any] | None) -> None:
        """`new`: the item as written, when the request returned it."""
        self.count(
            "UpdateItem", writes=_written_units(new, transactional=False) if new else 1, reported=_reported(response)
        )

    def count_transaction(self, actions: list[dict[str, Any]], response: Mapping[str, Any] | None) -> None:
        units = sum(
            _written_units(body.get("Item"), transactional=True) for action in actions for body in action.values()
        )
        self.count("TransactWriteItems", writes=units, reported=_reported(response))

    def count_batch_get(
        self, found: list[Item], *, requested: int, unprocessed: int, response: Mapping[str, Any]
    ) -> None:
        misses = requested - len(found) - unprocessed
        units = sum(read_units(item_size(item)) for item in found) + max(misses, 0)
        self.count("BatchGetItem", reads=units, reported=_reported(response))

    def count_query(self, items: list[Item], *, consistent: bool, response: Mapping[str, Any]) -> None:
        units = read_units(sum(item_size(item) for item in items))
        self.count("Query", reads=units if consistent else units / 2, reported=_reported(response))


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


def _reported(response: Mapping[str, Any] | None) -> float:
    consumed = None if response is None else response.get("ConsumedCapacity")
    if consumed is None:
        return 0.0
    if isinstance(consumed, list):
        return float(sum(part.get("CapacityUnits", 0) for part in consumed))
    return float(consumed.get("CapacityUnits", 0))
