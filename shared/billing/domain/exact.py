"""The bounds that keep every stored or printed number exact, and the arithmetic that proves it.

Python's default Decimal context keeps 28 significant digits and rounds silently beyond them
(`Decimal("1e28") + 1 == Decimal("1e28")`). Money and quantity arithmetic runs in `EXACT` instead: wide
enough for every value the bounds below allow, and trapping `Inexact`, so a result that would need
rounding raises instead of being rounded. The one deliberate rounding (a line item to the currency's
minor unit, billing.domain.money) uses `ROUNDING`, which allows inexact results but nothing else.

The arithmetic (README "Bounds"):

- an event quantity is 0 <= q < 10^15 with at most 9 fractional digits: at most 24 significant digits;
- a rollup sum keeps the same 9 fractional digits; DynamoDB numbers hold 38 significant digits, which
  leaves 29 integer digits: a rollup holds 10^14 events of the largest quantity (MAX_SUM = 10^29);
- every number of a price (unit, package and flat amounts, tier bounds, package sizes) is below
  10^29 with at most 12 fractional digits;
- the largest product is a rolled-up sum times a price: < 10^29 x 10^29 = 10^58 with 9 + 12 = 21
  fractional digits, 79 significant digits; a package count (sum / package size) is < 10^29 / 10^-12 =
  10^41, times a package amount < 10^70 with 12 fractional digits, 82 digits; tiers, lines and
  credits add a few digits more. PRECISION = 120 leaves more than 30 digits to spare.
- credits and minimums are below 10^12 major units, in the currency's minor units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from decimal import (
    ROUND_HALF_EVEN,
    Clamped,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Underflow,
    localcontext,
)
from functools import wraps
from typing import ParamSpec, TypeVar

from billing.domain.errors import InvalidInput

MAX_QUANTITY = Decimal(10) ** 15  # exclusive, per event
QUANTITY_PLACES = 9
MAX_SUM = Decimal(10) ** 29  # exclusive: what a rollup sum can reach and DynamoDB still store exactly
MAX_PRICE_NUMBER = MAX_SUM  # exclusive: any number of a price spec
PRICE_PLACES = 12
MAX_MONEY = Decimal(10) ** 12  # exclusive, major units: credits, minimums
PRECISION = 120

# Instants the API accepts: backfill back to 2000 stays possible, nothing beyond 2099 is meant.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive for event ts, inclusive as the end of a range
# The one window of an event's time, whatever route or vendor format sent it: EARLIEST <= ts < LATEST.
EVENT_TIME_WINDOW = f"from {EARLIEST:%Y-%m-%dT%H:%MZ} and before {LATEST:%Y-%m-%dT%H:%MZ}"
# Billing periods: every local month an accepted instant falls in, in any timezone (UTC-12 .. UTC+14).
FIRST_PERIOD_YEAR = 1999
LAST_PERIOD_YEAR = 2100
# A plan's grace period before its invoices finalize: a due date stays a year at most past its period.
MAX_GRACE_PERIOD_DAYS = 365
# A payment term (days from an invoice's issue date to its due date), a plan's or the deployment's.
MAX_NET_DAYS = 365

EXACT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Underflow, Clamped, Inexact],
)
ROUNDING = Context(prec=PRECISION, traps=[InvalidOperation, DivisionByZero, Overflow, Underflow, Clamped])

ZERO = Decimal(0)
P = ParamSpec("P")
R = TypeVar("R")


def event_time_refusal(instant: datetime) -> str | None:
    """Why an event's time (aware) cannot be stored, or None: outside the window, its billing period in
    some timezone is one no run can bill (or has no local date at all)."""
    if EARLIEST <= instant < LATEST:
        return None
    return f"must be {EVENT_TIME_WINDOW}"


def quantity_refusal(value: Decimal) -> str | None:
    """Why a number cannot be an event's quantity, or None: the bound of every quantity, whether the client
    sent it (Quantity in the request schemas) or a meter read it from the event's properties."""
    if not value.is_finite() or not ZERO <= value < MAX_QUANTITY:
        return f"must be at least 0 and less than {MAX_QUANTITY:.0E}"
    if fractional_digits(value) > QUANTITY_PLACES:
        return f"must have at most {QUANTITY_PLACES} decimal places"
    return None


def exact_arithmetic() -> AbstractContextManager[Context]:
    """`with exact_arithmetic(): ...`: Decimal operations in the block are exact or raise."""
    return localcontext(EXACT)


def exact(function: Callable[P, R]) -> Callable[P, R]:
    """Decorator: the function's Decimal arithmetic runs in EXACT (exact or raises)."""

    @wraps(function)
    def in_exact_context(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(EXACT):
            return function(*args, **kwargs)

    return in_exact_context


def exact_add(left: Decimal, right: Decimal) -> Decimal:
    return EXACT.add(left, right)


def exact_sum(values: Iterable[Decimal], start: Decimal = ZERO) -> Decimal:
    total = start
    for value in values:
        total = EXACT.add(total, value)
    return total


def fractional_digits(value: Decimal) -> int:
    """Digits after the point of the value itself: 1.50 has 1, 1E+3 has 0."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0 or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def bounded(value: Decimal, *, field: str, below: Decimal, places: int, minimum: Decimal = ZERO) -> Decimal:
    """The value if minimum <= value < below with at most `places` fractional digits, else InvalidInput.

    Trailing zeros beyond `places` are dropped (1.5000000000000 -> 1.500000000), so sums never carry more
    fractional digits than the bound says."""
    if not value.is_finite():
        raise InvalidInput(f"{field} must be a finite number", field=field)
    if not minimum <= value < below:
        raise InvalidInput(
            f"{field} must be at least {minimum} and less than {below:.0E}, got {value:.6E}", field=field
        )
    if fractional_digits(value) > places:
        raise InvalidInput(f"{field} must have at most {places} decimal places", field=field)
    return at_most_places(value, places=places)


def at_most_places(value: Decimal, *, places: int) -> Decimal:
    """The value with no more than `places` fractional digits, by dropping trailing zeros (exact; the caller
    has checked that only zeros go)."""
    text = str(value)  # cheaper than as_tuple(), and enough for the usual plain decimal
    point = text.find(".")
    if "E" not in text and (point < 0 or len(text) - point - 1 <= places):
        return value
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return value.quantize(Decimal(1).scaleb(-places), context=EXACT)
    return value
