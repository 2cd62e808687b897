"""Turning a customer's period usage into priced invoice lines.

A feature the customer's plan prices is aggregated as its price says and rated by the price's model;
any other feature (and every feature of a customer without a plan) is billed per unit on its summed
quantity at the run's unit price, as before plans existed. A feature the plan prices but the customer did
not use is rated at zero, and gets a line only when that costs something (a first tier's flat fee). The
plan's fee is a line of its own. Each line is rounded once, to the currency's minor unit, half up
(billing.domain.money).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from billing.domain.customers import Customer
from billing.domain.errors import InvalidInput, UnratableUsage
from billing.domain.exact import exact
from billing.domain.invoices import Invoice, LineItem, LineType
from billing.domain.money import ZERO, format_money, round_money
from billing.domain.usage import CustomerPeriodUsage
from billing.pricing import PeriodEvents, PerUnit, Plan, Price, QuantityPriced, Rating


class RatedLines:
    """Usage lines already rated, for prices rated on the period's quantity alone (QuantityPriced models):
    such a line is a function of the price, the quantity and the currency only, and a billing run rates the
    same prices for every customer, often on the same quantities (counts). Prices are told apart by identity
    (the composer keeps its plans, so a price is one object), quantities by their exact text. At most
    `limit` lines are kept: beyond, it starts again empty."""

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._lines: dict[tuple[int, str, str], tuple[Price, LineItem]] = {}

    def line(self, price: Price, quantity: Decimal, currency: str) -> LineItem:
        """The line of a price whose model is QuantityPriced."""
        key = (id(price), currency, str(quantity))
        found = self._lines.get(key)
        if found is not None and found[0] is price:  # the entry holds the price: its id is not reused meanwhile
            return found[1]
        line = _priced_line(price, quantity, price.rate(quantity), currency)
        if len(self._lines) >= self._limit:
            self._lines.clear()
        self._lines[key] = (price, line)
        return line


def invoice_currency(customer: Customer, plan: Plan | None) -> str:
    """The currency of the customer's invoices under `plan`: the plan's, else the customer's own."""
    return plan.currency if plan is not None else customer.currency


# Counts the distinct values of a price's property over the period (rollups cannot: it reads events).
UniqueCounter = Callable[[Price], Decimal]
# Each event's value of the price's feature over the period, in event-time order (rollups cannot either).
EventValues = Callable[[Price], Sequence[Decimal]]


def plan_charges_apply(customer: Customer, usage: CustomerPeriodUsage, period_end: datetime) -> bool:
    """Whether the plan's fee, its minimum and the zero-usage flat fees of its prices are owed for the period
    ending at `period_end`: only when the customer existed before the period ended or has an event in it. A
    customer created today owes nothing for a past month it neither existed in nor used."""
    return customer.created_at < period_end or any(aggregate.count for aggregate in usage.features.values())


def unpriced_features(invoice: Invoice, plan: Plan | None) -> tuple[str, ...]:
    """The features of the invoice's usage lines that `plan` (the one it was rated with) does not price: rated
    at the invoice's unit price, or listed at 0.00 "no price set" when it has none."""
    priced = {price.feature for price in plan.prices} if plan is not None else set()
    return tuple(
        line.feature
        for line in invoice.line_items
        if line.type == LineType.USAGE and line.feature is not None and line.feature not in priced
    )


def plan_fee_line(plan: Plan | None) -> LineItem | None:
    """The plan's fixed fee for the period, billed in arrears (not prorated)."""
    if plan is None or plan.amount == ZERO:
        return None
    fee = format_money(plan.amount, plan.currency)
    return LineItem(LineType.PLAN_FEE, round_money(plan.amount, plan.currency), f"Plan fee: {fee} {plan.currency}")


@exact
def usage_lines(
    customer: Customer,
    usage: CustomerPeriodUsage,
    unit_price: Decimal | None,
    *,
    plan: Plan | None = None,
    unique_count: UniqueCounter | None = None,
    event_values: EventValues | None = None,
    rated: RatedLines | None = None,
    zero_usage_fees: bool = True,
) -> tuple[LineItem, ...]:
    """One usage line per feature with usage, and per priced feature without usage that costs something
    at zero (a first tier's flat fee; only with `zero_usage_fees`: see plan_charges_apply), ordered by
    feature. `rated`: lines rated before, reused when the same price meets the same quantity."""
    currency = invoice_currency(customer, plan)
    priced = plan.prices_by_feature if plan is not None else {}
    lines = []
    features = usage.features.keys() | priced.keys() if zero_usage_fees else usage.features.keys()
    for feature in sorted(features):
        try:
            line = _usage_line(
                feature,
                usage,
                priced.get(feature),
                unit_price=unit_price,
                currency=currency,
                unique_count=unique_count,
                event_values=event_values,
                rated=rated,
            )
        except (ArithmeticError, InvalidInput) as error:  # stored usage beyond the bounds rating accepts
            raise UnratableUsage(feature, usage.period) from error
        if line is not None:
            lines.append(line)
    return tuple(lines)


def _usage_line(
    feature: str,
    usage: CustomerPeriodUsage,
    price: Price | None,
    *,
    unit_price: Decimal | None,
    currency: str,
    unique_count: UniqueCounter | None,
    event_values: EventValues | None,
    rated: RatedLines | None = None,
) -> LineItem | None:
    aggregate = usage.features.get(feature)
    if price is None:
        assert aggregate is not None
        return _per_unit_line(feature, aggregate.sum, unit_price, currency)
    if aggregate is None:
        rating = price.rate(ZERO, PeriodEvents(0, ()))
        return _priced_line(price, ZERO, rating, currency) if rating.breakdown else None
    quantity = price.quantity_of(aggregate, unique_count)
    if rated is not None and isinstance(price.model, QuantityPriced):
        return rated.line(price, quantity, currency)  # the events behind the quantity do not matter to it
    events = PeriodEvents(aggregate.count, _values(price, event_values))
    return _priced_line(price, quantity, price.rate(quantity, events), currency)


def _values(price: Price, event_values: EventValues | None) -> Sequence[Decimal] | None:
    if not price.reads_event_values():
        return None
    if event_values is None:
        raise ValueError(f"{price.feature} is priced on each event's value: pass event_values")
    return event_values(price)


@exact
def minimum_line(rated: Sequence[LineItem], plan: Plan | None) -> LineItem | None:
    """Tops the plan fee and usage lines up to the plan's minimum, when they fall short of it (the plan
    fee counts towards the minimum, as in Lago's minimum commitment)."""
    if plan is None:
        return None
    shortfall = plan.minimum_amount - sum((line.amount for line in rated), ZERO)
    if shortfall <= ZERO:
        return None
    minimum = format_money(plan.minimum_amount, plan.currency)
    return LineItem(LineType.MINIMUM, shortfall, f"Minimum of {minimum} {plan.currency} per period")


def _priced_line(price: Price, quantity: Decimal, rating: Rating, currency: str) -> LineItem:
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
