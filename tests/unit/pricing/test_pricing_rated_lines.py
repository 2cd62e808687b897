"""Usage lines reused across customers: the same line as rating anew, never another price's or quantity's."""

from datetime import UTC, datetime
from decimal import Decimal

from billing.domain.customers import Customer
from billing.domain.usage import CustomerPeriodUsage, UsageAggregate
from billing.pricing import Plan, price_from_spec
from billing.services.invoice_lines import RatedLines, usage_lines

from tests.sample_plans import API_CALLS_GRADUATED as API_CALLS

D = Decimal
CUSTOMER = Customer("c1", "C", "c@x.example", "UTC", datetime(2025, 1, 1, tzinfo=UTC))


def plan(*specs: dict) -> Plan:
    return Plan("plan_1", "P", "USD", tuple(price_from_spec(spec) for spec in specs), CUSTOMER.created_at)


def usage(quantity: str, feature: str = "api_calls", count: int = 3) -> CustomerPeriodUsage:
    aggregate = UsageAggregate(D(quantity), count, D(quantity), 1, D(quantity))
    return CustomerPeriodUsage("c1", "2025-09", {feature: aggregate})


def test_a_reused_line_is_the_line_rated_anew_for_that_price_and_quantity() -> None:
    rated, graduated = RatedLines(), plan(API_CALLS)
    first = usage_lines(CUSTOMER, usage("12500"), None, plan=graduated, rated=rated)
    again = usage_lines(CUSTOMER, usage("12500", count=7), None, plan=graduated, rated=rated)

    assert again == first == usage_lines(CUSTOMER, usage("12500"), None, plan=graduated)
    assert again[0] is first[0]
    other = usage_lines(CUSTOMER, usage("12500.0"), None, plan=graduated, rated=rated)  # same value, its own text
    assert other[0].quantity.as_tuple() == D("12500.0").as_tuple()
    assert usage_lines(CUSTOMER, usage("250"), None, plan=graduated, rated=rated)[0].description.endswith("250 free")


def test_another_price_or_currency_is_rated_anew() -> None:
    rated = RatedLines()
    dear = plan(dict(API_CALLS, tiers=[{"up_to": None, "unit_amount": "1"}]))
    assert usage_lines(CUSTOMER, usage("10"), None, plan=plan(API_CALLS), rated=rated)[0].amount == 0  # 10 free
    assert usage_lines(CUSTOMER, usage("10"), None, plan=dear, rated=rated)[0].amount == D("10.00")
    assert usage_lines(CUSTOMER, usage("10.4"), None, plan=dear, rated=rated)[0].amount == D("10.40")
    in_yen = Plan("plan_2", "P", "JPY", dear.prices, CUSTOMER.created_at)  # the very same price objects
    assert usage_lines(CUSTOMER, usage("10.4"), None, plan=in_yen, rated=rated)[0].amount == D(10)


def test_models_that_price_events_are_never_reused() -> None:
    rated = RatedLines()
    spec = {"feature": "api_calls", "model": "percentage", "rate": "1", "fixed_amount": "0.5"}
    percentage = plan(spec)
    assert usage_lines(CUSTOMER, usage("100", count=1), None, plan=percentage, rated=rated)[0].amount == D("1.50")
    assert usage_lines(CUSTOMER, usage("100", count=3), None, plan=percentage, rated=rated)[0].amount == D("2.50")


def test_at_most_limit_lines_are_kept() -> None:
    rated, graduated = RatedLines(limit=2), plan(API_CALLS)
    lines = [usage_lines(CUSTOMER, usage(q), None, plan=graduated, rated=rated)[0] for q in ("1", "2", "3", "1")]
    assert len(rated._lines) == 2
    assert lines[3] == lines[0] and lines[3] is not lines[0]
