"""Prepaid credit: entry items and one balance item per currency, in the customer's partition.

An entry and its move of the balance are one transaction; "never below zero" is the balance item's
condition (`balance >= :needed`), so no read precedes the write.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.table.attributes import Item, check_number, doc, integer, n, number, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table, put_action, update_action
from billing.adapters.dynamodb.table.errors import Cancelled
from billing.adapters.dynamodb.table.schema import PK, SK
from billing.adapters.records import credit_entry_from_record, credit_entry_to_record
from billing.domain.credits import CreditEntry
from billing.domain.errors import ConcurrentUpdate, Conflict, InsufficientCredit
from billing.domain.money import ZERO


def entry_actions(entry: CreditEntry) -> list[dict[str, Any]]:
    """The two actions that append `entry` and move its balance: [entry put, balance update]. The
    entry's condition fails when its id exists; the balance's when it would go below zero."""
    amount = check_number(entry.amount, field="amount")
    item: Item = {
        **item_keys.credit_entry(entry.customer_id, entry.id),
        "doc": doc(credit_entry_to_record(entry)),
        "written_ns": n(time.time_ns()),  # insertion order: entries() sorts by it
    }
    balance_key = item_keys.balance(entry.customer_id, entry.currency)
    if amount >= 0:
        move = update_action(balance_key, "ADD balance :amount", values={":amount": n(amount)})
    else:
        move = update_action(
            balance_key,
            "ADD balance :amount",
            "balance >= :needed",
            values={":amount": n(amount), ":needed": n(-amount)},
        )
    return [put_action(item, NOT_EXISTS), move]


class DynamoCredits:
    def __init__(self, table: Table) -> None:
        self._table = table

    def add(self, entry: CreditEntry) -> Decimal:
        try:
            self._table.transact(entry_actions(entry))
        except Cancelled as cancelled:
            if cancelled.failed(0):
                raise Conflict(f"credit entry {entry.id} already exists") from None
            if cancelled.failed(1):
                raise InsufficientCredit(
                    f"customer {entry.customer_id} has less than {-entry.amount} {entry.currency} of credit"
                ) from None
            raise ConcurrentUpdate(f"the credit of customer {entry.customer_id} was changing") from None
        return self.balance(entry.customer_id, entry.currency)

    def entry(self, customer_id: str, entry_id: str) -> CreditEntry | None:
        item = self._table.get(item_keys.credit_entry(customer_id, entry_id))
        return None if item is None else credit_entry_from_record(undoc(item))

    def entries(self, customer_id: str) -> list[CreditEntry]:
        items = self._table.query_all(
            key="PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": item_keys.customer(customer_id)["PK"], ":prefix": {"S": "CREDIT#"}},
        )
        items.sort(key=lambda item: integer(item, "written_ns"))
        return [credit_entry_from_record(undoc(item)) for item in items]

    def balance(self, customer_id: str, currency: str) -> Decimal:
        item = self._table.get(item_keys.balance(customer_id, currency))
        return ZERO if item is None else number(item, "balance")

    def balances(self, accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Decimal]:
        wanted = dict.fromkeys(accounts, ZERO)
        by_key = {_key_text(item_keys.balance(*account)): account for account in wanted}
        for item in self._table.batch_get([item_keys.balance(*account) for account in wanted]):  # one BatchGetItem
            wanted[by_key[_key_text(item)]] = number(item, "balance")
        return wanted


def _key_text(item: Item) -> tuple[str, str]:
    return item[PK]["S"], item[SK]["S"]
