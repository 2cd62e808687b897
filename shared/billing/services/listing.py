"""Whole listings the services need, read page by page from the port's paged listings."""

from __future__ import annotations

from billing.domain.invoices import Invoice
from billing.domain.paging import MAX_PAGE, all_items
from billing.ports import Storage


def all_invoices(storage: Storage, customer_id: str) -> list[Invoice]:
    """Every invoice of one customer, newest period first."""
    return list(
        all_items(lambda cursor: storage.invoices.list_for_customer(customer_id, limit=MAX_PAGE, cursor=cursor))
    )
