"""Keyset pages for the SQLite repositories: fetch one row more than asked to know if another page exists."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from billing.domain.paging import Page, decode_cursor, encode_cursor

T = TypeVar("T")


def after(cursor: str | None, default: Any = "") -> Any:
    """The keyset position a cursor carries (the last key of the previous page)."""
    return default if cursor is None else decode_cursor(cursor).get("after", default)


def page_of(rows: Sequence[Any], limit: int, to_item: Callable[[Any], T], key_of: Callable[[Any], Any]) -> Page[T]:
    """A page from up to limit + 1 rows ordered by their key."""
    items = [to_item(row) for row in rows[:limit]]
    more = len(rows) > limit
    return Page(items, encode_cursor({"after": key_of(rows[limit - 1])}) if more and limit > 0 else None)


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # json.dumps would build an encoder per call


def document(record: dict[str, Any]) -> str:
    return _COMPACT.encode(record)
