"""Plans: a currency, an optional fee and minimum per period, a grace period before invoices finalize, an
optional payment term (net days), and one price per feature. Plans never change once created; a customer
moves to another plan instead, so any invoice can be re-rated exactly with the plan it names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.domain.errors import InvalidPrice
from billing.domain.exact import MAX_GRACE_PERIOD_DAYS, MAX_NET_DAYS
from billing.domain.money import ZERO, check_currency, check_minor_units
from billing.pricing.factory import Price, price_from_spec
from billing.pricing.fields import non_negative


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    currency: str
    prices: tuple[Price, ...]
    created_at: datetime
    minimum_amount: Decimal = ZERO
    grace_period_days: int = 0
    amount: Decimal = ZERO  # the plan fee: owed every period, billed in arrears (Lago's plan amount_cents)
    net_days: int | None = None  # days from issue to due date; None: the deployment's INVOICE_NET_DAYS
    prices_by_feature: Mapping[str, Price] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prices", tuple(self.prices))
        by_feature: dict[str, Price] = {}
        for index, price in enumerate(self.prices):
            if price.feature in by_feature:
                at = f"prices[{index}].feature"
                raise InvalidPrice(f"{at}: feature {price.feature!r} is priced twice in this plan", field=at)
            by_feature[price.feature] = price
        object.__setattr__(self, "prices_by_feature", by_feature)

    def price_for(self, feature: str) -> Price | None:
        return self.prices_by_feature.get(feature)


def plan_from_spec(
    *,
    plan_id: str,
    name: str,
    currency: object,
    minimum_amount: object = ZERO,
    grace_period_days: object = 0,
    prices: object = (),
    created_at: datetime,
    amount: object = ZERO,
    net_days: object = None,
) -> Plan:
    """Validate a plan as the API receives it; every error names its field (`prices[1].tiers[2].up_to`)."""
    code = check_currency(currency, field="currency")
    minimum = check_minor_units(non_negative(minimum_amount, field="minimum_amount"), code, field="minimum_amount")
    fee = check_minor_units(non_negative(amount, field="amount"), code, field="amount")
    grace = _days(grace_period_days, MAX_GRACE_PERIOD_DAYS, field="grace_period_days")
    net = None if net_days is None else _days(net_days, MAX_NET_DAYS, field="net_days")
    if not isinstance(prices, Sequence) or isinstance(prices, str):
        raise InvalidPrice("prices must be a list of prices", field="prices")
    parsed = tuple(_price(spec, index) for index, spec in enumerate(prices))
    return Plan(plan_id, name, code, parsed, created_at, minimum, grace, fee, net)


def _days(value: object, most: int, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InvalidPrice(f"{field} must be a whole number of days from 0 to {most}", field=field)
    return value


def _price(spec: Any, index: int) -> Price:
    return price_from_spec(spec, field=f"prices[{index}]")


def plan_to_spec(plan: Plan) -> dict[str, Any]:
    """The canonical JSON-able form (decimals as strings); `plan_from_spec` reads it back equal."""
    return {
        "name": plan.name,
        "currency": plan.currency,
        "amount": format(plan.amount, "f"),
        "minimum_amount": format(plan.minimum_amount, "f"),
        "grace_period_days": plan.grace_period_days,
        "net_days": plan.net_days,
        "prices": [price.to_spec() for price in plan.prices],
    }
