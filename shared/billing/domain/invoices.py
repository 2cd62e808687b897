"""Invoices and their line items.

Identity is deterministic (customer + period), so re-runs and overlapping schedules address the same
invoice and storage can refuse a second one. Amounts on lines are already rounded to the currency's
minor unit; totals are plain sums of lines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.domain.errors import InvoiceNotEditable
from billing.domain.money import ZERO


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    FINALIZED = "finalized"
    VOID = "void"


class LineType(StrEnum):
    USAGE = "usage"
    MINIMUM = "minimum"
    ADJUSTMENT = "adjustment"
    CREDIT = "credit"


@dataclass(frozen=True)
class LineItem:
    type: LineType
    amount: Decimal
    description: str
    feature: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    breakdown: tuple[dict[str, Any], ...] = ()


def invoice_id_for(customer_id: str, period: str) -> str:
    digest = hashlib.sha256(f"{customer_id}|{period}".encode()).hexdigest()[:20]
    return f"inv_{digest}"


@dataclass(frozen=True)
class Invoice:
    id: str
    customer_id: str
    period: str
    period_start: datetime
    period_end: datetime
    currency: str
    created_at: datetime
    updated_at: datetime
    status: InvoiceStatus = InvoiceStatus.DRAFT
    line_items: tuple[LineItem, ...] = ()
    version: int = 0  # storage's optimistic-concurrency counter; 0 = never saved
    finalized_at: datetime | None = None
    voided_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def subtotal(self) -> Decimal:
        """Usage, minimum and adjustment lines: what is owed before prepaid credit."""
        return sum((line.amount for line in self.line_items if line.type != LineType.CREDIT), ZERO)

    @property
    def credits_applied(self) -> Decimal:
        return -sum((line.amount for line in self.line_items if line.type == LineType.CREDIT), ZERO)

    @property
    def total(self) -> Decimal:
        return max(sum((line.amount for line in self.line_items), ZERO), ZERO)

    @property
    def is_editable(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    def with_lines(self, lines: tuple[LineItem, ...], *, now: datetime) -> Invoice:
        self._require_draft()
        return replace(self, line_items=lines, updated_at=now)

    def finalized(self, *, now: datetime) -> Invoice:
        self._require_draft()
        return replace(self, status=InvoiceStatus.FINALIZED, finalized_at=now, updated_at=now)

    def voided(self, *, now: datetime) -> Invoice:
        if self.status != InvoiceStatus.FINALIZED:
            raise InvoiceNotEditable(f"only a finalized invoice can be voided; {self.id} is {self.status}")
        return replace(self, status=InvoiceStatus.VOID, voided_at=now, updated_at=now)

    def _require_draft(self) -> None:
        if not self.is_editable:
            raise InvoiceNotEditable(f"invoice {self.id} is {self.status} and can no longer change")
