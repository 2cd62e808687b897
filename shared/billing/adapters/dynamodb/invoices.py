"""Invoices: the invoice item at (customer, period, issue) — its key is the "one invoice per customer, period
and issue" guard — and a copy under its id, written in the same transaction with the same version
condition, so `get(id)` is one GetItem. Drafts carry the keys of the sparse DraftsDue index; finalizing
drops them. Finalizing also moves the deployment's invoice number counter, in the same transaction.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from billing.adapters.dynamodb import item_keys
from billing.adapters.dynamodb.credits import entry_actions
from billing.adapters.dynamodb.customers import advance_version
from billing.adapters.dynamodb.table.attributes import Item, doc, integer, n, s, undoc
from billing.adapters.dynamodb.table.client import NOT_EXISTS, Table, put_action, update_action
from billing.adapters.dynamodb.table.errors import Cancelled
from billing.adapters.dynamodb.table.schema import DRAFTS_INDEX, DRAFTS_PK, DRAFTS_SK, LIST_INDEX, LIST_PK, LIST_SK
from billing.adapters.records import invoice_from_record, invoice_to_record
from billing.domain.credits import CreditEntry
from billing.domain.errors import ConcurrentUpdate
from billing.domain.invoices import Invoice, InvoiceStatus, invoice_number
from billing.domain.paging import Page
from billing.domain.time import to_micros


def invoice_from_item(item: Item) -> Invoice:
    return invoice_from_record(undoc(item), version=integer(item, "version"))


def _items(invoice: Invoice, version: int) -> tuple[Item, Item]:
    common = {
        "doc": doc(invoice_to_record(invoice)),
        "version": n(version),
        "status": s(invoice.status.value),
        "period": s(invoice.period),
        "customer_id": s(invoice.customer_id),
    }
    main: Item = {
        **item_keys.invoice(invoice.customer_id, invoice.period, invoice.issue),
        **common,
        **item_keys.listing(item_keys.INVOICES, f"{invoice.period}#{invoice.customer_id}"),
    }
    if invoice.status == InvoiceStatus.DRAFT:
        main[DRAFTS_PK] = s(item_keys.DRAFTS)
        main[DRAFTS_SK] = s(f"{item_keys.padded(to_micros(invoice.period_end))}#{invoice.id}")
    return main, {**item_keys.invoice_by_id(invoice.id), **common}


def _write_actions(invoice: Invoice) -> list[dict[str, Any]]:
    """[invoice item, id copy], each guarded: absent for a new invoice, else at the version read."""
    main, by_id = _items(invoice, invoice.version + 1)
    if invoice.version == 0:
        return [put_action(main, NOT_EXISTS), put_action(by_id, NOT_EXISTS)]
    at_version = {":version": n(invoice.version)}
    return [
        put_action(main, "version = :version", values=at_version),
        put_action(by_id, "version = :version", values=at_version),
    ]


# Finalizations racing for the next number: each lost race means another invoice was numbered meanwhile.
_NUMBER_ATTEMPTS = 10
_LAST = {"#last": "last"}


def _take_number(last: int) -> dict[str, Any]:
    """Move the counter from `last` (as read; 0: never used) to `last + 1`."""
    guard, values = (NOT_EXISTS, {}) if last == 0 else ("#last = :last", {":last": n(last)})
    return update_action(
        item_keys.INVOICE_NUMBERS, "SET #last = :next", guard, names=_LAST, values={":next": n(last + 1), **values}
    )


class DynamoInvoices:
    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, invoice_id: str) -> Invoice | None:
        item = self._table.get(item_keys.invoice_by_id(invoice_id))
        return None if item is None else invoice_from_item(item)

    def list_for_customer(self, customer_id: str, *, limit: int, cursor: str | None = None) -> Page[Invoice]:
        return self._table.page(
            invoice_from_item,
            limit=limit,
            cursor=cursor,
            key="PK = :pk AND begins_with(SK, :prefix)",
            values={":pk": s(item_keys.customer_pk(customer_id)), ":prefix": s("INV#")},
            forward=False,
        )

    def list_for_customers(self, customer_ids: Sequence[str]) -> dict[str, builtins.list[Invoice]]:
        # One Query per customer: each customer's invoices are in its own partition.
        return {
            customer_id: [
                invoice_from_item(item)
                for item in self._table.query_all(
                    key="PK = :pk AND begins_with(SK, :prefix)",
                    values={":pk": s(item_keys.customer_pk(customer_id)), ":prefix": s("INV#")},
                    forward=False,
                )
            ]
            for customer_id in dict.fromkeys(customer_ids)
        }

    def list(
        self,
        *,
        limit: int,
        cursor: str | None = None,
        status: InvoiceStatus | None = None,
        period: str | None = None,
        customer_id: str | None = None,
    ) -> Page[Invoice]:
        filters: list[str] = []
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        if status is not None:
            filters.append("#status = :status")
            names["#status"] = "status"
            values[":status"] = s(status.value)
        if customer_id is not None:  # the customer's own partition: strongly consistent
            index, forward, condition = None, False, "PK = :pk AND begins_with(SK, :sk)"
            values[":pk"] = s(item_keys.customer_pk(customer_id))
            values[":sk"] = s("INV#" if period is None else item_keys.invoice_sk(period))  # a period: its every issue
        else:
            index, forward, condition = LIST_INDEX, True, f"{LIST_PK} = :type"
            values[":type"] = s(item_keys.INVOICES)
            if period is not None:
                values[":period"] = s(f"{period}#")
                condition += f" AND begins_with({LIST_SK}, :period)"
        return self._table.page(
            invoice_from_item,
            limit=limit,
            cursor=cursor,
            index=index,
            key=condition,
            filter=" AND ".join(filters) or None,
            names=names,
            values=values,
            forward=forward,
        )

    def save(self, invoice: Invoice) -> Invoice:
        try:
            self._table.transact(_write_actions(invoice))
        except Cancelled:
            if invoice.version == 0:
                raise ConcurrentUpdate(
                    f"an invoice for customer {invoice.customer_id}, period {invoice.period} and issue"
                    f" {invoice.issue} already exists"
                ) from None
            raise ConcurrentUpdate(f"invoice {invoice.id} changed since version {invoice.version}") from None
        return replace(invoice, version=invoice.version + 1)

    def save_many(self, invoices: Sequence[Invoice]) -> None:
        if not invoices:
            return
        try:  # one transaction: two guarded items per invoice (MAX_INVOICES_PER_SAVE keeps it within 100)
            self._table.transact([action for invoice in invoices for action in _write_actions(invoice)])
        except Cancelled:
            raise ConcurrentUpdate(
                "an invoice changed since it was read, or one for its customer, period and issue already exists"
            ) from None

    def drafts_due(self, *, period_end_before: datetime, limit: int, cursor: str | None = None) -> Page[Invoice]:
        return self._table.page(
            invoice_from_item,
            limit=limit,
            cursor=cursor,
            index=DRAFTS_INDEX,
            key=f"{DRAFTS_PK} = :drafts AND {DRAFTS_SK} < :after",
            values={":drafts": s(item_keys.DRAFTS), ":after": s(item_keys.padded(to_micros(period_end_before) + 1))},
        )

    def finalize(
        self, invoice: Invoice, *, credit: CreditEntry | None, customer_version: int, number_prefix: str
    ) -> Invoice:
        """The transition's transaction plus the counter, last, conditioned on the value read: when only the
        counter's condition failed (another invoice took that number meanwhile), or a concurrent transaction
        was writing the same items, and nothing else is stale, the number is read again and the transaction
        sent again (no gap, none used twice)."""
        for _ in range(_NUMBER_ATTEMPTS):
            last = integer(self._table.get(item_keys.INVOICE_NUMBERS) or {}, "last")
            numbered = invoice.numbered(invoice_number(number_prefix, last + 1))
            actions = [*_transition_actions(numbered, credit, customer_version), _take_number(last)]
            try:
                self._table.transact(actions)
            except Cancelled as cancelled:
                counter = len(actions) - 1
                stale = any(cancelled.failed(index) for index in range(counter))
                if not stale and (cancelled.failed(counter) or cancelled.conflicting):
                    continue
                raise _stale(invoice) from None
            return replace(numbered, version=invoice.version + 1)
        raise ConcurrentUpdate(f"invoice {invoice.id}: racing finalizations kept taking the next number")

    def void(self, invoice: Invoice, *, credit: CreditEntry | None, customer_version: int) -> Invoice:
        try:
            self._table.transact(_transition_actions(invoice, credit, customer_version))
        except Cancelled:
            raise _stale(invoice) from None
        return replace(invoice, version=invoice.version + 1)


def _transition_actions(invoice: Invoice, entry: CreditEntry | None, customer_version: int) -> list[dict[str, Any]]:
    """The invoice (and its copy) at its version, the customer's version, and the credit entry with its
    balance move. Any failed condition among them means something changed since it was read — a
    duplicate credit entry included (another finalization won) — so it is ConcurrentUpdate: the
    lifecycle service re-reads and finds the invoice finalized."""
    actions = [*_write_actions(invoice), advance_version(invoice.customer_id, customer_version)]
    if entry is not None:
        actions.extend(entry_actions(entry))
    return actions


def _stale(invoice: Invoice) -> ConcurrentUpdate:
    return ConcurrentUpdate(f"invoice {invoice.id}, its customer or their credit changed since they were read")
