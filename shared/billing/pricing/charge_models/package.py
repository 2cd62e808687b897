"""package: units sold by the started package, after free units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Self

from billing.domain.money import ZERO
from billing.pricing.charge_models.base import QuantityPriced, check_amount, checked_quantity, spec_text
from billing.pricing.charge_models.tiers import Tier
from billing.pricing.charges import Charge, PeriodEvents, Rating, TierCharge, package_count
from billing.pricing.fields import exact, non_negative, positive, require


@dataclass(frozen=True)
class Package(QuantityPriced):
    """ceil((quantity - free_units) / package_size) × package_amount: any started package is charged in
    full; the first `free_units` units cost nothing (Lago: `free_units`; Lago's `amount` is our
    `package_amount`)."""

    package_size: Decimal
    package_amount: Decimal
    free_units: Decimal = ZERO

    name: ClassVar[str] = "package"
    spec_keys: ClassVar[frozenset[str]] = frozenset({"package_size", "package_amount", "free_units"})

    def __post_init__(self) -> None:
        positive(exact(self.package_size, field="package_size"), field="package_size")
        check_amount(self.package_amount, field="package_amount")
        check_amount(self.free_units, field="free_units")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, field: str) -> Self:
        free_units = spec.get("free_units")
        return cls(
            package_size=positive(require(spec, "package_size", field=field), field=f"{field}.package_size"),
            package_amount=non_negative(require(spec, "package_amount", field=field), field=f"{field}.package_amount"),
            free_units=ZERO if free_units is None else non_negative(free_units, field=f"{field}.free_units"),
        )

    def rate(self, quantity: Decimal, events: PeriodEvents | None = None) -> Rating:
        units = checked_quantity(quantity)
        if units == ZERO:
            return Rating.of(())
        charges: list[Charge] = []
        free = min(units, self.free_units)
        if free != ZERO:
            charges.append(Tier(self.free_units, ZERO).charge(0, ZERO, free))
        paid = units - free
        if paid != ZERO:
            charges.append(
                TierCharge(
                    tier=len(charges),
                    from_=self.free_units,
                    up_to=None,
                    units=paid,
                    unit_amount=self.package_amount,
                    flat_amount=ZERO,
                    amount=package_count(paid, self.package_size) * self.package_amount,
                    package_size=self.package_size,
                )
            )
        return Rating.of(charges)

    def to_spec(self) -> dict[str, Any]:
        spec = {"package_size": spec_text(self.package_size), "package_amount": spec_text(self.package_amount)}
        if self.free_units != ZERO:
            spec["free_units"] = spec_text(self.free_units)
        return spec
