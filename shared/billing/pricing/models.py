"""The pricing models, one small strategy class each.

Each is a frozen dataclass of validated Decimals with `rate(quantity) -> Rating` (unrounded amount plus
breakdown), `from_spec` (the API's JSON shape, errors naming the exact field) and `to_spec` (canonical
JSON-able dict). The factory (billing.pricing.factory) picks the class by its `name`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Protocol, Self

from billing.domain.errors import InvalidPrice
from billing.domain.money import ZERO
from billing.pricing._fields import (
    decimal,
    exact,
    mapping,
    non_negative,
    positive,
    refuse_unknown_keys,
    require,
)
from billing.pricing.rating import Rating, TierCharge, package_count


class PriceModel(Protocol):
    """A pricing strategy: what a quantity of one feature costs in one period."""

    name: ClassVar[str]
    spec_keys: ClassVar[frozenset[str]]

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self: ...

    def rate(self, quantity: Decimal) -> Rating: ...

    def to_spec(self) -> dict[str, Any]: ...


def _quantity(quantity: object) -> Decimal:
    return non_negative(quantity, field="quantity")


def _text(value: Decimal) -> str:
    return format(value, "f")


def _check_amount(value: object, *, field: str) -> None:
    non_negative(exact(value, field=field), field=field)


@dataclass(frozen=True)
class Tier:
    """Covers quantities in (previous tier's up_to, up_to]; `up_to=None` is unbounded (last tier only)."""

    up_to: Decimal | None
    unit_amount: Decimal
    flat_amount: Decimal = ZERO

    spec_keys: ClassVar[frozenset[str]] = frozenset({"up_to", "unit_amount", "flat_amount"})

    def __post_init__(self) -> None:
        if self.up_to is not None:
            exact(self.up_to, field="up_to")
        _check_amount(self.unit_amount, field="unit_amount")
        _check_amount(self.flat_amount, field="flat_amount")

    @classmethod
    def from_spec(cls, raw: object, *, field: str) -> Tier:
        spec = mapping(raw, field=field)
        refuse_unknown_keys(spec, cls.spec_keys, field=field, what="a tier")
        up_to = require(spec, "up_to", field=field)
        flat_amount = spec.get("flat_amount")
        return cls(
            up_to=None if up_to is None else decimal(up_to, field=f"{field}.up_to"),
            unit_amount=non_negative(require(spec, "unit_amount", field=field), field=f"{field}.unit_amount"),
            flat_amount=ZERO if flat_amount is None else non_negative(flat_amount, field=f"{field}.flat_amount"),
        )

    def charge(self, index: int, from_: Decimal, units: Decimal) -> TierCharge:
        return TierCharge(
            tier=index,
            from_=from_,
            up_to=self.up_to,
            units=units,
            unit_amount=self.unit_amount,
            flat_amount=self.flat_amount,
            amount=units * self.unit_amount + self.flat_amount,
        )

    def to_spec(self) -> dict[str, Any]:
        return {
            "up_to": None if self.up_to is None else _text(self.up_to),
            "unit_amount": _text(self.unit_amount),
            "flat_amount": _text(self.flat_amount),
        }


def check_tiers(tiers: Sequence[Tier], *, field: str) -> None:
    """At least one tier; `up_to` strictly ascending from above 0; only the last tier open-ended."""
    if not tiers:
        raise InvalidPrice(f"{field} must have at least one tier", field=field)
    last = len(tiers) - 1
    previous = ZERO
    for index, tier in enumerate(tiers):
        at = f"{field}[{index}].up_to"
        if tier.up_to is None:
            if index != last:
                raise InvalidPrice(f"{at}: only the last tier may be open-ended (up_to: null)", field=at)
        elif index == last:
            raise InvalidPrice(f"{at}: the last tier must be open-ended (up_to: null)", field=at)
        elif tier.up_to <= previous:
            raise InvalidPrice(f"{at} must be greater than {_text(previous)} (tiers ascend strictly from 0)", field=at)
        else:
            previous = tier.up_to


@dataclass(frozen=True)
class PerUnit:
    """quantity × unit_amount."""

    unit_amount: Decimal

    name: ClassVar[str] = "per_unit"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"unit_amount"})

    def __post_init__(self) -> None:
        _check_amount(self.unit_amount, field="unit_amount")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(non_negative(require(spec, "unit_amount", field=field), field=f"{field}.unit_amount"))

    def rate(self, quantity: Decimal) -> Rating:
        units = _quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        return Rating.of([Tier(None, self.unit_amount).charge(0, ZERO, units)])

    def to_spec(self) -> dict[str, Any]:
        return {"unit_amount": _text(self.unit_amount)}


@dataclass(frozen=True)
class _Tiered:
    tiers: tuple[Tier, ...]

    spec_keys: ClassVar[frozenset[str]] = frozenset({"tiers"})

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(self.tiers))
        for index, tier in enumerate(self.tiers):
            if not isinstance(tier, Tier):
                raise InvalidPrice(f"tiers[{index}] must be a Tier", field=f"tiers[{index}]")
        check_tiers(self.tiers, field="tiers")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        raw = require(spec, "tiers", field=field)
        at = f"{field}.tiers"
        if not isinstance(raw, (list, tuple)):
            raise InvalidPrice(f"{at} must be a list of tiers", field=at)
        tiers = tuple(Tier.from_spec(tier, field=f"{at}[{index}]") for index, tier in enumerate(raw))
        check_tiers(tiers, field=at)
        return cls(tiers)

    def to_spec(self) -> dict[str, Any]:
        return {"tiers": [tier.to_spec() for tier in self.tiers]}


@dataclass(frozen=True)
class Graduated(_Tiered):
    """Each unit at the price of the tier it falls in; a tier's flat_amount once if any unit falls in it."""

    name: ClassVar[str] = "graduated"

    def rate(self, quantity: Decimal) -> Rating:
        units = _quantity(quantity)
        charges = []
        from_ = ZERO
        for index, tier in enumerate(self.tiers):
            if units <= from_:
                break
            upper = units if tier.up_to is None else min(units, tier.up_to)
            charges.append(tier.charge(index, from_, upper - from_))
            if tier.up_to is None:
                break
            from_ = tier.up_to
        return Rating.of(charges)


@dataclass(frozen=True)
class Volume(_Tiered):
    """All units at the first tier whose up_to ≥ quantity, plus that tier's flat_amount; 0 costs 0."""

    name: ClassVar[str] = "volume"

    def rate(self, quantity: Decimal) -> Rating:
        units = _quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        from_ = ZERO
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or units <= tier.up_to:
                return Rating.of([tier.charge(index, from_, units)])
            from_ = tier.up_to
        raise AssertionError("unreachable: the last tier is open-ended")


@dataclass(frozen=True)
class Package:
    """ceil(quantity / package_size) × package_amount: any started package is charged in full."""

    package_size: Decimal
    package_amount: Decimal

    name: ClassVar[str] = "package"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"package_size", "package_amount"})

    def __post_init__(self) -> None:
        positive(exact(self.package_size, field="package_size"), field="package_size")
        _check_amount(self.package_amount, field="package_amount")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(
            package_size=positive(require(spec, "package_size", field=field), field=f"{field}.package_size"),
            package_amount=non_negative(require(spec, "package_amount", field=field), field=f"{field}.package_amount"),
        )

    def rate(self, quantity: Decimal) -> Rating:
        units = _quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        charge = TierCharge(
            tier=0,
            from_=ZERO,
            up_to=None,
            units=units,
            unit_amount=self.package_amount,
            flat_amount=ZERO,
            amount=package_count(units, self.package_size) * self.package_amount,
            package_size=self.package_size,
        )
        return Rating.of([charge])

    def to_spec(self) -> dict[str, Any]:
        return {"package_size": _text(self.package_size), "package_amount": _text(self.package_amount)}
