"""Invoices and their line items.

Identity is deterministic (customer + period + issue), so re-runs and overlapping schedules address the
same invoice and storage can refuse a second one. Issue 0 is a period's first invoice; issue k ≥ 1 is the
k-th reissue, made only once issue k - 1 is void. Amounts on lines are already rounded to the currency's
minor unit; totals are plain sums of lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.domain.errors import InvoiceNotEditable
from billing.domain.exact import EXACT, exact_sum
from billing.domain.money import ZERO


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    FINALIZED = "finalized"
    VOID = "void"


class LineType(StrEnum):
    PLAN_FEE = "plan_fee"
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
    adjusts_period: str | None = None  # adjustment lines: the finalized period whose late usage they bill


# Invoices saved in one atomic write (InvoiceRepository.save_many; DynamoDB: two items each, 100 at most).
MAX_INVOICES_PER_SAVE = 25

_RATED_LINES = frozenset({LineType.PLAN_FEE, LineType.USAGE, LineType.MINIMUM})


# Reissues of one period: far more than any real correction history, and what storage keys order by text.
MAX_ISSUE = 999_999


def invoice_id_for(customer_id: str, period: str, issue: int = 0) -> str:
    """The id of the customer's invoice for the period; issue 0 keeps the id invoices had before reissues."""
    key = f"{customer_id}|{period}" if issue == 0 else f"{customer_id}|{period}|{issue}"
    return f"inv_{hashlib.sha256(key.encode()).hexdigest()[:20]}"


def invoice_number(prefix: str, sequence: int) -> str:
    """The number a finalized invoice is given: the deployment's prefix and its counter, e.g. INV-000042."""
    return f"{prefix}-{sequence:06d}"


@dataclass(frozen=True)
class Issuer:
    """Who issues the invoices (deployment settings, empty by default), frozen on each at finalization."""

    name: str = ""
    address: str = ""
    tax_id: str = ""


@dataclass(frozen=True)
class InvoiceSettings:
    """How a deployment's invoices read as documents: their numbers' prefix, the payment term when a plan
    sets none, and the issuer block."""

    number_prefix: str = "INV"
    net_days: int = 0
    issuer: Issuer = Issuer()


DEFAULT_INVOICE_SETTINGS = InvoiceSettings()


@dataclass(frozen=True)
class InvoiceDocument:
    """What finalization adds to an invoice besides its number (which storage gives it)."""

    issue_date: date
    due_date: date
    issuer: Issuer


@dataclass(frozen=True)
class InvoiceContent:
    """What rating a period produces: everything on an invoice that a recomputation may change."""

    currency: str
    line_items: tuple[LineItem, ...]
    plan_id: str | None = None
    unit_price: Decimal | None = None
    rated_events: int | None = None


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
    plan_id: str | None = None  # the plan the lines were rated with (plans never change once created)
    unit_price: Decimal | None = None  # the run's price for features no plan prices
    rated_events: int | None = None  # events of the period counted into the usage lines (late-usage check)
    issue: int = 0  # 0: the period's first invoice; k: its k-th reissue
    replaces: str | None = None  # a reissue: the id of the void invoice it replaces
    number: str | None = None  # given by storage at finalization, from the deployment's one counter
    issue_date: date | None = None  # finalization date in the customer's timezone
    due_date: date | None = None
    issuer: Issuer | None = None

    @property
    def subtotal(self) -> Decimal:
        """Plan fee, usage, minimum and adjustment lines: what is owed before prepaid credit."""
        return exact_sum(line.amount for line in self.line_items if line.type != LineType.CREDIT)

    @property
    def credits_applied(self) -> Decimal:
        return EXACT.minus(exact_sum(line.amount for line in self.line_items if line.type == LineType.CREDIT))

    @property
    def total(self) -> Decimal:
        return max(exact_sum(line.amount for line in self.line_items), ZERO)

    @property
    def carried_over(self) -> Decimal:
        """What the lines sum to below zero (an adjustment giving back more than the invoice bills): owed to
        the customer, so finalization carries it over to their credit balance instead of losing it."""
        return max(EXACT.minus(exact_sum(line.amount for line in self.line_items)), ZERO)

    @property
    def rated_amount(self) -> Decimal:
        """What the invoice billed for its own period: plan fee, usage and minimum lines."""
        return exact_sum(line.amount for line in self.line_items if line.type in _RATED_LINES)

    def adjusted_amount(self, period: str) -> Decimal:
        """What this invoice billed as late-usage adjustment of another period."""
        return exact_sum(
            line.amount
            for line in self.line_items
            if line.type == LineType.ADJUSTMENT and line.adjusts_period == period
        )

    @property
    def is_editable(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def content(self) -> InvoiceContent:
        return InvoiceContent(self.currency, self.line_items, self.plan_id, self.unit_price, self.rated_events)

    def with_content(self, content: InvoiceContent, *, now: datetime) -> Invoice:
        """The draft recomputed; unchanged (same object) when nothing differs."""
        self._require_draft()
        if content == self.content:
            return self
        return replace(
            self,
            currency=content.currency,
            line_items=content.line_items,
            plan_id=content.plan_id,
            unit_price=content.unit_price,
            rated_events=content.rated_events,
            updated_at=now,
        )

    def finalized(self, *, now: datetime, document: InvoiceDocument | None = None) -> Invoice:
        self._require_draft()
        final = replace(self, status=InvoiceStatus.FINALIZED, finalized_at=now, updated_at=now)
        if document is None:
            return final
        return replace(final, issue_date=document.issue_date, due_date=document.due_date, issuer=document.issuer)

    def numbered(self, number: str) -> Invoice:
        return replace(self, number=number)

    def reissue_id(self) -> str:
        """The id of the invoice that replaces this one once it is void."""
        if self.issue >= MAX_ISSUE:
            raise InvoiceNotEditable(f"invoice {self.id} is the period's last possible reissue ({MAX_ISSUE})")
        return invoice_id_for(self.customer_id, self.period, self.issue + 1)

    def voided(self, *, now: datetime) -> Invoice:
        if self.status != InvoiceStatus.FINALIZED:
            raise InvoiceNotEditable(f"only a finalized invoice can be voided; {self.id} is {self.status}")
        return replace(self, status=InvoiceStatus.VOID, voided_at=now, updated_at=now)

    def _require_draft(self) -> None:
        if not self.is_editable:
            raise InvoiceNotEditable(f"invoice {self.id} is {self.status} and can no longer change")


def latest_issue(invoices: Iterable[Invoice], period: str) -> Invoice | None:
    """The period's invoice with the highest issue (the one that counts: every earlier one is void)."""
    return max((invoice for invoice in invoices if invoice.period == period), key=lambda i: i.issue, default=None)
