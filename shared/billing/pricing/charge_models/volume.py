"""volume: every unit at the price of the tier the whole quantity falls in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from billing.domain.money import ZERO
from billing.pricing.charge_models.base import checked_quantity
from billing.pricing.charge_models.tiers import Tiered, first_flat_at_zero
from billing.pricing.charges import PeriodEvents, Rating


@dataclass(frozen=True)
class Volume(Tiered):
    """All units at the first tier whose up_to ≥ quantity, plus that tier's flat_amount; 0 costs 0."""

    name: ClassVar[str] = "volume"

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = checked_quantity(quantity)
        if units == ZERO:
            return first_flat_at_zero(self.tiers[0])
        from_ = ZERO
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or units <= tier.up_to:
                return Rating.of([tier.charge(index, from_, units)])
            from_ = tier.up_to
        raise AssertionError("unreachable: the last tier is open-ended")
