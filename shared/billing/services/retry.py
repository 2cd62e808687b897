"""Optimistic concurrency: re-read and try again when storage refuses a write based on a stale read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from billing.domain.errors import ConcurrentUpdate

T = TypeVar("T")


def retry_on_conflict(attempt: Callable[[], T], *, attempts: int, what: str) -> T:
    """`attempt()` reads, decides and writes; when its write raises ConcurrentUpdate it runs again from
    the read, up to `attempts` times in all."""
    for _ in range(attempts - 1):
        try:
            return attempt()
        except ConcurrentUpdate:
            continue
    try:
        return attempt()
    except ConcurrentUpdate:
        raise ConcurrentUpdate(f"{what} kept changing; try again") from None
