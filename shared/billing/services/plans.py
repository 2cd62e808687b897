"""Plans: created once, never changed (a customer moves to another plan instead)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from billing.domain.errors import PlanNotFound, RequestKeyReused
from billing.domain.money import ZERO
from billing.domain.names import refuse_bidi_controls
from billing.domain.paging import MAX_PAGE, Page
from billing.domain.request_keys import RequestKey, new_id
from billing.ports import Storage
from billing.pricing import Plan, plan_from_spec
from billing.services.clock import Clock, system_clock


class PlanService:
    def __init__(self, storage: Storage, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._clock = clock

    def create(
        self,
        *,
        name: str,
        currency: str,
        prices: Sequence[Any],
        minimum_amount: Decimal = ZERO,
        grace_period_days: int = 0,
        amount: Decimal = ZERO,
        net_days: int | None = None,
        request_key: RequestKey | None = None,
    ) -> Plan:
        """Validate and store a plan; every InvalidInput names its field (`prices[1].tiers[2].up_to`). With a
        request key, the plan this key already made is returned, never made twice."""
        plan = plan_from_spec(
            plan_id=new_id("plan", request_key),
            name=name,
            currency=currency,
            minimum_amount=minimum_amount,
            amount=amount,
            grace_period_days=grace_period_days,
            net_days=net_days,
            prices=prices,
            created_at=self._clock(),
        )
        # New plans only: a stored plan whose feature holds one is still read (records go through the factory).
        for index, price in enumerate(plan.prices):
            refuse_bidi_controls(price.feature, field=f"prices[{index}].feature")
            if price.property is not None:
                refuse_bidi_controls(price.property, field=f"prices[{index}].property")
        if request_key is not None and (made := self._storage.plans.get(plan.id)) is not None:
            if replace(made, created_at=plan.created_at) != plan:
                raise RequestKeyReused()
            request_key.replayed = True
            return made
        self._storage.plans.add(plan)
        return plan

    def get(self, plan_id: str) -> Plan:
        plan = self._storage.plans.get(plan_id)
        if plan is None:
            raise PlanNotFound(plan_id)
        return plan

    def list(self, *, limit: int = 100, cursor: str | None = None) -> Page[Plan]:
        return self._storage.plans.list(limit=min(limit, MAX_PAGE), cursor=cursor)
