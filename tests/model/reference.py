"""A reference model of the billing rules: docs/pricing.md and the money rules R1–R6 of issue 15.

Small, obvious and slow on purpose. It shares no code with `shared/billing` (it never imports `billing`):
it keeps what a customer and the operator did (plans, customers, raw events, plan changes, credit grants,
billing runs, finalizations, voids, reissues) and computes every invoice from scratch from them, with its own
arithmetic. The state machine in test_money_machine.py drives the real API and this model side by side and
compares them after every step.

What it encodes, in invoice order (docs/pricing.md "From lines to a total"):

- plan_fee: the plan's `amount`, once per period, not prorated.
- usage: one line per feature with events in the period, and one per priced feature without events whose
  price costs something at zero (a first tier's flat fee); features in name order. The quantity is the
  price's aggregation of the period's events (sum, count, max, latest = the greatest ts, unique_count = the
  distinct values of a property); features no plan prices are billed per unit on their sum at the invoice's
  unit price (no unit price: 0, "no price set"). Each line is rounded once, half up, to the currency's
  minor unit.
- minimum: what the plan fee and usage lines fall short of the plan's minimum.
- R1: the plan fee, the minimum and the zero-usage flat fees are owed for a period only when the customer
  was created before it ended or has an event in it.
- adjustment: for each earlier period whose latest invoice is finalized (in the same currency), when its event
  count changed since or another finalized invoice adjusted it: the period re-rated with all its usage (its
  invoice's plan and unit price) minus what that invoice billed minus the adjustments finalized invoices
  billed for it.
- credit: min(balance, subtotal), negative; consumed at finalization, given back at void.
- carry-over: lines summing below zero (an adjustment giving back more than the invoice bills) are owed back:
  finalization credits the difference to the balance, a void takes it back (refused while that credit is spent).

Invoices: one per (customer, period, issue). A billing run creates issue 0 (or, after a void, the next issue)
when it is worth an invoice (events in the period, an adjustment, or plan charges owed), recomputes a draft
with the run's unit price or, without one, the draft's own (R2); finalized and void invoices never change.
Reissue (R3) makes the next issue of a void invoice at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

D = Decimal
ZERO = D(0)
HUNDRED = D(100)

# ISO 4217 minor units of the currencies the model is used with. Anything else is refused: the model never
# guesses how an amount is rounded.
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}

# Exact arithmetic: quantities < 10^15 with 9 places times prices < 10^29 with 12 places fit in 80 digits.
_EXACT = Context(prec=200, rounding=ROUND_HALF_UP)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor unit: 0.125 USD → 0.13, 1.5 JPY → 2, 0.0005 KWD → 0.001."""
    if currency not in MINOR_UNITS:
        raise KeyError(f"the reference model does not know the minor unit of {currency}")
    return amount.quantize(D(1).scaleb(-MINOR_UNITS[currency]), rounding=ROUND_HALF_UP, context=_EXACT)


# --- periods -------------------------------------------------------------------------------------------


def local_midnight_of_first(period: str, zone: str) -> datetime:
    year, month = (int(part) for part in period.split("-"))
    return datetime(year, month, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def next_period(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def period_bounds(period: str, zone: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in the zone, as UTC instants."""
    return local_midnight_of_first(period, zone), local_midnight_of_first(next_period(period), zone)


def period_of(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m")


# --- plans and prices ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None
    price: Decimal  # unit_amount, or rate (percent) for graduated_percentage
    flat: Decimal


@dataclass(frozen=True)
class Price:
    feature: str
    model: str
    aggregation: str
    counted: str | None  # the property unique_count counts
    spec: Mapping[str, Any]  # the JSON sent to POST /v1/plans

    @property
    def tiers(self) -> list[Tier]:
        key = "rate" if self.model == "graduated_percentage" else "unit_amount"
        return [
            Tier(
                None if tier["up_to"] is None else D(str(tier["up_to"])),
                D(str(tier[key])),
                D(str(tier.get("flat_amount") or 0)),
            )
            for tier in self.spec["tiers"]
        ]

    def number(self, key: str) -> Decimal | None:
        raw = self.spec.get(key)
        return None if raw is None else D(str(raw))

    def first_tier_flat(self) -> Decimal:
        if self.model in ("graduated", "volume", "graduated_percentage"):
            return self.tiers[0].flat
        return ZERO


def price_of(spec: Mapping[str, Any]) -> Price:
    return Price(
        feature=spec["feature"],
        model=spec["model"],
        aggregation=spec.get("aggregation") or "sum",
        counted=spec.get("property"),
        spec=spec,
    )


@dataclass(frozen=True)
class Plan:
    id: str
    currency: str
    amount: Decimal
    minimum: Decimal
    prices: Mapping[str, Price]
    net_days: int | None = None

    @classmethod
    def of(cls, plan_id: str, spec: Mapping[str, Any]) -> Plan:
        prices = [price_of(price) for price in spec.get("prices", ())]
        return cls(
            id=plan_id,
            currency=spec.get("currency", "USD"),
            amount=D(str(spec.get("amount") or 0)),
            minimum=D(str(spec.get("minimum_amount") or 0)),
            prices={price.feature: price for price in prices},
            net_days=spec.get("net_days"),
        )


# --- rating --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    id: str
    feature: str
    quantity: Decimal
    ts: datetime  # UTC
    properties: Mapping[str, str]
    arrival: int  # order of arrival at the API (ties of `latest` go to the last to arrive)


def aggregate(price: Price, events: Sequence[Event]) -> Decimal:
    """The period's quantity of a priced feature."""
    match price.aggregation:
        case "sum":
            return sum((event.quantity for event in events), ZERO)
        case "count":
            return D(len(events))
        case "max":
            return max(event.quantity for event in events)
        case "latest":
            return max(events, key=lambda event: (event.ts, event.arrival)).quantity
        case "unique_count":
            assert price.counted is not None
            return D(len({event.properties[price.counted] for event in events if price.counted in event.properties}))
    raise ValueError(f"unknown aggregation {price.aggregation}")


def event_values(price: Price, events: Sequence[Event]) -> list[Decimal]:
    """Each event's value in event time (ts, then id): its quantity, or 1 when the price counts events."""
    ordered = sorted(events, key=lambda event: (event.ts, event.id))
    return [D(1) if price.aggregation == "count" else event.quantity for event in ordered]


def tiered(tiers: Sequence[Tier], quantity: Decimal, *, percent: bool) -> Decimal:
    """Graduated: each slice at its tier's price, a tier's flat amount once when any unit falls in it; the
    first tier's flat amount is owed at zero too."""
    if quantity == ZERO:
        return tiers[0].flat
    total, lower = ZERO, ZERO
    for tier in tiers:
        if quantity <= lower:
            break
        upper = quantity if tier.up_to is None else min(quantity, tier.up_to)
        price = tier.price / HUNDRED if percent else tier.price
        total += (upper - lower) * price + tier.flat
        if tier.up_to is None:
            break
        lower = tier.up_to
    return total


def volume(tiers: Sequence[Tier], quantity: Decimal) -> Decimal:
    if quantity == ZERO:
        return tiers[0].flat
    for tier in tiers:
        if tier.up_to is None or quantity <= tier.up_to:
            return quantity * tier.price + tier.flat
    raise AssertionError("the last tier is open-ended")


def package(price: Price, quantity: Decimal) -> Decimal:
    size, amount = D(str(price.spec["package_size"])), D(str(price.spec["package_amount"]))
    paid = max(quantity - (price.number("free_units") or ZERO), ZERO)
    whole, remainder = divmod(paid, size)
    return (whole + (1 if remainder else 0)) * amount


def percentage(price: Price, quantity: Decimal, values: Sequence[Decimal]) -> Decimal:
    """Lago's percentage charge (docs/pricing.md "Percentage")."""
    rate = price.number("rate") or ZERO
    fixed = price.number("fixed_amount")
    free_events = int(price.spec.get("free_units_per_events") or 0)
    free_total = price.number("free_units_per_total_aggregation") or ZERO
    low, high = price.number("per_transaction_min_amount"), price.number("per_transaction_max_amount")
    if low is not None or high is not None:
        return per_transaction(values, rate, fixed or ZERO, free_events, free_total, low, high)
    if free_events:
        free_value = sum(values[:free_events], ZERO)
        if free_total:
            free_value = min(free_value, free_total)
    elif free_total:
        free_value = min(quantity, free_total)
    else:
        free_value = ZERO
    amount = ZERO if free_value > quantity else (quantity - free_value) * rate / HUNDRED
    if fixed:
        free_counts = [free_events]
        if free_total:
            running, below = ZERO, 0
            for value in values:
                running += value
                if running >= free_total:
                    break
                below += 1
            free_counts.append(below)
        free = min((count for count in free_counts if count), default=0)
        paid_events = 0 if quantity == ZERO else max(len(values) - free, 0)
        amount += paid_events * fixed
    return amount


def per_transaction(
    values: Sequence[Decimal],
    rate: Decimal,
    fixed: Decimal,
    free_events: int,
    free_total: Decimal,
    low: Decimal | None,
    high: Decimal | None,
) -> Decimal:
    """Each event priced on its own, held within [low, high]; free units consumed in time order. With a free
    total, it alone decides (as in Lago's per-transaction path: the free event count is then not used);
    the event that exhausts it pays on its value above it."""
    total = ZERO
    for raw in values:
        value = raw
        if free_total > ZERO:
            if value < free_total:
                free_total -= value
                continue
            value -= free_total
            free_total = ZERO
            free_events = 0
        elif free_events > 0:
            free_events -= 1
            continue
        fee = value * rate / HUNDRED + fixed
        if low is not None and fee < low:
            fee = low
        elif high is not None and fee > high:
            fee = high
        total += fee
    return total


def price_amount(price: Price, events: Sequence[Event]) -> tuple[Decimal, Decimal]:
    """(quantity, unrounded amount) of a priced feature's events in a period (none: quantity 0)."""
    with localcontext(_EXACT):
        quantity = aggregate(price, events) if events else ZERO
        match price.model:
            case "per_unit":
                amount = quantity * D(str(price.spec["unit_amount"]))
            case "graduated":
                amount = tiered(price.tiers, quantity, percent=False)
            case "graduated_percentage":
                amount = tiered(price.tiers, quantity, percent=True)
            case "volume":
                amount = volume(price.tiers, quantity)
            case "package":
                amount = package(price, quantity)
            case "percentage":
                amount = percentage(price, quantity, event_values(price, events))
            case _:
                raise ValueError(f"unknown model {price.model}")
        return quantity, amount


# --- invoices ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    type: str  # plan_fee, usage, minimum, adjustment, credit
    amount: Decimal
    feature: str | None = None
    quantity: Decimal | None = None
    adjusts_period: str | None = None

    def key(self) -> tuple[Any, ...]:
        return (self.type, self.feature, self.quantity, self.amount, self.adjusts_period)


RATED = frozenset({"plan_fee", "usage", "minimum"})


@dataclass(frozen=True)
class Content:
    currency: str
    lines: tuple[Line, ...]
    plan_id: str | None
    unit_price: Decimal | None
    rated_events: int

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.type != "credit"), ZERO)

    @property
    def credits_applied(self) -> Decimal:
        return -sum((line.amount for line in self.lines if line.type == "credit"), ZERO)

    @property
    def total(self) -> Decimal:
        return max(sum((line.amount for line in self.lines), ZERO), ZERO)

    @property
    def carried_over(self) -> Decimal:
        """What the lines sum to below zero: owed back, carried to the credit balance at finalization."""
        return max(-sum((line.amount for line in self.lines), ZERO), ZERO)

    @property
    def rated_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.type in RATED), ZERO)

    def adjusted(self, period: str) -> Decimal:
        return sum(
            (line.amount for line in self.lines if line.type == "adjustment" and line.adjusts_period == period), ZERO
        )


@dataclass
class Invoice:
    customer_id: str
    period: str
    issue: int
    content: Content
    status: str = "draft"
    replaces: tuple[str, str, int] | None = None  # (customer, period, issue) of the void invoice it replaces
    finalized_at: datetime | None = None
    finalization: int | None = None  # order of finalization in this model (R4: numbers follow it)
    server_id: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.customer_id, self.period, self.issue)


@dataclass
class Customer:
    id: str
    timezone: str
    created_at: datetime
    plan_id: str | None
    currency: str
    events: dict[str, Event] = field(default_factory=dict)


@dataclass(frozen=True)
class CreditEntry:
    kind: str  # grant, consumption, restoration, carryover, carryover_reversal
    amount: Decimal  # signed
    currency: str
    invoice: tuple[str, str, int] | None = None


class Refused(Exception):
    """The model says the API must refuse the request (status, reason)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status}: {reason}")
        self.status = status


class Model:
    """Every customer's money, from what happened to them."""

    def __init__(self, *, reissue_keeps_unit_price: bool = True) -> None:
        self.plans: dict[str, Plan] = {}
        self.customers: dict[str, Customer] = {}
        self.invoices: dict[tuple[str, str, int], Invoice] = {}
        self.credits: dict[str, list[CreditEntry]] = {}
        self._arrivals = 0
        self._finalizations = 0
        # SPEC R3 does not say which unit price a draft made by POST /reissue has; the model assumes the void
        # invoice's (the corrected invoice of the same period), and says so in its report.
        self.reissue_keeps_unit_price = reissue_keeps_unit_price

    # -- what happened ----------------------------------------------------------------------------------

    def add_plan(self, plan_id: str, spec: Mapping[str, Any]) -> Plan:
        plan = self.plans[plan_id] = Plan.of(plan_id, spec)
        return plan

    def add_customer(self, customer_id: str, zone: str, created_at: datetime, plan_id: str | None) -> Customer:
        currency = self.plans[plan_id].currency if plan_id else "USD"
        customer = self.customers[customer_id] = Customer(customer_id, zone, created_at, plan_id, currency)
        self.credits[customer_id] = []
        return customer

    def ingest(
        self, customer_id: str, events: Iterable[tuple[str, str, Decimal, datetime, Mapping[str, str]]]
    ) -> list[bool]:
        """Store a batch; per event True when accepted, False when its id was stored before (or repeats one
        earlier in the batch): a duplicate is never counted again, whatever it says."""
        customer = self.customers[customer_id]
        accepted = []
        for event_id, feature, quantity, ts, properties in events:
            if event_id in customer.events:
                accepted.append(False)
                continue
            self._arrivals += 1
            customer.events[event_id] = Event(
                event_id, feature, quantity, ts.astimezone(UTC), dict(properties), self._arrivals
            )
            accepted.append(True)
        return accepted

    def set_plan(self, customer_id: str, plan_id: str) -> None:
        customer = self.customers[customer_id]
        plan = self.plans[plan_id]
        if customer.plan_id == plan_id:
            return
        if plan.currency != customer.currency and self.has_money_history(customer_id):
            raise Refused(409, f"billed in {customer.currency}, the plan is in {plan.currency}")
        customer.plan_id, customer.currency = plan_id, plan.currency

    def has_money_history(self, customer_id: str) -> bool:
        finalized_or_void = any(
            invoice.status != "draft" for invoice in self.invoices.values() if invoice.customer_id == customer_id
        )
        return finalized_or_void or bool(self.credits[customer_id])

    def grant(self, customer_id: str, amount: Decimal) -> None:
        customer = self.customers[customer_id]
        self.credits[customer_id].append(CreditEntry("grant", amount, customer.currency))

    def run(
        self, period: str, unit_price: Decimal | None, customer_ids: Iterable[str] | None = None
    ) -> dict[str, Invoice | None]:
        """A billing run of the period: each customer's invoice after it (None: none for the period)."""
        outcome = {}
        for customer_id in customer_ids if customer_ids is not None else list(self.customers):
            outcome[customer_id] = self._bill(customer_id, period, unit_price)
        return outcome

    def _bill(self, customer_id: str, period: str, unit_price: Decimal | None) -> Invoice | None:
        latest = self.latest(customer_id, period)
        if latest is not None and latest.status == "finalized":
            return latest
        if latest is not None and latest.status == "draft":
            price = unit_price if unit_price is not None else latest.content.unit_price
            latest.content = self.compose(customer_id, period, price)
            return latest
        content = self.compose(customer_id, period, unit_price)
        if not self.worth_an_invoice(customer_id, period, content):
            return latest
        issue = 0 if latest is None else latest.issue + 1
        invoice = Invoice(customer_id, period, issue, content, replaces=None if latest is None else latest.key)
        self.invoices[invoice.key] = invoice
        return invoice

    def worth_an_invoice(self, customer_id: str, period: str, content: Content) -> bool:
        """Events in the period, an adjustment, or plan charges owed (R1 already left them out when not owed)."""
        if self.period_events(customer_id, period):
            return True
        return any(line.type in RATED or line.type == "adjustment" for line in content.lines)

    def finalize(self, key: tuple[str, str, int], at: datetime) -> Invoice:
        invoice = self.invoices[key]
        if invoice.status == "void":
            raise Refused(409, "a void invoice cannot be finalized")
        if invoice.status == "finalized":
            return invoice
        invoice.content = self.compose(invoice.customer_id, invoice.period, invoice.content.unit_price)
        invoice.status, invoice.finalized_at = "finalized", at
        self._finalizations += 1
        invoice.finalization = self._finalizations
        applied, carried = invoice.content.credits_applied, invoice.content.carried_over
        if applied > ZERO:
            self.credits[invoice.customer_id].append(
                CreditEntry("consumption", -applied, invoice.content.currency, key)
            )
        elif carried > ZERO:
            self.credits[invoice.customer_id].append(CreditEntry("carryover", carried, invoice.content.currency, key))
        return invoice

    def void(self, key: tuple[str, str, int]) -> Invoice:
        invoice = self.invoices[key]
        if invoice.status == "draft":
            raise Refused(409, "a draft cannot be voided")
        if invoice.status == "void":
            return invoice
        applied, carried, currency = (
            invoice.content.credits_applied,
            invoice.content.carried_over,
            invoice.content.currency,
        )
        if carried > self.balance(invoice.customer_id, currency):
            raise Refused(409, f"the {carried} {currency} it carried over to the balance is spent")
        invoice.status = "void"
        if applied > ZERO:
            self.credits[invoice.customer_id].append(CreditEntry("restoration", applied, currency, key))
        elif carried > ZERO:
            self.credits[invoice.customer_id].append(CreditEntry("carryover_reversal", -carried, currency, key))
        return invoice

    def reissue(self, key: tuple[str, str, int]) -> Invoice:
        """POST /v1/invoices/{id}/reissue on a void invoice: its replacement (made now, even without lines)."""
        invoice = self.invoices[key]
        if invoice.status != "void":
            raise Refused(409, f"only a void invoice is reissued, this one is {invoice.status}")
        customer_id, period, issue = key
        existing = self.invoices.get((customer_id, period, issue + 1))
        if existing is not None:
            return existing
        price = invoice.content.unit_price if self.reissue_keeps_unit_price else None
        replacement = Invoice(customer_id, period, issue + 1, self.compose(customer_id, period, price), replaces=key)
        self.invoices[replacement.key] = replacement
        return replacement

    # -- what it costs ----------------------------------------------------------------------------------

    def issues(self, customer_id: str, period: str) -> list[Invoice]:
        found = [invoice for invoice in self.invoices.values() if invoice.key[:2] == (customer_id, period)]
        return sorted(found, key=lambda invoice: invoice.issue)

    def latest(self, customer_id: str, period: str) -> Invoice | None:
        issues = self.issues(customer_id, period)
        return issues[-1] if issues else None

    def period_events(self, customer_id: str, period: str) -> list[Event]:
        customer = self.customers[customer_id]
        return [event for event in customer.events.values() if period_of(event.ts, customer.timezone) == period]

    def balance(self, customer_id: str, currency: str) -> Decimal:
        return sum((entry.amount for entry in self.credits[customer_id] if entry.currency == currency), ZERO)

    def invoice_currency(self, customer_id: str, plan: Plan | None) -> str:
        return plan.currency if plan is not None else self.customers[customer_id].currency

    def rate(self, customer_id: str, period: str, plan: Plan | None, unit_price: Decimal | None) -> tuple[Line, ...]:
        """Plan fee, usage and minimum lines: what the period itself costs under `plan`."""
        customer = self.customers[customer_id]
        currency = self.invoice_currency(customer_id, plan)
        events = self.period_events(customer_id, period)
        owes_plan_charges = customer.created_at < period_bounds(period, customer.timezone)[1] or bool(events)  # R1
        lines: list[Line] = []
        if plan is not None and plan.amount != ZERO and owes_plan_charges:
            lines.append(Line("plan_fee", round_money(plan.amount, currency)))
        prices = plan.prices if plan is not None else {}
        for feature in sorted({event.feature for event in events} | set(prices)):
            of_feature = [event for event in events if event.feature == feature]
            price = prices.get(feature)
            if price is None:
                quantity = sum((event.quantity for event in of_feature), ZERO)
                amount = ZERO if unit_price is None else round_money(quantity * unit_price, currency)
                lines.append(Line("usage", amount, feature, quantity))
            elif of_feature or (owes_plan_charges and price.first_tier_flat() != ZERO):
                quantity, amount = price_amount(price, of_feature)
                lines.append(Line("usage", round_money(amount, currency), feature, quantity))
        if plan is not None and owes_plan_charges:
            shortfall = plan.minimum - sum((line.amount for line in lines), ZERO)
            if shortfall > ZERO:
                lines.append(Line("minimum", shortfall))
        return tuple(lines)

    def unpriced(self, customer_id: str, period: str, plan_id: str | None, unit_price: Decimal | None) -> list[str]:
        """Features of the period's usage billed without a price (R2's report)."""
        if unit_price is not None:
            return []
        prices = self.plans[plan_id].prices if plan_id else {}
        return sorted({event.feature for event in self.period_events(customer_id, period)} - set(prices))

    def adjustments(self, customer_id: str, period: str, currency: str) -> list[Line]:
        finalized = [
            invoice
            for invoice in self.invoices.values()
            if invoice.customer_id == customer_id and invoice.status == "finalized"
        ]
        lines = []
        for source_period in sorted({invoice.period for invoice in finalized if invoice.period < period}):
            source = self.latest(customer_id, source_period)
            assert source is not None
            if source.status != "finalized" or source.content.currency != currency:
                continue
            count_changed = len(self.period_events(customer_id, source_period)) != source.content.rated_events
            adjusted_before = any(
                line.type == "adjustment" and line.adjusts_period == source_period
                for invoice in finalized
                for line in invoice.content.lines
            )
            if not count_changed and not adjusted_before:
                continue
            plan = self.plans.get(source.content.plan_id) if source.content.plan_id else None
            rerated = sum(
                (line.amount for line in self.rate(customer_id, source_period, plan, source.content.unit_price)), ZERO
            )
            adjusted = sum((invoice.content.adjusted(source_period) for invoice in finalized), ZERO)
            delta = rerated - source.content.rated_amount - adjusted
            if delta != ZERO:
                lines.append(Line("adjustment", delta, adjusts_period=source_period))
        return lines

    def compose(self, customer_id: str, period: str, unit_price: Decimal | None) -> Content:
        """The customer's invoice for the period as a run (or finalization) would write it now."""
        customer = self.customers[customer_id]
        plan = self.plans[customer.plan_id] if customer.plan_id else None
        currency = self.invoice_currency(customer_id, plan)
        lines = list(self.rate(customer_id, period, plan, unit_price))
        lines += self.adjustments(customer_id, period, currency)
        subtotal = sum((line.amount for line in lines), ZERO)
        if subtotal > ZERO:
            applied = min(self.balance(customer_id, currency), subtotal)
            if applied > ZERO:
                lines.append(Line("credit", -applied))
        return Content(
            currency=currency,
            lines=tuple(lines),
            plan_id=customer.plan_id,
            unit_price=unit_price,
            rated_events=len(self.period_events(customer_id, period)),
        )

    def upcoming(self, customer_id: str, period: str) -> Content:
        """GET /v1/customers/{id}/upcoming-invoice for the period holding now: a run's draft, written nowhere,
        at the unit price of the period's latest invoice (none: no price)."""
        latest = self.latest(customer_id, period)
        return self.compose(customer_id, period, None if latest is None else latest.content.unit_price)

    def estimate(self, customer_id: str, period: str, plan_id: str | None) -> Content:
        """The period rated under a plan (POST /v1/customers/{id}/estimate): fee, usage, minimum only."""
        latest = self.latest(customer_id, period)
        unit_price = None if latest is None else latest.content.unit_price
        plan = self.plans[plan_id] if plan_id else None
        return Content(
            currency=self.invoice_currency(customer_id, plan),
            lines=self.rate(customer_id, period, plan, unit_price),
            plan_id=plan_id,
            unit_price=unit_price,
            rated_events=len(self.period_events(customer_id, period)),
        )

    def billed_usage(self, customer_id: str, period: str) -> dict[str, tuple[Decimal, str, str | None]]:
        """R5: each feature of the period's usage as the customer's plan aggregates it (sum when not priced):
        feature → (quantity, aggregation, counted property)."""
        customer = self.customers[customer_id]
        prices = self.plans[customer.plan_id].prices if customer.plan_id else {}
        events = self.period_events(customer_id, period)
        usage: dict[str, tuple[Decimal, str, str | None]] = {}
        for feature in sorted({event.feature for event in events}):
            of_feature = [event for event in events if event.feature == feature]
            price = prices.get(feature)
            if price is None:
                usage[feature] = (sum((event.quantity for event in of_feature), ZERO), "sum", None)
            else:
                usage[feature] = (aggregate(price, of_feature), price.aggregation, price.counted)
        return usage

    def pending_adjustment(self, customer_id: str, source_period: str) -> Decimal:
        """What the next draft of a later period would adjust for a finalized period, right now."""
        source = self.latest(customer_id, source_period)
        assert source is not None and source.status == "finalized"
        lines = self.adjustments(customer_id, next_period(source_period), source.content.currency)
        return sum((line.amount for line in lines if line.adjusts_period == source_period), ZERO)

    def rerated(self, customer_id: str, period: str) -> Decimal:
        """The period re-rated with all its usage, with its latest invoice's plan and unit price."""
        source = self.latest(customer_id, period)
        assert source is not None
        plan = self.plans.get(source.content.plan_id) if source.content.plan_id else None
        return sum((line.amount for line in self.rate(customer_id, period, plan, source.content.unit_price)), ZERO)


def due_date(issue_date: str, net_days: int) -> str:
    return (datetime.fromisoformat(issue_date) + timedelta(days=net_days)).date().isoformat()
