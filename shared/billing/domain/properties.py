"""Event properties: nested JSON objects are flattened to dotted keys with text values at the boundary.

`{"usage": {"count": 3}, "region": "eu", "beta": true}` is stored and matched as
`{"usage.count": "3", "region": "eu", "beta": "true"}`, so a meter's dotted `value_property` and its
filters are plain key lookups, and storage keeps one flat string map per event whatever its source
(our API, CloudEvents `data`, Lago `properties`, Stripe `payload`). Numbers keep their exact decimal text
(JSON is parsed with Decimal, never float). Objects deeper than MAX_DEPTH levels, lists and nulls are
refused: none of them can be metered or filtered.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

MAX_DEPTH = 4  # "a.b.c.d" is the deepest key
MAX_SIGNIFICANT_DIGITS = 38  # what a DynamoDB number keeps; quantities are bounded the same way


class PropertyError(ValueError):
    """A property that cannot be stored; `path` is its dotted key."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


def flatten_properties(value: Mapping[str, Any], *, max_depth: int = MAX_DEPTH) -> dict[str, str]:
    """Nested objects → dotted keys, scalars → text. Raises PropertyError naming the offending key."""
    flat: dict[str, str] = {}
    _flatten_into(flat, value, "", 1, max_depth)
    return flat


def property_text(value: Any, path: str = "") -> str:
    """One scalar as stored: strings as they are, numbers as exact decimal text, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise PropertyError(path, "must be a finite number")
        return format(value, "f")  # 1E+3 -> "1000", 1.50 -> "1.50"
    if isinstance(value, float):  # only from a caller that parsed JSON with floats; keep its shortest text
        return repr(value)
    if value is None:
        raise PropertyError(path, "must not be null")
    if isinstance(value, list | tuple):
        raise PropertyError(path, "lists are not supported; use an object or a string")
    raise PropertyError(path, "must be a string, number, boolean or object")


def _flatten_into(flat: dict[str, str], value: Mapping[str, Any], prefix: str, depth: int, max_depth: int) -> None:
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise PropertyError(prefix, "property names must be non-empty strings")
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(item, Mapping):
            if depth >= max_depth:
                raise PropertyError(path, f"objects nest at most {max_depth} levels deep")
            _flatten_into(flat, item, path, depth + 1, max_depth)
            continue
        if path in flat:
            raise PropertyError(path, "given twice (a dotted name and a nested object name the same property)")
        flat[path] = property_text(item, path)


def parse_number(text: str) -> Decimal | None:
    """The exact number a property holds, or None when it holds no finite number."""
    try:
        number = Decimal(text.strip())
    except (ArithmeticError, ValueError):
        return None
    if not number.is_finite() or len(number.as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
        return None
    return number
