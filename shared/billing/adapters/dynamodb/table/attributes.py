"""Attribute values as the low-level client sends and returns them ({"S": "..."}, {"N": "..."}), the JSON
document most items keep their entity in, and the numbers DynamoDB can hold exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from billing.domain.errors import InvalidInput

Item = dict[str, Any]  # an item as the low-level client sends and returns it: {"name": {"S": "..."}}

# DynamoDB numbers: 38 significant digits, magnitudes from 1E-130 to below 1E+126.
MAX_DIGITS = 38
_MIN_EXPONENT, _MAX_EXPONENT = -130, 125


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


def doc(record: dict[str, Any]) -> dict[str, str]:
    """A storage record (billing.adapters.records) as the item's `doc` attribute: compact JSON text."""
    return s(json.dumps(record, separators=(",", ":"), ensure_ascii=False))


def undoc(item: Item) -> dict[str, Any]:
    """The storage record an item's `doc` attribute holds."""
    return json.loads(item["doc"]["S"])
