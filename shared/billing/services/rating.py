"""Turning a customer's period usage into priced invoice lines.

A feature the customer's plan prices is aggregated as its price says and rated by the price's model;
any other feature (and every feature of a customer without a plan) is billed per unit on its summed
quantity at the run's unit price, as before plans existed. Each line is rounded once, to the currency's
minor unit, half up (billing.domain.money).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from billing.domain.exact import exact
from billing.domain.invoices import LineItem, LineType
from billing.domain.models import Customer, CustomerPeriodUsage, UsageAggregate
from billing.domain.money import ZERO, format_money, round_money
from billing.pricing import Aggregation, PerUnit, Plan, Price

# Counts the distinct values of a price's property over the period (rollups cannot: it reads events).
UniqueCounter = Callable[[Price], Decimal]


@exact
def usage_lines(
    customer: Customer,
    usage: CustomerPeriodUsage,
    unit_price: Decimal | None,
    *,
    plan: Plan | None = None,
    unique_count: UniqueCounter | None = None,
) -> tuple[LineItem, ...]:
    """One usage line per feature with usage, ordered by feature."""
    currency = plan.currency if plan is not None else customer.currency
    lines = []
    for feature in sorted(usage.features):
        aggregate = usage.features[feature]
        price = plan.price_for(feature) if plan is not None else None
        if price is None:
            lines.append(_per_unit_line(feature, aggregate.sum, unit_price, currency))
        else:
            lines.append(_priced_line(price, quantity_of(price, aggregate, unique_count), currency))
    return tuple(lines)


@exact
def minimum_line(usage: tuple[LineItem, ...], plan: Plan | None) -> LineItem | None:
    """Tops the usage lines up to the plan's minimum, when they fall short of it."""
    if plan is None:
        return None
    shortfall = plan.minimum_amount - sum((line.amount for line in usage), ZERO)
    if shortfall <= ZERO:
        return None
    minimum = format_money(plan.minimum_amount, plan.currency)
    return LineItem(LineType.MINIMUM, shortfall, f"Minimum of {minimum} {plan.currency} per period")


def quantity_of(price: Price, aggregate: UsageAggregate, unique_count: UniqueCounter | None) -> Decimal:
    match price.aggregation:
        case Aggregation.SUM:
            return aggregate.sum
        case Aggregation.COUNT:
            return Decimal(aggregate.count)
        case Aggregation.MAX:
            return aggregate.max
        case Aggregation.LATEST:
            return aggregate.latest_quantity
        case Aggregation.UNIQUE_COUNT:
            if unique_count is None:
                raise ValueError(f"{price.feature} is counted by unique {price.property}: pass unique_count")
            return unique_count(price)


def _priced_line(price: Price, quantity: Decimal, currency: str) -> LineItem:
    rating = price.rate(quantity)
    unit_price = price.model.unit_amount if isinstance(price.model, PerUnit) else None
    return LineItem(
        type=LineType.USAGE,
        amount=round_money(rating.amount, currency),
        description=f"{price.feature} ({price.model.name}): {rating.describe()}",
        feature=price.feature,
        quantity=quantity,
        unit_price=unit_price,
        breakdown=tuple(charge.to_dict() for charge in rating.breakdown),
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
