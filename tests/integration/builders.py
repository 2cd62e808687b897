"""Small builders of domain objects for the storage contract suite."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.customers import Customer
from billing.domain.invoices import Invoice, LineItem, LineType, invoice_id_for
from billing.domain.time import local_day_of
from billing.domain.usage import UsageEvent

D = Decimal
NOW = datetime(2025, 10, 2, tzinfo=UTC)


def customer(customer_id: str = "c1", email: str | None = None, *, name: str | None = None, **fields) -> Customer:
    return Customer(
        id=customer_id,
        name=name or customer_id,
        email=email or f"{customer_id}@example.com",
        timezone="UTC",
        created_at=NOW,
        **fields,
    )


def usage_event(
    event_id: str,
    quantity: str,
    ts: int,
    feature: str = "api",
    customer_id: str = "c1",
    period: str = "2025-09",
    day: str | None = None,
    properties: dict[str, str] | None = None,
    distinct: tuple[str, ...] = (),
) -> UsageEvent:
    return UsageEvent(
        customer_id,
        event_id,
        feature,
        D(quantity),
        ts,
        period,
        properties,
        day=day or local_day_of(ts, "UTC"),
        distinct=distinct,
    )


def draft(
    customer_id: str = "c1", period: str = "2025-09", amount: str = "1.00", credit: str | None = None, issue: int = 0
) -> Invoice:
    month = int(period[5:])
    lines = [LineItem(LineType.USAGE, D(amount), "api", "api", D(100), D("0.01"))]
    if credit:
        lines.append(LineItem(LineType.CREDIT, -D(credit), "credit"))
    return Invoice(
        id=invoice_id_for(customer_id, period, issue),
        issue=issue,
        replaces=None if issue == 0 else invoice_id_for(customer_id, period, issue - 1),
        customer_id=customer_id,
        period=period,
        period_start=datetime(2025, month, 1, tzinfo=UTC),
        period_end=datetime(2025 + month // 12, month % 12 + 1, 1, tzinfo=UTC),
        currency="USD",
        created_at=NOW,
        updated_at=NOW,
        line_items=tuple(lines),
    )


def grant(amount: str, customer_id: str = "c1", entry_id: str = "crd_1", currency: str = "USD") -> CreditEntry:
    return CreditEntry(entry_id, customer_id, CreditKind.GRANT, D(amount), currency, NOW)


def every(list_page, **filters) -> list:
    """All items of a paged listing, following cursors (and checking they are opaque strings)."""
    items, cursor = [], None
    while True:
        page = list_page(cursor=cursor, **filters)
        items.extend(page.items)
        if page.cursor is None:
            return items
        assert isinstance(page.cursor, str)
        cursor = page.cursor
