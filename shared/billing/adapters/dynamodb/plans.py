"""Plans: one immutable document each, listed through the ByType index."""

from __future__ import annotations

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, doc, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table
from billing.adapters.dynamodb.table.errors import ConditionFailed
from billing.adapters.records import plan_from_record, plan_to_record
from billing.domain.errors import Conflict
from billing.domain.paging import Page
from billing.pricing.plans import Plan


def plan_from_item(item: Item) -> Plan:
    return plan_from_record(undoc(item))


class DynamoPlans:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, plan: Plan) -> None:
        item = {
            **item_keys.plan(plan.id),
            "doc": doc(plan_to_record(plan)),
            **item_keys.listing(item_keys.PLANS, plan.id),
        }
        try:
            self._table.put(item, condition=NOT_EXISTS)
        except ConditionFailed:
            raise Conflict(f"plan {plan.id!r} already exists") from None

    def get(self, plan_id: str) -> Plan | None:
        item = self._table.get(item_keys.plan(plan_id))
        return None if item is None else plan_from_item(item)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Plan]:
        return self._table.list_kind(item_keys.PLANS, plan_from_item, limit=limit, cursor=cursor)
