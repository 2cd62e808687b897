"""Turning a customer's period usage into priced invoice lines.

Each line is rounded once, to the currency's minor unit, half up (billing.domain.money).
"""

from __future__ import annotations

from decimal import Decimal

from billing.domain.invoices import LineItem, LineType
from billing.domain.models import Customer, CustomerPeriodUsage
from billing.domain.money import ZERO, round_money


def usage_lines(customer: Customer, usage: CustomerPeriodUsage, unit_price: Decimal | None) -> tuple[LineItem, ...]:
    """One usage line per feature, priced per unit at the run's unit price (the seed's model).

    Without a unit price a feature is listed with its quantity and a zero amount, so usage is never
    hidden from the customer even when nothing prices it yet.
    """
    return tuple(
        _per_unit_line(feature, usage.features[feature].sum, unit_price, customer.currency)
        for feature in sorted(usage.features)
    )


def _per_unit_line(feature: str, quantity: Decimal, unit_price: Decimal | None, currency: str) -> LineItem:
    if unit_price is None:
        return LineItem(LineType.USAGE, ZERO, f"{feature}: {quantity:,} units (no price set)", feature, quantity)
    amount = round_money(quantity * unit_price, currency)
    return LineItem(
        type=LineType.USAGE,
        amount=amount,
        description=f"{feature}: {quantity:,} units at {unit_price} {currency}",
        feature=feature,
        quantity=quantity,
        unit_price=unit_price,
    )
