"""What every pricing model is (the PriceModel protocol) and the checks they share."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar, Protocol, Self

from billing.domain.errors import InvalidPrice
from billing.domain.exact import MAX_PRICE_NUMBER, PRICE_PLACES
from billing.domain.money import ZERO
from billing.pricing.aggregation import Aggregation
from billing.pricing.charges import PeriodEvents, Rating
from billing.pricing.fields import exact, non_negative


class PriceModel(Protocol):
    """A pricing strategy: what a quantity of one feature costs in one period."""

    name: ClassVar[str]
    spec_keys: ClassVar[frozenset[str]]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self: ...

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        """The period's quantity rated. `events` (count, and values when `reads_event_values()`) matters
        only to models that price events too; the others ignore it."""
        ...

    def reads_event_values(self) -> bool:
        """True when rating needs each event's value, not only the rolled-up quantity and count."""
        ...

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        """Refuse (InvalidPrice naming the field under the price path `field`) an aggregation this
        model cannot price."""
        ...

    def to_spec(self) -> dict[str, Any]: ...


class QuantityPriced:
    """For models priced on the period's quantity alone, whatever the events behind it."""

    def reads_event_values(self) -> bool:
        return False

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        return None


def field_at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def checked_quantity(quantity: object) -> Decimal:
    # A billing run rates every customer's quantities: the usual one (a finite Decimal within the bounds, with
    # no more fractional digits than a price allows) is what non_negative would return unchanged, so it is
    # returned at once; anything else goes through non_negative's checks and their errors.
    if (
        type(quantity) is Decimal
        and quantity.is_finite()
        and ZERO <= quantity < MAX_PRICE_NUMBER
        and quantity.as_tuple().exponent >= -PRICE_PLACES  # type: ignore[operator]  # finite: an int
    ):
        return quantity
    return non_negative(quantity, field="quantity")


def spec_text(value: Decimal) -> str:
    return format(value, "f")


def check_amount(value: object, *, field: str) -> None:
    non_negative(exact(value, field=field), field=field)


def percent_of(value: Decimal, rate: Decimal) -> Decimal:
    """rate % of value; scaleb keeps the division by 100 exact."""
    return value * rate.scaleb(-2)


def refuse_latest(aggregation: Aggregation, name: str, *, field: str) -> None:
    """The percentage models price a value summed (or counted) over the period, never its latest."""
    if aggregation is Aggregation.LATEST:
        at = field_at(field, "aggregation")
        raise InvalidPrice(f"{at}: a {name} price cannot use aggregation latest (as in Lago)", field=at)
