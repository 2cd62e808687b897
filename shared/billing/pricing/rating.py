"""What rating a quantity produces: an unrounded amount and the per-tier breakdown behind it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from billing.domain.money import ZERO


def package_count(quantity: Decimal, package_size: Decimal) -> Decimal:
    """Packages needed for `quantity` units: any started package counts (exact Decimal arithmetic)."""
    whole, remainder = divmod(quantity, package_size)
    return whole + 1 if remainder else whole


def _number(value: Decimal) -> str:
    return format(value, ",f")


@dataclass(frozen=True)
class TierCharge:
    """The units that fell in one tier and what they cost.

    `from_` is the tier's exclusive lower bound and `up_to` its inclusive upper bound (None: unbounded).
    For the package model `package_size` is set and `unit_amount` is the price of one package.
    """

    tier: int
    from_: Decimal
    up_to: Decimal | None
    units: Decimal
    unit_amount: Decimal
    flat_amount: Decimal
    amount: Decimal
    package_size: Decimal | None = None

    def describe(self) -> str:
        if self.package_size is not None:
            packages = package_count(self.units, self.package_size)
            plural = "" if packages == 1 else "s"
            text = (
                f"{_number(self.units)} as {_number(packages)} package{plural}"
                f" of {_number(self.package_size)} at {_number(self.unit_amount)}"
            )
        elif self.unit_amount == ZERO and self.flat_amount == ZERO:
            text = f"{_number(self.units)} free"
        else:
            text = f"{_number(self.units)} at {_number(self.unit_amount)}"
        if self.flat_amount != ZERO:
            text += f" + {_number(self.flat_amount)} flat"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (decimals as strings) for invoice lines and the dashboard."""
        data: dict[str, Any] = {
            "tier": self.tier,
            "from": format(self.from_, "f"),
            "up_to": None if self.up_to is None else format(self.up_to, "f"),
            "units": format(self.units, "f"),
            "unit_amount": format(self.unit_amount, "f"),
            "flat_amount": format(self.flat_amount, "f"),
            "amount": format(self.amount, "f"),
        }
        if self.package_size is not None:
            data["package_size"] = format(self.package_size, "f")
        return data


@dataclass(frozen=True)
class Rating:
    """The UNROUNDED amount for a quantity; the invoice rounds each line once (billing.domain.money)."""

    amount: Decimal
    breakdown: tuple[TierCharge, ...] = ()

    @classmethod
    def of(cls, charges: Iterable[TierCharge]) -> Rating:
        breakdown = tuple(charges)
        return cls(amount=sum((charge.amount for charge in breakdown), ZERO), breakdown=breakdown)

    def describe(self) -> str:
        """Human text for the dashboard, e.g. "1,000 free, 9,000 at 0.002, 2,500 at 0.001 + 5 flat"."""
        return ", ".join(charge.describe() for charge in self.breakdown) or "no usage"
