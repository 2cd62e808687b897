"""graduated_percentage: each slice of the value at its tier's rate (percent)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from billing.domain.money import ZERO
from billing.pricing.aggregation import Aggregation
from billing.pricing.charge_models.base import checked_quantity, percent_of, refuse_latest
from billing.pricing.charge_models.graduated import rate_in_slices
from billing.pricing.charge_models.tiers import TierSpec, checked_tiers, tiers_from_spec
from billing.pricing.charges import PeriodEvents, Rating, TierCharge


@dataclass(frozen=True)
class PercentTier(TierSpec):
    """A graduated percentage tier: the slice of the value in (previous up_to, up_to] at `rate` percent,
    plus `flat_amount` once when the value reaches the tier."""

    up_to: Decimal | None
    rate: Decimal
    flat_amount: Decimal = ZERO

    price_key: ClassVar[str] = "rate"
    what: ClassVar[str] = "a percentage tier"

    def charge(self, index: int, from_: Decimal, units: Decimal) -> TierCharge:
        return TierCharge(
            tier=index,
            from_=from_,
            up_to=self.up_to,
            units=units,
            unit_amount=self.rate.scaleb(-2),
            flat_amount=self.flat_amount,
            amount=percent_of(units, self.rate) + self.flat_amount,
            rate=self.rate,
        )


@dataclass(frozen=True)
class GraduatedPercentage:
    """Each slice of the value at its tier's rate (percent), plus a tier's flat_amount once when the value
    reaches the tier; the first tier's flat_amount is owed at zero too (Lago's graduated_percentage)."""

    tiers: tuple[PercentTier, ...]

    name: ClassVar[str] = "graduated_percentage"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"tiers"})

    def __post_init__(self) -> None:
        checked_tiers(self, PercentTier)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(tiers_from_spec(PercentTier, spec, field=field))

    def reads_event_values(self) -> bool:
        return False

    def check_aggregation(self, aggregation: Aggregation, *, field: str) -> None:
        refuse_latest(aggregation, self.name, field=field)

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        return rate_in_slices(self.tiers, checked_quantity(quantity))

    def to_spec(self) -> dict[str, Any]:
        return {"tiers": [tier.to_spec() for tier in self.tiers]}
