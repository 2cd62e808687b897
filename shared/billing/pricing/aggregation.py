"""How a feature's events become one quantity per billing period."""

from __future__ import annotations

from enum import StrEnum

from billing.domain.errors import InvalidPrice


class Aggregation(StrEnum):
    SUM = "sum"
    COUNT = "count"
    MAX = "max"
    LATEST = "latest"
    UNIQUE_COUNT = "unique_count"


_NAMES = frozenset(kind.value for kind in Aggregation)


def aggregation_named(raw: object, *, field: str = "aggregation") -> Aggregation:
    if isinstance(raw, str) and raw in _NAMES:
        return Aggregation(raw)
    known = ", ".join(sorted(_NAMES))
    raise InvalidPrice(f"{field} must be one of {known}, not {raw!r}", field=field)
