"""The field types the bodies share: instants, quantities, prices, money, names and ids, with their bounds.

Quantities and money leave as decimal strings: JSON numbers are floats in most clients.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from billing.domain.exact import (
    EARLIEST,
    LATEST,
    MAX_MONEY,
    MAX_PRICE_NUMBER,
    MAX_QUANTITY,
    PRICE_PLACES,
    QUANTITY_PLACES,
    at_most_places,
    event_time_refusal,
)
from billing.domain.names import BIDI_CONTROLS_REFUSED, first_bidi_control


def _aware_iso(value: Any) -> datetime:
    """ISO 8601 text with a timezone, nothing else (no epoch numbers, no naive times)."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 string with a timezone, e.g. 2025-09-01T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {value[:40]!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("must include a timezone (Z or an offset such as +02:00)")
    return parsed


def _iso_instant(value: Any) -> datetime:
    """An instant of a range (usage reads): EARLIEST to LATEST, both included."""
    parsed = _aware_iso(value)
    # Compared before any conversion: 9999-12-31T23:00:00-14:00 has no UTC form in Python.
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError(f"must be from {EARLIEST:%Y-%m-%dT%H:%MZ} to {LATEST:%Y-%m-%dT%H:%MZ}")
    return parsed


def _event_time(value: Any) -> datetime:
    """An event's time: within the one event window (billing.domain.exact), whatever route sends it."""
    parsed = _aware_iso(value)
    refusal = event_time_refusal(parsed)
    if refusal is not None:
        raise ValueError(refusal)
    return parsed


def _json_integer(value: Any) -> Any:
    """A JSON integer, strictly: pydantic's lax int takes true as 1, "3" and 3.0 as 3."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a JSON integer")
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent < 0:  # type: ignore[operator]
        raise ValueError("must be a JSON integer, without a fractional part")
    return value


def _canonical(places: int) -> AfterValidator:
    """Drop trailing zeros beyond the allowed places (1.5000000000000 -> 1.500000000): sums never carry
    more fractional digits than the bounds allow."""
    return AfterValidator(partial(at_most_places, places=places))


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _no_bidi_controls(value: str) -> str:
    control = first_bidi_control(value)
    if control is not None:
        raise ValueError(f"{BIDI_CONTROLS_REFUSED}; found {control}")
    return value


# Marks an integer of a JSON body (days, counts): `Annotated[int, Field(...), JSON_INTEGER]`.
JSON_INTEGER = BeforeValidator(_json_integer)
IsoInstant = Annotated[datetime, BeforeValidator(_iso_instant)]
# Every event's time, /v1 and drop-in alike (the drop-ins' unix seconds: billing.http.dropin.unix_seconds).
EventTime = Annotated[datetime, BeforeValidator(_event_time)]


Quantity = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_QUANTITY, decimal_places=QUANTITY_PLACES, allow_inf_nan=False),
    _canonical(QUANTITY_PLACES),
]


UnitPrice = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_PRICE_NUMBER, decimal_places=PRICE_PLACES, allow_inf_nan=False),
    _canonical(PRICE_PLACES),
]


FeatureName = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:/-]+$")]
EventType = Annotated[str, Field(min_length=1, max_length=200)]
ExternalId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\s]+$")]
# Names and descriptions people read (billing.domain.names): no bidirectional controls.
Text = Annotated[
    str, Field(min_length=1, max_length=200), AfterValidator(_not_blank), AfterValidator(_no_bidi_controls)
]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), AfterValidator(_no_bidi_controls)]
ResourceId = Annotated[str, Field(min_length=1, max_length=100)]


# Credits and minimums; the currency's minor unit is checked by the core (billing.domain.money).
Money = Annotated[Decimal, Field(ge=0, lt=MAX_MONEY, allow_inf_nan=False)]


def decimal_text(value: Decimal) -> str:
    """A quantity as plain decimal text: 1E+3 -> '1000', 2.50 -> '2.50'."""
    return format(value, "f")
