"""Bodies of the plan routes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field

from billing.domain.exact import MAX_GRACE_PERIOD_DAYS, MAX_NET_DAYS
from billing.domain.money import format_money
from billing.domain.time import iso_utc
from billing.http.schemas.base import PageOut, RequestModel, ResponseModel
from billing.http.schemas.fields import JSON_INTEGER, Money, Text

if TYPE_CHECKING:
    from billing.pricing import Plan


MAX_PRICES_PER_PLAN = 100


class CreatePlanRequest(RequestModel):
    """Prices are checked by the pricing factory (billing.pricing), which names the exact field
    of any mistake, e.g. `prices[1].tiers[2].up_to`."""

    name: Text
    currency: Annotated[str, Field(min_length=1, max_length=8)] = "USD"
    amount: Money = Decimal(0)  # the plan fee per period (Lago's plan amount_cents, as a decimal string)
    minimum_amount: Money = Decimal(0)
    grace_period_days: Annotated[int, Field(ge=0, le=MAX_GRACE_PERIOD_DAYS), JSON_INTEGER] = 0
    net_days: Annotated[int, Field(ge=0, le=MAX_NET_DAYS), JSON_INTEGER] | None = None  # None: INVOICE_NET_DAYS applies
    prices: Annotated[list[dict[str, Any]], Field(max_length=MAX_PRICES_PER_PLAN)] = []


class PlanOut(ResponseModel):
    id: str
    name: str
    currency: str
    amount: str
    minimum_amount: str
    grace_period_days: int
    net_days: int | None
    prices: list[dict[str, Any]]
    created_at: str

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            id=plan.id,
            name=plan.name,
            currency=plan.currency,
            amount=format_money(plan.amount, plan.currency),
            minimum_amount=format_money(plan.minimum_amount, plan.currency),
            grace_period_days=plan.grace_period_days,
            net_days=plan.net_days,
            prices=[price.to_spec() for price in plan.prices],
            created_at=iso_utc(plan.created_at),
        )


class PlanPageOut(PageOut):
    data: list[PlanOut]
    item_out: ClassVar[Callable[[Plan], PlanOut]] = PlanOut.of
