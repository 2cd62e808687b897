"""Request and response bodies of the /v1 API (pydantic at the boundary; domain objects inside).

Quantities and money leave as decimal strings: JSON numbers are floats in most clients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from billing.domain.exact import (
    EARLIEST,
    LATEST,
    MAX_GRACE_PERIOD_DAYS,
    MAX_MONEY,
    MAX_NET_DAYS,
    MAX_PRICE_NUMBER,
    MAX_QUANTITY,
    PRICE_PLACES,
    QUANTITY_PLACES,
    at_most_places,
)
from billing.domain.money import format_money
from billing.domain.time import iso_utc

if TYPE_CHECKING:  # only in the `of` constructors' signatures: a function imports the services it uses itself
    from billing.domain.credits import CreditEntry
    from billing.domain.customers import Customer
    from billing.domain.invoices import Invoice, Issuer, LineItem
    from billing.domain.paging import Page
    from billing.domain.usage import FeatureUsage, UsagePoint
    from billing.pricing import Plan
    from billing.services.billing import FinalizeRun
    from billing.services.credits import CreditGrant, CreditLedger
    from billing.services.ingest import IngestResult
    from billing.services.previews import Estimate, InvoicePreview
    from billing.services.runs import BillingRun, BillingRunStatus, UnpricedUsage
    from billing.services.usage import BilledUsage, BilledUsagePoint

MAX_EVENTS_PER_BATCH = 1000
MAX_PRICES_PER_PLAN = 100
MAX_PROPERTIES = 50
MAX_PROPERTY_KEY = 128
MAX_PROPERTY_VALUE = 1024


def _iso_instant(value: Any) -> datetime:
    """ISO 8601 text with a timezone, nothing else (no epoch numbers, no naive times)."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 string with a timezone, e.g. 2025-09-01T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("must include a timezone (Z or an offset such as +02:00)")
    # Compared before any conversion: 9999-12-31T23:00:00-14:00 has no UTC form in Python.
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError(f"must be from {EARLIEST:%Y-%m-%dT%H:%MZ} to {LATEST:%Y-%m-%dT%H:%MZ}")
    return parsed


def _event_time(value: Any) -> datetime:
    """An instant as _iso_instant takes it, before LATEST (one call per event: this runs 1,000 times a batch)."""
    parsed = _iso_instant(value)
    if parsed >= LATEST:
        raise ValueError(f"must be before {LATEST:%Y-%m-%dT%H:%MZ}")
    return parsed


def _canonical(places: int) -> AfterValidator:
    """Drop trailing zeros beyond the allowed places (1.5000000000000 -> 1.500000000): sums never carry
    more fractional digits than the bounds allow."""
    return AfterValidator(partial(at_most_places, places=places))


def _scalar_properties(value: Any) -> Any:
    """Event properties are flat: strings, numbers or booleans, kept as strings."""
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_PROPERTIES:
        raise ValueError(f"at most {MAX_PROPERTIES} properties, got {len(value)}")
    cleaned = {}
    for key, item in value.items():
        if not 1 <= len(key) <= MAX_PROPERTY_KEY:
            raise ValueError(f"property names have 1 to {MAX_PROPERTY_KEY} characters, got {key[:40]!r}...")
        if isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, str):
            text = item
        elif isinstance(item, int | Decimal):
            text = str(item)
        else:
            raise ValueError(f"property {key[:40]!r} must be a string, number or boolean")
        if len(text) > MAX_PROPERTY_VALUE:
            raise ValueError(f"property {key[:40]!r} has more than {MAX_PROPERTY_VALUE} characters")
        cleaned[key] = text
    return cleaned


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


IsoInstant = Annotated[datetime, BeforeValidator(_iso_instant)]
EventTime = Annotated[datetime, BeforeValidator(_event_time)]
Quantity = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_QUANTITY, decimal_places=QUANTITY_PLACES, allow_inf_nan=False),
    _canonical(QUANTITY_PLACES),
]
UnitPrice = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_PRICE_NUMBER, decimal_places=PRICE_PLACES, allow_inf_nan=False),
    _canonical(PRICE_PLACES),
]
FeatureName = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_not_blank)]
ResourceId = Annotated[str, Field(min_length=1, max_length=100)]
Properties = Annotated[dict[str, str], Field(max_length=MAX_PROPERTIES)]
# Credits and minimums; the currency's minor unit is checked by the core (billing.domain.money).
Money = Annotated[Decimal, Field(ge=0, lt=MAX_MONEY, allow_inf_nan=False)]


# Every model here builds its validator and serializer on first use (defer_build), not at import: a function
# builds only the few models its route reads and answers, and its cold start pays for nothing else.
class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


class CreateCustomerRequest(RequestModel):
    name: Text
    email: Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    plan_id: ResourceId | None = None
    external_id: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\s]+$")] | None = None


class AssignPlanRequest(RequestModel):
    plan_id: ResourceId


class CreatePlanRequest(RequestModel):
    """Prices are checked by the pricing factory (billing.pricing), which names the exact field
    of any mistake, e.g. `prices[1].tiers[2].up_to`."""

    name: Text
    currency: Annotated[str, Field(min_length=1, max_length=8)] = "USD"
    amount: Money = Decimal(0)  # the plan fee per period (Lago's plan amount_cents, as a decimal string)
    minimum_amount: Money = Decimal(0)
    grace_period_days: Annotated[int, Field(ge=0, le=MAX_GRACE_PERIOD_DAYS)] = 0
    net_days: Annotated[int, Field(ge=0, le=MAX_NET_DAYS)] | None = None  # None: INVOICE_NET_DAYS applies
    prices: Annotated[list[dict[str, Any]], Field(max_length=MAX_PRICES_PER_PLAN)] = []


class GrantCreditRequest(RequestModel):
    amount: Annotated[Money, Field(gt=0)]
    description: Text | None = None


# The ingest service takes these as they are (billing.services.ingest.EventData): no copy per event.
class EventIn(RequestModel):
    feature: FeatureName
    quantity: Quantity
    ts: EventTime
    id: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    properties: Annotated[Properties | None, BeforeValidator(_scalar_properties)] = None


class EventBatchRequest(RequestModel):
    customer_id: Text
    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        # Powertools formats the route's arguments into a debug message on every request, whatever the
        # log level: the full repr of 1,000 events cost more than validating them.
        yield "customer_id", self.customer_id
        yield "events", f"<{len(self.events)} events>"


def decimal_text(value: Decimal) -> str:
    """A quantity as plain decimal text: 1E+3 -> '1000', 2.50 -> '2.50'."""
    return format(value, "f")


class CustomerOut(ResponseModel):
    id: str
    name: str
    email: str
    timezone: str
    currency: str
    plan_id: str | None
    external_id: str | None = None
    created_at: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            id=customer.id,
            name=customer.name,
            email=customer.email,
            timezone=customer.timezone,
            currency=customer.currency,
            plan_id=customer.plan_id,
            external_id=customer.external_id,
            created_at=iso_utc(customer.created_at),
        )


class EventResultOut(ResponseModel):
    index: int
    id: str
    status: str


class IngestOut(ResponseModel):
    accepted: int
    duplicates: int
    results: list[EventResultOut]

    @classmethod
    def of(cls, result: IngestResult, *, with_customers: bool = False) -> Self:
        # Validated from plain dicts in one call: for a 1,000-event batch that is a third cheaper than
        # building 1,000 EventResultOut models one by one.
        results: list[dict[str, object]] = [
            {"index": o.index, "id": o.id, "status": "duplicate" if o.duplicate else "accepted"}
            for o in result.outcomes
        ]
        if with_customers:
            for item, outcome in zip(results, result.outcomes, strict=True):
                item["customer_id"] = outcome.customer_id
        return cls.model_validate(
            {
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "results": results,
            }
        )

    @staticmethod
    def document_of(result: IngestResult) -> dict[str, Any]:
        """The reply as JSON values, what `IngestOut.of(result)` dumps (the same keys in the same order): built
        directly, because validating our own 1,000 results and serializing them again cost a tenth of a
        batch's ingest (billing.http.routes.json_reply writes it)."""
        status = ("accepted", "duplicate")
        return {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "results": [
                {"index": index, "id": event_id, "status": status[flag]}
                for index, (event_id, flag) in enumerate(zip(result.ids, result.duplicate, strict=True))
            ],
        }


# The usage route writes its items as JSON values (billing.http.routes.json_reply), what these models dump:
# a series holds up to 10,000 points, and building and dumping a model per point cost more than reading them.


class UsageOut(ResponseModel):
    feature: str
    quantity: str

    @staticmethod
    def document_of(usage: FeatureUsage) -> dict[str, str]:
        return {"feature": usage.feature, "quantity": decimal_text(usage.quantity)}


class UsagePointOut(ResponseModel):
    feature: str
    window_start: str
    quantity: str

    @staticmethod
    def document_of(point: UsagePoint) -> dict[str, str]:
        return {
            "feature": point.feature,
            "window_start": point.window_start.isoformat(),
            "quantity": decimal_text(point.quantity),
        }


AggregationName = Literal["sum", "count", "max", "latest", "unique_count"]  # billing.pricing.Aggregation's values


class BilledUsageOut(ResponseModel):
    """A feature's quantity aggregated as the customer's plan bills it (`aggregation=billed`)."""

    feature: str
    quantity: str
    aggregation: AggregationName
    property: str | None = None  # unique_count only: the property whose distinct values are counted

    @staticmethod
    def document_of(usage: BilledUsage) -> dict[str, str]:
        return _billed_document({"feature": usage.feature, "quantity": decimal_text(usage.quantity)}, usage)


class BilledUsagePointOut(ResponseModel):
    """A feature's quantity in one window, aggregated as the customer's plan bills it (`aggregation=billed`)."""

    feature: str
    window_start: str
    quantity: str
    aggregation: AggregationName
    property: str | None = None

    @staticmethod
    def document_of(point: BilledUsagePoint) -> dict[str, str]:
        document = {
            "feature": point.feature,
            "window_start": point.window_start.isoformat(),
            "quantity": decimal_text(point.quantity),
        }
        return _billed_document(document, point)


def _billed_document(document: dict[str, str], usage: BilledUsage | BilledUsagePoint) -> dict[str, str]:
    document["aggregation"] = usage.aggregation.value
    if usage.property is not None:
        document["property"] = usage.property
    return document


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
        money = invoice.currency
        return cls(
            id=invoice.id,
            customer_id=invoice.customer_id,
            period=invoice.period,
            period_start=iso_utc(invoice.period_start),
            period_end=iso_utc(invoice.period_end),
            status=invoice.status.value,
            currency=money,
            subtotal=format_money(invoice.subtotal, money),
            credits_applied=format_money(invoice.credits_applied, money),
            total=format_money(invoice.total, money),
            carried_over=format_money(invoice.carried_over, money),
            line_items=[LineItemOut.of(line, money) for line in invoice.line_items],
            plan_id=invoice.plan_id,
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
        invoice, money = preview.invoice, preview.invoice.currency
        return cls(
            status=preview.kind.value,
            customer_id=invoice.customer_id,
            period=invoice.period,
            period_start=iso_utc(invoice.period_start),
            period_end=iso_utc(invoice.period_end),
            currency=money,
            subtotal=format_money(invoice.subtotal, money),
            credits_applied=format_money(invoice.credits_applied, money),
            total=format_money(invoice.total, money),
            carried_over=format_money(invoice.carried_over, money),
            line_items=[LineItemOut.of(line, money) for line in invoice.line_items],
            plan_id=invoice.plan_id,
            plan_name=preview.plan_name,
            events_counted=invoice.rated_events or 0,
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


class PlanOut(ResponseModel):
    id: str
    name: str
    currency: str
    amount: str
    minimum_amount: str
    grace_period_days: int
    net_days: int | None
    prices: list[dict[str, Any]]
    created_at: str

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            id=plan.id,
            name=plan.name,
            currency=plan.currency,
            amount=format_money(plan.amount, plan.currency),
            minimum_amount=format_money(plan.minimum_amount, plan.currency),
            grace_period_days=plan.grace_period_days,
            net_days=plan.net_days,
            prices=[price.to_spec() for price in plan.prices],
            created_at=iso_utc(plan.created_at),
        )


class CreditEntryOut(ResponseModel):
    id: str
    type: str
    amount: str
    currency: str
    description: str | None
    invoice_id: str | None
    created_at: str

    @classmethod
    def of(cls, entry: CreditEntry) -> CreditEntryOut:
        return cls(
            id=entry.id,
            type=entry.kind.value,
            amount=format_money(entry.amount, entry.currency),
            currency=entry.currency,
            description=entry.description,
            invoice_id=entry.invoice_id,
            created_at=iso_utc(entry.created_at),
        )


class CreditGrantOut(CreditEntryOut):
    balance: str  # the customer's balance after the grant

    @classmethod
    def of_grant(cls, grant: CreditGrant) -> CreditGrantOut:
        entry = CreditEntryOut.of(grant.entry)
        return cls(**entry.model_dump(), balance=format_money(grant.balance, grant.entry.currency))


class CreditsOut(ResponseModel):
    customer_id: str
    currency: str
    balance: str
    entries: list[CreditEntryOut]

    @classmethod
    def of(cls, ledger: CreditLedger) -> CreditsOut:
        return cls(
            customer_id=ledger.customer_id,
            currency=ledger.currency,
            balance=format_money(ledger.balance, ledger.currency),
            entries=[CreditEntryOut.of(entry) for entry in ledger.entries],
        )


class CustomerFailureOut(ResponseModel):
    customer_id: str
    reason: str


class UnpricedUsageOut(ResponseModel):
    """A customer whose draft bills usage without a price: features no plan prices, on a draft with no unit price
    (listed at 0.00 "no price set"). Run billing again with `unit_price`, or give the customer a plan pricing them."""

    customer_id: str
    invoice_id: str
    features: list[str]

    @classmethod
    def of(cls, unpriced: UnpricedUsage) -> UnpricedUsageOut:
        return cls(customer_id=unpriced.customer_id, invoice_id=unpriced.invoice_id, features=list(unpriced.features))


class FinalizeRunOut(ResponseModel):
    invoices_finalized: int
    invoice_ids: list[str]
    conflicts: list[str]
    failures: list[CustomerFailureOut] = []

    @classmethod
    def of(cls, run: FinalizeRun) -> FinalizeRunOut:
        return cls(
            invoices_finalized=run.invoices_finalized,
            invoice_ids=list(run.invoice_ids),
            conflicts=list(run.conflicts),
            failures=[CustomerFailureOut(customer_id=f.customer_id, reason=f.reason) for f in run.failures],
        )


class BillingRunOut(ResponseModel):
    """A started run. With a billing queue the customers are billed after the answer: status "running",
    invoices_generated 0, invoice_ids and failures empty; GET /v1/billing-runs/{billing_run_id} follows it."""

    period: str
    invoices_generated: int
    invoice_ids: list[str]
    billing_run_id: str | None = None
    failures: list[CustomerFailureOut] = []  # customers that could not be billed; everyone else was
    status: Literal["running", "done"] = "done"
    customers_queued: int | None = None
    unpriced_usage: list[UnpricedUsageOut] = []  # billed customers with usage no price rated (empty while running)

    @classmethod
    def of(cls, run: BillingRun) -> BillingRunOut:
        return cls(
            period=run.period,
            invoices_generated=run.invoices_generated,
            invoice_ids=list(run.invoice_ids),
            billing_run_id=run.run_id,
            failures=[CustomerFailureOut(customer_id=f.customer_id, reason=f.reason) for f in run.failures],
            status="done" if run.done else "running",
            customers_queued=run.customers_queued,
            unpriced_usage=[UnpricedUsageOut.of(u) for u in run.unpriced],
        )


class BillingRunStatusOut(ResponseModel):
    """GET /v1/billing-runs/{id}: the run's counts, a page of its failed customers (next_cursor pages on, as
    `cursor`) and a page of its customers billed with unpriced usage (unpriced_usage_next_cursor pages on, as
    `unpriced_cursor`)."""

    id: str
    period: str
    status: Literal["running", "done"]
    customers_queued: int
    customers_billed: int
    customers_failed: int
    failures: list[CustomerFailureOut]
    next_cursor: str | None = None
    customers_with_unpriced_usage: int = 0
    unpriced_usage: list[UnpricedUsageOut] = []
    unpriced_usage_next_cursor: str | None = None

    @classmethod
    def of(cls, report: BillingRunStatus) -> BillingRunStatusOut:
        run = report.run
        return cls(
            id=run.id,
            period=run.period,
            status="done" if run.is_done else "running",
            customers_queued=run.customers_queued,
            customers_billed=run.customers_billed,
            customers_failed=run.customers_failed,
            failures=[CustomerFailureOut(customer_id=f.customer_id, reason=f.reason) for f in report.failures],
            next_cursor=report.failures_cursor,
            customers_with_unpriced_usage=run.customers_with_unpriced_usage,
            unpriced_usage=[UnpricedUsageOut.of(u) for u in report.unpriced],
            unpriced_usage_next_cursor=report.unpriced_cursor,
        )


class PageOut(ResponseModel):
    """A page of a listing: `data`, and `next_cursor` to pass back as `cursor` (null on the last page).
    Each listing's page names its item model and how one is made from a domain object."""

    data: list[Any]
    next_cursor: str | None

    item_out: ClassVar[Callable[[Any], BaseModel]]

    @classmethod
    def of(cls, page: Page[Any]) -> Self:
        return cls(data=[cls.item_out(item) for item in page.items], next_cursor=page.cursor)


class CustomerPageOut(PageOut):
    data: list[CustomerOut]
    item_out: ClassVar[Callable[[Customer], CustomerOut]] = CustomerOut.of


class PlanPageOut(PageOut):
    data: list[PlanOut]
    item_out: ClassVar[Callable[[Plan], PlanOut]] = PlanOut.of


class InvoicePageOut(PageOut):
    data: list[InvoiceOut]
    item_out: ClassVar[Callable[[Invoice], InvoiceOut]] = InvoiceOut.of


class HealthOut(ResponseModel):
    status: str
