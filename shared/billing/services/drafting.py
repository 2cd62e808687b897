"""What a customer's invoice for a period says right now.

The lines, in order: the plan fee, usage (rated with the customer's plan), the minimum top-up, adjustments for late
usage of earlier finalized periods, and the prepaid credit the invoice would apply. Billing runs use it
to create and recompute drafts; finalization uses it once more, so a frozen invoice reflects the usage,
plan and credit balance of the moment it was frozen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from billing.domain.customers import Customer
from billing.domain.errors import CustomerPlanMissing, StorageUnavailable
from billing.domain.exact import exact
from billing.domain.invoices import Invoice, InvoiceContent, InvoiceStatus, LineItem, LineType, invoice_id_for
from billing.domain.money import ZERO, format_money
from billing.domain.time import BillingPeriod, timezone, to_micros
from billing.domain.usage import CustomerPeriodUsage, UsageEvent
from billing.ports import Storage
from billing.pricing import Plan, Price
from billing.services.invoice_lines import (
    RatedLines,
    invoice_currency,
    minimum_line,
    plan_charges_apply,
    plan_fee_line,
    usage_lines,
)
from billing.services.listing import all_invoices


def events_counted(usage: CustomerPeriodUsage) -> int:
    return sum(aggregate.count for aggregate in usage.features.values())


class InvoiceComposer:
    """Composes invoices. With `covers_distinct` (billing runs and finalization; previews write nothing), a
    unique_count it has to count from raw events is stored too (UsageRepository.cover_distinct), so that the
    next composition of the period reads the stored count."""

    def __init__(self, storage: Storage, *, covers_distinct: bool = False) -> None:
        self._storage = storage
        self._covers_distinct = covers_distinct
        self._plans: dict[str, Plan | None] = {}  # plans never change, so caching them is always right
        self._rated_lines = RatedLines()

    def plan(self, plan_id: str | None) -> Plan | None:
        if plan_id is None:
            return None
        if plan_id not in self._plans:
            self._plans[plan_id] = self._storage.plans.get(plan_id)
        return self._plans[plan_id]

    def customer_plan(self, customer: Customer) -> Plan | None:
        """The customer's plan (None: it has none). A plan_id naming no stored plan raises CustomerPlanMissing
        rather than rating the customer as if it had no plan."""
        plan = self.plan(customer.plan_id)
        if plan is None and customer.plan_id is not None:
            raise CustomerPlanMissing(customer.id, customer.plan_id)
        return plan

    def currency(self, customer: Customer) -> str:
        """The currency the customer's invoices are in: their plan's, else their own."""
        return invoice_currency(customer, self.customer_plan(customer))

    @exact
    def compose(
        self,
        customer: Customer,
        period: BillingPeriod,
        *,
        unit_price: Decimal | None,
        usage: CustomerPeriodUsage | None = None,
        invoices: Sequence[Invoice] | None = None,
        balance: Decimal | None = None,
    ) -> InvoiceContent:
        """The customer's invoice for the period. `usage`, `invoices` (all of the customer's) and `balance`
        (their credit balance in the invoice's currency) may be passed when the caller has read them already."""
        plan = self.customer_plan(customer)
        currency = invoice_currency(customer, plan)
        if usage is None:
            usage = self._storage.usage.period_usage(customer.id, period.key)
        if invoices is None:
            invoices = all_invoices(self._storage, customer.id)
        bounds = period.bounds(timezone(customer.timezone))
        lines = [*self._rated(customer, usage, plan, unit_price, bounds)]
        lines += self._adjustments(customer, period.key, currency, invoices)
        credit = self._credit(customer.id, currency, sum((line.amount for line in lines), ZERO), balance)
        if credit is not None:
            lines.append(credit)
        return InvoiceContent(
            currency=currency,
            line_items=tuple(lines),
            plan_id=customer.plan_id if plan is not None else None,
            unit_price=unit_price,
            rated_events=events_counted(usage),
        )

    @exact
    def rate(
        self,
        customer: Customer,
        period: BillingPeriod,
        plan: Plan | None,
        *,
        unit_price: Decimal | None,
        usage: CustomerPeriodUsage | None = None,
    ) -> InvoiceContent:
        """What the period itself costs under `plan`, stored or not (the customer's or any other): the plan
        fee, usage and minimum lines, without late-usage adjustments of earlier periods or credit."""
        if usage is None:
            usage = self._storage.usage.period_usage(customer.id, period.key)
        bounds = period.bounds(timezone(customer.timezone))
        return InvoiceContent(
            currency=invoice_currency(customer, plan),
            line_items=self._rated(customer, usage, plan, unit_price, bounds),
            plan_id=None if plan is None else plan.id,
            unit_price=unit_price,
            rated_events=events_counted(usage),
        )

    def _rated(
        self,
        customer: Customer,
        usage: CustomerPeriodUsage,
        plan: Plan | None,
        unit_price: Decimal | None,
        bounds: tuple[datetime, datetime],
    ) -> tuple[LineItem, ...]:
        """Plan fee, usage lines and the minimum line: what the period [start, end) itself costs. The plan's
        charges (fee, minimum, zero-usage flat fees) only if the customer existed before `end` or used something
        in the period; otherwise its usage lines alone (none)."""
        start, end = bounds
        charged = plan_charges_apply(customer, usage, end)

        read: list[list[UsageEvent]] = []

        def events() -> list[UsageEvent]:
            # The period's raw events, read once and only for prices rollups cannot answer: percentage
            # prices that need each event's value (free units per events, per-transaction min/max), and a
            # unique_count whose stored count does not cover every event.
            if not read:
                read.append(list(self._storage.usage.events(customer.id, to_micros(start), to_micros(end))))
            return read[0]

        def unique_count(price: Price) -> Decimal:
            return Decimal(self.distinct_count(customer.id, usage, price.feature, price.property or "", events))

        def event_values(price: Price) -> list[Decimal]:
            of_feature = sorted(
                (event.ts_us, event.id, event.quantity) for event in events() if event.feature == price.feature
            )
            return [quantity for _, _, quantity in of_feature]

        fee = plan_fee_line(plan) if charged else None
        lines = (
            *(() if fee is None else (fee,)),
            *usage_lines(
                customer,
                usage,
                unit_price,
                plan=plan,
                unique_count=unique_count,
                event_values=event_values,
                rated=self._rated_lines,
                zero_usage_fees=charged,
            ),
        )
        minimum = minimum_line(lines, plan) if charged else None
        return lines if minimum is None else (*lines, minimum)

    def distinct_count(
        self,
        customer_id: str,
        usage: CustomerPeriodUsage,
        feature: str,
        prop: str,
        events: Callable[[], Sequence[UsageEvent]],
    ) -> int:
        """How many distinct values of `prop` the period's events of `feature` carry (its unique_count): the
        stored count when storage checked every one of them, else counted from the period's raw `events()`
        (and stored, by a composer that `covers_distinct`). Raises StorageUnavailable when fewer raw events
        can be read than `usage` counts (an index lagging behind its table): an undercount is never billed."""
        stored = usage.exact_distinct_count(feature, prop)
        if stored is not None:
            return stored
        return self._distinct_from_events(customer_id, usage, feature, prop, events())

    def _distinct_from_events(
        self, customer_id: str, usage: CustomerPeriodUsage, feature: str, prop: str, events: Sequence[UsageEvent]
    ) -> int:
        """The distinct values of the period's raw events of the feature; stored when the composer covers
        distinct values and no event arrived since `usage` was read."""
        counted = usage.features[feature].count
        of_feature = [event for event in events if event.feature == feature and event.period == usage.period]
        if len(of_feature) < counted:
            raise StorageUnavailable(
                f"only {len(of_feature)} of the {counted} events of {feature} in {usage.period} can be read yet; retry"
            )
        values = {event.properties[prop] for event in of_feature if event.properties and prop in event.properties}
        if self._covers_distinct and len(of_feature) == counted:  # more: events arrived since usage was read
            self._storage.usage.cover_distinct(customer_id, usage.period, feature, prop, values, events=counted)
        return len(values)

    def _adjustments(
        self, customer: Customer, period: str, currency: str, invoices: Sequence[Invoice]
    ) -> list[LineItem]:
        """For each earlier finalized period with usage that arrived after it was rated, or with adjustments
        billed for it on other finalized invoices: that period re-rated with all its usage, minus what its
        invoice billed and what adjustments billed since. (A period's finalized invoice is its latest issue:
        a void one is never a source. An adjustment billed before a void and reissue is given back once the
        reissue has billed that usage itself.)"""
        finalized = [invoice for invoice in invoices if invoice.status == InvoiceStatus.FINALIZED]
        earlier = sorted((invoice for invoice in finalized if invoice.period < period), key=lambda i: i.period)
        if not earlier:
            return []
        history = {usage.period: usage for usage in self._storage.usage.customer_period_usage(customer.id)}
        adjusted_periods = {
            line.adjusts_period for invoice in finalized for line in invoice.line_items if line.adjusts_period
        }
        lines = []
        for source in earlier:
            usage = history.get(source.period, CustomerPeriodUsage(customer.id, source.period))
            late = events_counted(usage) != source.rated_events  # event counts only grow
            if source.currency != currency or not (late or source.period in adjusted_periods):
                continue  # another currency's ledger, or nothing billed for the period since it was rated
            bounds = (source.period_start, source.period_end)
            rated = self._rated(customer, usage, self.plan(source.plan_id), source.unit_price, bounds)
            rerated = sum((line.amount for line in rated), ZERO)
            adjusted = sum((invoice.adjusted_amount(source.period) for invoice in finalized), ZERO)
            delta = rerated - source.rated_amount - adjusted
            if delta != ZERO:
                lines.append(_adjustment_line(source, rerated, adjusted, delta))
        return lines

    def _credit(self, customer_id: str, currency: str, subtotal: Decimal, balance: Decimal | None) -> LineItem | None:
        if subtotal <= ZERO:
            return None
        if balance is None:
            balance = self._storage.credits.balance(customer_id, currency)
        applied = min(balance, subtotal)
        if applied <= ZERO:
            return None
        return LineItem(LineType.CREDIT, -applied, "Prepaid credit")


def _adjustment_line(source: Invoice, rerated: Decimal, adjusted: Decimal, delta: Decimal) -> LineItem:
    money = source.currency
    return LineItem(
        type=LineType.ADJUSTMENT,
        amount=delta,
        description=(
            f"Late usage for {source.period}: re-rated at {format_money(rerated, money)} {money}, "
            f"invoice {source.id} billed {format_money(source.rated_amount, money)}"
            + (f", earlier adjustments {format_money(adjusted, money)}" if adjusted else "")
        ),
        breakdown=(
            {
                "period": source.period,
                "invoice_id": source.id,
                "rerated": format_money(rerated, money),
                "billed": format_money(source.rated_amount, money),
                "previously_adjusted": format_money(adjusted, money),
            },
        ),
        adjusts_period=source.period,
    )


def new_invoice(
    customer: Customer,
    period: BillingPeriod,
    content: InvoiceContent,
    now: datetime,
    *,
    replacing: Invoice | None = None,
) -> Invoice:
    """The customer's invoice for the period as `content` makes it, not stored yet (a new draft, a preview):
    the period's first, or the next issue after the void invoice it is `replacing`."""
    start, end = period.bounds(timezone(customer.timezone))
    return Invoice(
        id=invoice_id_for(customer.id, period.key) if replacing is None else replacing.reissue_id(),
        issue=0 if replacing is None else replacing.issue + 1,
        replaces=None if replacing is None else replacing.id,
        customer_id=customer.id,
        period=period.key,
        period_start=start,
        period_end=end,
        currency=content.currency,
        created_at=now,
        updated_at=now,
        line_items=content.line_items,
        plan_id=content.plan_id,
        unit_price=content.unit_price,
        rated_events=content.rated_events,
    )
