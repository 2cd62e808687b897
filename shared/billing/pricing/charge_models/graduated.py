"""graduated: each unit at the price of the tier it falls in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from billing.domain.money import ZERO
from billing.pricing.charge_models.base import checked_quantity
from billing.pricing.charge_models.tiers import Tiered, TierSpec, first_flat_at_zero
from billing.pricing.charges import PeriodEvents, Rating


@dataclass(frozen=True)
class Graduated(Tiered):
    """Each unit at the price of the tier it falls in; a tier's flat_amount once if any unit falls in it."""

    name: ClassVar[str] = "graduated"

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        return rate_in_slices(self.tiers, checked_quantity(quantity))


def rate_in_slices(tiers: Sequence[TierSpec], units: Decimal) -> Rating:
    """Each slice of `units` at the price of the tier it falls in, a tier's flat amount once if any unit falls
    in it; the first tier's flat amount is owed at zero too (graduated and graduated_percentage)."""
    if units == ZERO:
        return first_flat_at_zero(tiers[0])
    charges = []
    from_ = ZERO
    for index, tier in enumerate(tiers):
        if units <= from_:
            break
        upper = units if tier.up_to is None else min(units, tier.up_to)
        charges.append(tier.charge(index, from_, upper - from_))
        if tier.up_to is None:
            break
        from_ = tier.up_to
    return Rating.of(charges)
