"""What rating a quantity produces: an unrounded amount and the per-tier breakdown behind it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from billing.domain.money import ZERO


def package_count(quantity: Decimal, package_size: Decimal) -> Decimal:
    """Packages needed for `quantity` units: any started package counts (exact Decimal arithmetic)."""
    whole, remainder = divmod(quantity, package_size)
    return whole + 1 if remainder else whole


def _number(value: Decimal) -> str:
    return format(value, ",f")


def _text(value: Decimal) -> str:
    return format(value, "f")


@dataclass(frozen=True)
class PeriodEvents:
    """The events behind a period's quantity, for models that price events too (percentage).

    `count`: how many events. `values`: each event's value in event-time order, or None when they were
    not read (the composer reads them only for prices whose `reads_event_values()` is true).
    """

    count: int
    values: Iterable[Decimal] | None = None


class Charge(Protocol):
    """One part of a rating: what it cost (unrounded), in words and as a JSON-able dict."""

    @property
    def amount(self) -> Decimal: ...

    def describe(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class TierCharge:
    """The units that fell in one tier and what they cost.

    `from_` is the tier's exclusive lower bound and `up_to` its inclusive upper bound (None: unbounded).
    For the package model `package_size` is set and `unit_amount` is the price of one package. For the
    graduated percentage model `rate` is set (a percentage) and `unit_amount` is rate / 100.
    """

    tier: int
    from_: Decimal
    up_to: Decimal | None
    units: Decimal
    unit_amount: Decimal
    flat_amount: Decimal
    amount: Decimal
    package_size: Decimal | None = None
    rate: Decimal | None = None

    def describe(self) -> str:
        if self.rate is not None:
            text = f"{_number(self.units)} at {_number(self.rate)} %"
        elif self.package_size is not None:
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
        if self.rate is not None:
            data["rate"] = format(self.rate, "f")
        return data


@dataclass(frozen=True)
class Rating:
    """The UNROUNDED amount for a quantity; the invoice rounds each line once (billing.domain.money)."""

    amount: Decimal
    breakdown: tuple[Charge, ...] = ()

    @classmethod
    def of(cls, charges: Iterable[Charge]) -> Rating:
        breakdown = tuple(charges)
        return cls(amount=sum((charge.amount for charge in breakdown), ZERO), breakdown=breakdown)

    def describe(self) -> str:
        """Human text for the dashboard, e.g. "1,000 free, 9,000 at 0.002, 2,500 at 0.001 + 5 flat"."""
        return ", ".join(charge.describe() for charge in self.breakdown) or "no usage"


@dataclass(frozen=True)
class PercentageCharge:
    """A rate on the summed value, less the value that is free (percentage model)."""

    units: Decimal
    free_units: Decimal
    rate: Decimal
    amount: Decimal

    @property
    def paid_units(self) -> Decimal:
        return max(self.units - self.free_units, ZERO)

    def describe(self) -> str:
        text = f"{_number(self.paid_units)} at {_number(self.rate)} %"
        if self.free_units != ZERO:
            text += f" ({_number(min(self.free_units, self.units))} free)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "percentage",
            "units": _text(self.units),
            "free_units": _text(self.free_units),
            "paid_units": _text(self.paid_units),
            "rate": _text(self.rate),
            "amount": _text(self.amount),
        }


@dataclass(frozen=True)
class FixedFeeCharge:
    """A fixed amount per event past the free events (percentage model)."""

    events: int
    free_events: int
    fixed_amount: Decimal
    amount: Decimal

    @property
    def paid_events(self) -> int:
        return max(self.events - self.free_events, 0)

    def describe(self) -> str:
        plural = "" if self.paid_events == 1 else "s"
        text = f"{self.paid_events:,} event{plural} at {_number(self.fixed_amount)}"
        if self.free_events:
            text += f" ({min(self.free_events, self.events):,} free)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "fixed_fee",
            "events": self.events,
            "free_events": self.free_events,
            "paid_events": self.paid_events,
            "fixed_amount": _text(self.fixed_amount),
            "amount": _text(self.amount),
        }


@dataclass(frozen=True)
class TransactionChargesCharge:
    """Percentage priced event by event, each event's fee held within the per-transaction min and max."""

    events: int
    free_events: int
    rate: Decimal
    fixed_amount: Decimal
    min_amount: Decimal | None
    max_amount: Decimal | None
    amount: Decimal

    def describe(self) -> str:
        paid = self.events - self.free_events
        plural = "" if paid == 1 else "s"
        text = f"{paid:,} transaction{plural} at {_number(self.rate)} %"
        if self.fixed_amount != ZERO:
            text += f" + {_number(self.fixed_amount)}"
        bounds = []
        if self.min_amount is not None:
            bounds.append(f"min {_number(self.min_amount)}")
        if self.max_amount is not None:
            bounds.append(f"max {_number(self.max_amount)}")
        if bounds:
            text += f" each ({', '.join(bounds)})"
        if self.free_events:
            text += f", {self.free_events:,} free"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "per_transaction",
            "events": self.events,
            "free_events": self.free_events,
            "rate": _text(self.rate),
            "fixed_amount": _text(self.fixed_amount),
            "per_transaction_min_amount": None if self.min_amount is None else _text(self.min_amount),
            "per_transaction_max_amount": None if self.max_amount is None else _text(self.max_amount),
            "amount": _text(self.amount),
        }
