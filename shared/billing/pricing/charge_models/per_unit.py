"""per_unit: quantity × unit_amount."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from billing.domain.money import ZERO
from billing.pricing.charge_models.base import QuantityPriced, check_amount, checked_quantity, spec_text
from billing.pricing.charge_models.tiers import Tier
from billing.pricing.charges import PeriodEvents, Rating
from billing.pricing.fields import non_negative, require


@dataclass(frozen=True)
class PerUnit(QuantityPriced):
    """quantity × unit_amount."""

    unit_amount: Decimal

    name: ClassVar[str] = "per_unit"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"unit_amount"})

    def __post_init__(self) -> None:
        check_amount(self.unit_amount, field="unit_amount")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        return cls(non_negative(require(spec, "unit_amount", field=field), field=f"{field}.unit_amount"))

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = checked_quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        return Rating.of([Tier(None, self.unit_amount).charge(0, ZERO, units)])

    def to_spec(self) -> dict[str, Any]:
        return {"unit_amount": spec_text(self.unit_amount)}
