"""Customers: one item each, guard items that make email and external id unique, and search terms."""

from __future__ import annotations

import builtins
from typing import Any

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, doc, integer, n, s, text, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table, put_action, update_action
from billing.adapters.dynamodb.table.errors import Cancelled, ConditionFailed
from billing.adapters.records import customer_from_record, customer_to_record
from billing.domain.customers import Customer
from billing.domain.errors import (
    ConcurrentUpdate,
    Conflict,
    CustomerNotFound,
    DuplicateEmail,
    DuplicateExternalId,
)
from billing.domain.paging import Page


def customer_item(customer: Customer) -> Item:
    # plan_id and currency change (set_plan): kept as attributes of their own beside the document.
    item = {
        **item_keys.customer(customer.id),
        "doc": doc(customer_to_record(customer)),
        "currency": s(customer.currency),
        "version": n(customer.version),
        **item_keys.listing(item_keys.CUSTOMERS, customer.id),
    }
    if customer.plan_id is not None:
        item["plan_id"] = s(customer.plan_id)
    return item


def customer_from_item(item: Item) -> Customer:
    record = undoc(item)
    record["plan_id"] = text(item, "plan_id")
    record["currency"] = text(item, "currency")
    return customer_from_record(record, version=integer(item, "version"))


def advance_version(customer_id: str, expected_version: int) -> dict[str, Any]:
    """The action that moves the customer's version on in the caller's transaction, if it is still
    `expected_version`."""
    return update_action(
        item_keys.customer(customer_id),
        "SET version = version + :one",
        "version = :expected",
        values={":one": n(1), ":expected": n(expected_version)},
    )


def search_terms(customer: Customer) -> set[str]:
    return {customer.name.lower(), customer.email.lower()}


class DynamoCustomers:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, customer: Customer) -> None:
        actions = [
            put_action(customer_item(customer), NOT_EXISTS),
            put_action({**item_keys.email_guard(customer.email), "customer_id": s(customer.id)}, NOT_EXISTS),
        ]
        if customer.external_id is not None:
            guard = {**item_keys.external_id_guard(customer.external_id), "customer_id": s(customer.id)}
            actions.append(put_action(guard, NOT_EXISTS))
        actions.extend(
            put_action({**item_keys.search_term(term, customer.id), "customer_id": s(customer.id)})
            for term in sorted(search_terms(customer))
        )
        try:
            self._table.transact(actions)
        except Cancelled as cancelled:
            if cancelled.failed(1):
                raise DuplicateEmail(customer.email) from None
            if customer.external_id is not None and cancelled.failed(2):
                raise DuplicateExternalId(customer.external_id) from None
            if cancelled.failed(0):
                raise Conflict(f"customer {customer.id!r} already exists") from None
            raise ConcurrentUpdate(f"customer {customer.id} was being written concurrently") from None

    def get(self, customer_id: str) -> Customer | None:
        item = self._table.get(item_keys.customer(customer_id))
        return None if item is None else customer_from_item(item)

    def get_by_external_id(self, external_id: str) -> Customer | None:
        guard = self._table.get(item_keys.external_id_guard(external_id))
        if guard is None:
            return None
        customer_id = text(guard, "customer_id")
        assert customer_id is not None
        return self.get(customer_id)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Customer]:
        return self._table.list_kind(item_keys.CUSTOMERS, customer_from_item, limit=limit, cursor=cursor)

    def search(self, text_: str, *, limit: int) -> builtins.list[Customer]:
        term = text_.lower()
        if not term:
            return self.list(limit=limit).items
        ids: list[str] = []
        start = None
        while len(ids) < limit:
            items, start = self._table.query(
                key="PK = :pk AND begins_with(SK, :term)",
                values={":pk": s(item_keys.search_pk(term)), ":term": s(term)},
                limit=limit * 2,
                start=start,
            )
            for item in items:
                customer_id = text(item, "customer_id")
                if customer_id is not None and customer_id not in ids:
                    ids.append(customer_id)
            if start is None:
                break
        ids = ids[:limit]
        found = {
            customer.id: customer
            for customer in map(customer_from_item, self._table.batch_get([item_keys.customer(i) for i in ids]))
        }
        # Sorted like the SQLite adapter's (name, then id); the port promises no order.
        return sorted(found.values(), key=lambda customer: (customer.name.lower(), customer.id))

    def set_plan(self, customer_id: str, plan_id: str, currency: str, *, expected_version: int) -> Customer:
        try:
            item = self._table.update(
                item_keys.customer(customer_id),
                "SET plan_id = :plan, currency = :currency, version = version + :one",
                condition="version = :expected",
                values={":plan": s(plan_id), ":currency": s(currency), ":one": n(1), ":expected": n(expected_version)},
                return_new=True,
            )
        except ConditionFailed:
            if self.get(customer_id) is None:
                raise CustomerNotFound(customer_id) from None
            raise ConcurrentUpdate(f"customer {customer_id} changed since version {expected_version}") from None
        assert item is not None
        return customer_from_item(item)
