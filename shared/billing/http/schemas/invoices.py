"""Bodies of the invoice routes: invoices, their lines, and the invoices stored nowhere (upcoming, estimates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from billing.domain.money import format_money
from billing.domain.time import iso_utc
from billing.http.schemas.base import PageOut, RequestModel, ResponseModel
from billing.http.schemas.fields import ResourceId, decimal_text
from billing.http.schemas.plans import CreatePlanRequest

if TYPE_CHECKING:
    from billing.domain.invoices import Invoice, Issuer, LineItem
    from billing.services.previews import Estimate, InvoicePreview


class LineItemOut(ResponseModel):
    type: str
    description: str
    amount: str
    feature: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    breakdown: list[dict[str, Any]] = []
    adjusts_period: str | None = None

    @classmethod
    def of(cls, line: LineItem, currency: str) -> LineItemOut:
        return cls(
            type=line.type.value,
            description=line.description,
            amount=format_money(line.amount, currency),
            feature=line.feature,
            quantity=None if line.quantity is None else decimal_text(line.quantity),
            unit_price=None if line.unit_price is None else decimal_text(line.unit_price),
            breakdown=list(line.breakdown),
            adjusts_period=line.adjusts_period,
        )


class IssuerOut(ResponseModel):
    """Who issued the invoice, as the deployment's settings said at its finalization (empty by default)."""

    name: str
    address: str
    tax_id: str

    @classmethod
    def of(cls, issuer: Issuer) -> IssuerOut:
        return cls(name=issuer.name, address=issuer.address, tax_id=issuer.tax_id)


def _composed(invoice: Invoice) -> dict[str, Any]:
    """What an invoice and a preview show alike: its customer, period and plan, and its amounts in its currency."""
    money = invoice.currency
    return {
        "customer_id": invoice.customer_id,
        "period": invoice.period,
        "period_start": iso_utc(invoice.period_start),
        "period_end": iso_utc(invoice.period_end),
        "currency": money,
        "subtotal": format_money(invoice.subtotal, money),
        "credits_applied": format_money(invoice.credits_applied, money),
        "total": format_money(invoice.total, money),
        "carried_over": format_money(invoice.carried_over, money),
        "line_items": [LineItemOut.of(line, money) for line in invoice.line_items],
        "plan_id": invoice.plan_id,
    }


class InvoiceOut(ResponseModel):
    id: str
    customer_id: str
    period: str
    period_start: str
    period_end: str
    status: str
    currency: str
    subtotal: str
    credits_applied: str
    total: str
    carried_over: str  # lines summing below zero: credited to the customer's balance at finalization
    line_items: list[LineItemOut]
    plan_id: str | None
    unit_price: str | None  # the price of features no plan prices, kept by the draft across runs without one
    created_at: str
    updated_at: str
    finalized_at: str | None
    voided_at: str | None
    issue: int  # 0: the period's first invoice; k: its k-th reissue
    replaces: str | None  # a reissue: the void invoice it replaces
    # Given at finalization (null on drafts): INV-000042, dates YYYY-MM-DD in the customer's timezone.
    number: str | None
    issue_date: str | None
    due_date: str | None
    issuer: IssuerOut | None

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceOut:
        return cls(
            id=invoice.id,
            status=invoice.status.value,
            **_composed(invoice),
            unit_price=None if invoice.unit_price is None else decimal_text(invoice.unit_price),
            created_at=iso_utc(invoice.created_at),
            updated_at=iso_utc(invoice.updated_at),
            finalized_at=None if invoice.finalized_at is None else iso_utc(invoice.finalized_at),
            voided_at=None if invoice.voided_at is None else iso_utc(invoice.voided_at),
            issue=invoice.issue,
            replaces=invoice.replaces,
            number=invoice.number,
            issue_date=None if invoice.issue_date is None else invoice.issue_date.isoformat(),
            due_date=None if invoice.due_date is None else invoice.due_date.isoformat(),
            issuer=None if invoice.issuer is None else IssuerOut.of(invoice.issuer),
        )


class InvoicePreviewOut(ResponseModel):
    """An invoice stored nowhere (the upcoming invoice, an estimate): no id, no lifecycle dates; `status` says
    which it is and `as_of` when it was composed."""

    status: Literal["upcoming", "estimate"]
    customer_id: str
    period: str
    period_start: str
    period_end: str
    currency: str
    subtotal: str
    credits_applied: str
    total: str
    carried_over: str  # lines summing below zero: what finalization would credit to the balance
    line_items: list[LineItemOut]
    plan_id: str | None
    plan_name: str | None
    events_counted: int  # the period's events rated into its usage lines
    as_of: str

    @classmethod
    def of(cls, preview: InvoicePreview) -> InvoicePreviewOut:
        return cls(
            status=preview.kind.value,
            **_composed(preview.invoice),
            plan_name=preview.plan_name,
            events_counted=preview.invoice.rated_events or 0,
            as_of=iso_utc(preview.as_of),
        )


class EstimateRequest(RequestModel):
    """The plan to compare with: a stored plan's id, or a plan described as POST /v1/plans takes it."""

    period: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")] | None = None  # default: the current period
    plan_id: ResourceId | None = None
    plan: CreatePlanRequest | None = None


class EstimateOut(ResponseModel):
    period: str
    current: InvoicePreviewOut  # under the customer's own plan
    estimate: InvoicePreviewOut  # under the other plan

    @classmethod
    def of(cls, estimate: Estimate) -> EstimateOut:
        return cls(
            period=estimate.period,
            current=InvoicePreviewOut.of(estimate.current),
            estimate=InvoicePreviewOut.of(estimate.estimate),
        )


class InvoicePageOut(PageOut):
    data: list[InvoiceOut]
    item_out: ClassVar[Callable[[Invoice], InvoiceOut]] = InvoiceOut.of
