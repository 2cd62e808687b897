"""Reading raw spec values into validated Decimals. Every failure is an InvalidPrice naming its field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from billing.domain.errors import InvalidInput, InvalidPrice
from billing.domain.exact import MAX_PRICE_NUMBER, PRICE_PLACES, bounded
from billing.domain.money import ZERO, parse_decimal


def decimal(raw: object, *, field: str) -> Decimal:
    """A finite Decimal from a decimal string, an int or a Decimal; floats and bools are refused.

    Every number of a price is below 10^29 in magnitude with at most 12 fractional digits, so that rating
    stays exact (billing.domain.exact)."""
    try:
        value = parse_decimal(raw, field=field)
        return bounded(value, field=field, below=MAX_PRICE_NUMBER, places=PRICE_PLACES, minimum=-MAX_PRICE_NUMBER)
    except InvalidInput as error:
        raise InvalidPrice(error.message, field=field) from None


def non_negative(raw: object, *, field: str) -> Decimal:
    value = decimal(raw, field=field)
    if value < ZERO:
        raise InvalidPrice(f"{field} must not be negative, got {value}", field=field)
    return value


def positive(raw: object, *, field: str) -> Decimal:
    value = decimal(raw, field=field)
    if value <= ZERO:
        raise InvalidPrice(f"{field} must be greater than 0, got {value}", field=field)
    return value


def exact(value: object, *, field: str) -> Decimal:
    """For dataclass invariants: the value must already be a Decimal, so nothing is coerced silently."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidPrice(f"{field} must be a finite Decimal, not {value!r}", field=field)
    return value


def mapping(raw: object, *, field: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InvalidPrice(f"{field} must be an object, not {type(raw).__name__}", field=field)
    return raw


def require(spec: Mapping[str, Any], key: str, *, field: str) -> Any:
    if key not in spec:
        raise InvalidPrice(f"{field}.{key} is required", field=f"{field}.{key}")
    return spec[key]


def refuse_unknown_keys(spec: Mapping[str, Any], allowed: Iterable[str], *, field: str, what: str) -> None:
    unknown = sorted(str(key) for key in spec if key not in set(allowed))
    if unknown:
        at = f"{field}.{unknown[0]}"
        raise InvalidPrice(f"{at} is not a field of {what}", field=at)
