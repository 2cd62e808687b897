"""Tiers, as the tiered models (graduated, volume, graduated_percentage) and package's free units use them:
bounds (previous up_to, up_to], a price and an optional flat amount, read from and written to the spec."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Protocol, Self, TypeVar

from billing.domain.errors import InvalidPrice
from billing.domain.money import ZERO
from billing.pricing.charge_models.base import QuantityPriced, check_amount, spec_text
from billing.pricing.charges import Rating, TierCharge
from billing.pricing.fields import decimal, exact, mapping, non_negative, refuse_unknown_keys, require

_TS = TypeVar("_TS", bound="TierSpec")


class TierSpec:
    """What every kind of tier shares: (previous up_to, up_to] bounds, a price under `price_key` and an
    optional flat amount, read from and written to the API's spec the same way."""

    price_key: ClassVar[str]
    what: ClassVar[str]
    up_to: Decimal | None
    flat_amount: Decimal

    def __post_init__(self) -> None:
        if self.up_to is not None:
            exact(self.up_to, field="up_to")
        check_amount(getattr(self, self.price_key), field=self.price_key)
        check_amount(self.flat_amount, field="flat_amount")

    @classmethod
    def from_spec(cls, raw: object, *, field: str) -> Self:
        spec = mapping(raw, field=field)
        refuse_unknown_keys(spec, frozenset({"up_to", cls.price_key, "flat_amount"}), field=field, what=cls.what)
        up_to = require(spec, "up_to", field=field)
        flat_amount = spec.get("flat_amount")
        price = non_negative(require(spec, cls.price_key, field=field), field=f"{field}.{cls.price_key}")
        return cls(  # type: ignore[call-arg]
            up_to=None if up_to is None else decimal(up_to, field=f"{field}.up_to"),
            flat_amount=ZERO if flat_amount is None else non_negative(flat_amount, field=f"{field}.flat_amount"),
            **{cls.price_key: price},
        )

    def charge(self, index: int, from_: Decimal, units: Decimal) -> TierCharge:
        """What `units` falling in this tier (from `from_` on) cost; each kind of tier prices them its way."""
        raise NotImplementedError

    def to_spec(self) -> dict[str, Any]:
        return {
            "up_to": None if self.up_to is None else spec_text(self.up_to),
            self.price_key: spec_text(getattr(self, self.price_key)),
            "flat_amount": spec_text(self.flat_amount),
        }


@dataclass(frozen=True)
class Tier(TierSpec):
    """Covers quantities in (previous tier's up_to, up_to]; `up_to=None` is unbounded (last tier only)."""

    up_to: Decimal | None
    unit_amount: Decimal
    flat_amount: Decimal = ZERO

    price_key: ClassVar[str] = "unit_amount"
    what: ClassVar[str] = "a tier"

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


class _Bounded(Protocol):
    @property
    def up_to(self) -> Decimal | None: ...


def check_tiers(tiers: Sequence[_Bounded], *, field: str) -> None:
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
            raise InvalidPrice(
                f"{at} must be greater than {spec_text(previous)} (tiers ascend strictly from 0)", field=at
            )
        else:
            previous = tier.up_to


def _tier_specs(spec: Mapping[str, Any], *, field: str) -> Sequence[Any]:
    raw = require(spec, "tiers", field=field)
    if not isinstance(raw, (list, tuple)):
        raise InvalidPrice(f"{field}.tiers must be a list of tiers", field=f"{field}.tiers")
    return raw


def checked_tiers(price: Any, kind: type[TierSpec]) -> None:
    """A tiered price's own check: its tiers are `kind`s, ascending, the last one open-ended."""
    object.__setattr__(price, "tiers", tuple(price.tiers))
    for index, tier in enumerate(price.tiers):
        if not isinstance(tier, kind):
            raise InvalidPrice(f"tiers[{index}] must be a {kind.__name__}", field=f"tiers[{index}]")
    check_tiers(price.tiers, field="tiers")


def tiers_from_spec(kind: type[_TS], spec: Mapping[str, Any], *, field: str) -> tuple[_TS, ...]:
    raw = _tier_specs(spec, field=field)
    tiers = tuple(kind.from_spec(tier, field=f"{field}.tiers[{index}]") for index, tier in enumerate(raw))
    check_tiers(tiers, field=f"{field}.tiers")
    return tiers


def first_flat_at_zero(first: TierSpec) -> Rating:
    """At zero usage the first tier's flat fee is still owed (as Lago, Stripe and OpenMeter bill it)."""
    if first.flat_amount == ZERO:
        return Rating.of(())
    return Rating.of([first.charge(0, ZERO, ZERO)])


@dataclass(frozen=True)
class Tiered(QuantityPriced):
    """A model priced by a list of Tiers (graduated, volume)."""

    tiers: tuple[Tier, ...]

    spec_keys: ClassVar[frozenset[str]] = frozenset({"tiers"})

    def __post_init__(self) -> None:
        checked_tiers(self, Tier)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(tiers_from_spec(Tier, spec, field=field))

    def to_spec(self) -> dict[str, Any]:
        return {"tiers": [tier.to_spec() for tier in self.tiers]}
