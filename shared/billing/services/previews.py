"""Invoices stored nowhere: the upcoming invoice and the what-if estimate.

- The upcoming invoice (Stripe's): what the customer's invoice for the period holding `now` (a calendar
  month in the customer's timezone) would say right now, composed as a billing run would compose it
  (plan fee, usage so far, minimum, late-usage adjustments, the prepaid credit it would apply).
- The estimate: a period's usage rated under another plan (a stored one, or one described inline and
  validated as POST /v1/plans validates it), side by side with the customer's own plan. Only what the
  plan decides is compared (plan fee, usage, minimum): credit and late usage of earlier periods are the
  same whichever plan rates this one, and would hide the difference.

Both read the usage rollups (and the period's raw events for a unique_count storage has not covered yet:
docs/pricing.md) and write nothing. Features no plan prices are rated at the unit price of
the period's draft, if a billing run made one (zero otherwise, as a run without a unit price would).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.domain.customers import Customer
from billing.domain.errors import InvalidInput
from billing.domain.invoices import Invoice, InvoiceContent
from billing.domain.time import BillingPeriod, timezone
from billing.ports import Storage
from billing.pricing import Plan, plan_from_spec
from billing.services.clock import Clock, system_clock
from billing.services.customers import CustomerService
from billing.services.drafting import InvoiceComposer, new_invoice
from billing.services.listing import all_invoices

INLINE_PLAN_ID = "plan_inline"  # the id an inline plan is rated under (it is stored nowhere)


class PreviewKind(StrEnum):
    UPCOMING = "upcoming"
    ESTIMATE = "estimate"


@dataclass(frozen=True)
class InvoicePreview:
    """An invoice composed but never saved. `invoice` carries the period, lines and totals; its id is
    the one the period's invoice has or would have, its status and version mean nothing."""

    kind: PreviewKind
    invoice: Invoice
    as_of: datetime
    plan_name: str | None = None


@dataclass(frozen=True)
class Estimate:
    period: str
    current: InvoicePreview  # the customer's own plan
    estimate: InvoicePreview  # the other plan


class PreviewService:
    def __init__(self, storage: Storage, customers: CustomerService, clock: Clock = system_clock) -> None:
        self._storage = storage
        self._customers = customers
        self._clock = clock

    def upcoming(self, customer_id: str, *, now: datetime | None = None) -> InvoicePreview:
        """The invoice of the customer's current period as it stands at `now`; nothing is written."""
        now = now or self._clock()
        customer = self._customers.get(customer_id)
        period = BillingPeriod.containing(now, timezone(customer.timezone))
        composer = InvoiceComposer(self._storage)
        invoices = all_invoices(self._storage, customer.id)
        unit_price = _unit_price_of(invoices, period)
        content = composer.compose(customer, period, unit_price=unit_price, invoices=invoices)
        plan = composer.customer_plan(customer)
        return _preview(PreviewKind.UPCOMING, customer, period, content, now=now, plan=plan)

    def estimate(
        self,
        customer_id: str,
        period: BillingPeriod | None = None,
        *,
        plan_id: str | None = None,
        plan_spec: Mapping[str, Any] | None = None,
        own_plan_only: bool = False,
        now: datetime | None = None,
    ) -> Estimate:
        """The period's usage (the current period by default) rated under the customer's own plan and under
        another: `plan_id` (a stored plan) or `plan_spec` (a plan as POST /v1/plans takes it, stored nowhere;
        its mistakes are named `plan.<field>`). With `own_plan_only` (a customer's key) a stored plan other
        than the customer's own is refused as if it did not exist."""
        now = now or self._clock()
        customer = self._customers.get(customer_id)
        period = period or BillingPeriod.containing(now, timezone(customer.timezone))
        other = self._other_plan(customer, plan_id, plan_spec, own_plan_only, now)
        composer = InvoiceComposer(self._storage)
        usage = self._storage.usage.period_usage(customer.id, period.key)
        unit_price = _unit_price_of(all_invoices(self._storage, customer.id), period)
        own_plan = composer.customer_plan(customer)
        current = composer.rate(customer, period, own_plan, unit_price=unit_price, usage=usage)
        estimate = composer.rate(customer, period, other, unit_price=unit_price, usage=usage)
        return Estimate(
            period.key,
            _preview(PreviewKind.ESTIMATE, customer, period, current, now=now, plan=own_plan),
            _preview(PreviewKind.ESTIMATE, customer, period, estimate, now=now, plan=other),
        )

    def _other_plan(
        self,
        customer: Customer,
        plan_id: str | None,
        plan_spec: Mapping[str, Any] | None,
        own_plan_only: bool,
        now: datetime,
    ) -> Plan:
        if plan_id is not None and plan_spec is not None:
            raise InvalidInput("give either plan_id or an inline plan, not both", field="plan")
        if plan_spec is not None:
            return _inline_plan(plan_spec, now)
        if plan_id is None:
            raise InvalidInput("plan_id or an inline plan is required: the plan to compare with", field="plan_id")
        plan = self._storage.plans.get(plan_id)
        if plan is None or (own_plan_only and plan_id != customer.plan_id):
            raise InvalidInput(f"plan {plan_id!r} does not exist", field="plan_id")
        return plan


def _inline_plan(spec: Mapping[str, Any], now: datetime) -> Plan:
    try:
        return plan_from_spec(plan_id=INLINE_PLAN_ID, created_at=now, **spec)
    except InvalidInput as error:
        error.field = f"plan.{error.field}" if error.field else "plan"
        raise


def _unit_price_of(invoices: list[Invoice], period: BillingPeriod) -> Decimal | None:
    billed = next((invoice for invoice in invoices if invoice.period == period.key), None)
    return None if billed is None else billed.unit_price


def _preview(
    kind: PreviewKind,
    customer: Customer,
    period: BillingPeriod,
    content: InvoiceContent,
    *,
    now: datetime,
    plan: Plan | None,
) -> InvoicePreview:
    invoice = new_invoice(customer, period, content, now)
    if content.plan_id == INLINE_PLAN_ID:
        invoice = replace(invoice, plan_id=None)
    return InvoicePreview(kind, invoice, now, None if plan is None else plan.name)
