"""Keyset pages for the SQLite repositories: fetch one row more than asked to know if another page exists."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from billing.domain.errors import InvalidInput
from billing.domain.paging import Page, decode_cursor, encode_cursor

T = TypeVar("T")

# What SQLite binds as an INTEGER: a larger Python int raises OverflowError inside the query.
_SQLITE_INTEGERS = range(-(2**63), 2**63)


def after(cursor: str | None, default: Any = "", *other_shapes: Any) -> Any:
    """The keyset position a cursor carries (the last key of the previous page), of the shape of `default`
    (or of one of `other_shapes`): a cursor this listing could not have made ({"a": 1}, [1, 2], 10**400
    where a text key goes) is the client's error naming `cursor`, never a query SQLite cannot bind."""
    if cursor is None:
        return default
    decoded = decode_cursor(cursor)
    position = decoded.get("after")
    if decoded.keys() != {"after"} or not any(_same_shape(position, shape) for shape in (default, *other_shapes)):
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return position


def _same_shape(value: Any, shape: Any) -> bool:
    if type(shape) is list:
        return (
            type(value) is list
            and len(value) == len(shape)
            and all(_same_shape(item, kind) for item, kind in zip(value, shape, strict=True))
        )
    if type(shape) is int:
        return type(value) is int and value in _SQLITE_INTEGERS
    return type(value) is type(shape)


def page_of(rows: Sequence[Any], limit: int, to_item: Callable[[Any], T], key_of: Callable[[Any], Any]) -> Page[T]:
    """A page from up to limit + 1 rows ordered by their key."""
    items = [to_item(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor({"after": key_of(rows[limit - 1])}) if more and limit > 0 else None)


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # json.dumps would build an encoder per call


def document(record: dict[str, Any]) -> str:
    return _COMPACT.encode(record)
