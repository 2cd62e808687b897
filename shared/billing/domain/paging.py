"""Pages of a listing: the items and an opaque cursor for the next page.

A cursor is whatever the adapter needs to resume (a SQL keyset, a DynamoDB LastEvaluatedKey); callers
pass it back untouched. No listing promises an order beyond what its port method says.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from billing.domain.errors import InvalidInput

T = TypeVar("T")

MAX_CURSOR_LENGTH = 2_048
# The most items one page holds: the bound of every listing's `limit`, and the page the services read whole
# listings with.
MAX_PAGE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursor: str | None = None  # None: this was the last page


def all_items(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    """Every item of a paged listing: `fetch(cursor)` is called until a page has no cursor."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def encode_cursor(position: dict[str, Any]) -> str:
    """An adapter's resume position as URL-safe text (JSON, base64url without padding)."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position `encode_cursor` made; anything else is the client's error, naming `cursor`."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None
    if not isinstance(position, dict):
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return position
