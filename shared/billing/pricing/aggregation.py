"""How a feature's events become one quantity per billing period."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.domain.errors import InvalidPrice
from billing.domain.money import ZERO, parse_decimal


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


def aggregate(kind: Aggregation | str, values: Iterable[Any]) -> Decimal:
    """Aggregate raw event values; no values aggregate to 0.

    sum, max: event quantities. count: one per value, whatever it is.
    latest: (timestamp, quantity) pairs; the quantity with the greatest timestamp (on a tie, the later pair).
    unique_count: property values; events without the property (None) are not counted.
    """
    kind = aggregation_named(kind)
    if kind is Aggregation.SUM:
        return sum((_quantity(value) for value in values), ZERO)
    if kind is Aggregation.COUNT:
        return Decimal(sum(1 for _ in values))
    if kind is Aggregation.MAX:
        return max((_quantity(value) for value in values), default=ZERO)
    if kind is Aggregation.LATEST:
        latest: tuple[Any, Any] | None = None
        for timestamp, quantity in values:
            if latest is None or timestamp >= latest[0]:
                latest = (timestamp, quantity)
        return ZERO if latest is None else _quantity(latest[1])
    return Decimal(len({value for value in values if value is not None}))


def _quantity(value: object) -> Decimal:
    return parse_decimal(value, field="quantity")
