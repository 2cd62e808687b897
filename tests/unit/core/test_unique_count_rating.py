"""How the composer rates a unique_count: the stored count when its coverage is whole, else the period's raw
events; stored again only by a composer that may write (billing runs, finalization), and only when the raw
events are exactly the ones the rollups count."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from billing.domain.errors import StorageUnavailable
from billing.domain.time import BillingPeriod
from billing.services import NewEvent
from billing.services.drafting import InvoiceComposer

SEPTEMBER = BillingPeriod.parse("2025-09")
USERS = {"feature": "users", "model": "per_unit", "unit_amount": "2", "aggregation": "unique_count", "property": "u"}


@pytest.fixture
def customer(services):
    return services.customers.create(name="Ada", email="ada@example.com")


def send(services, customer, *users: str, day: int = 3) -> None:
    services.ingest.ingest(
        customer.id,
        [
            NewEvent("users", Decimal(1), datetime.fromisoformat(f"2025-09-{day:02d}T0{n}:00:00Z"), None, {"u": user})
            for n, user in enumerate(users)
        ],
    )


def rated_quantity(storage, composer, customer, plan, usage=None) -> Decimal:
    content = composer.rate(customer, SEPTEMBER, plan, unit_price=None, usage=usage)
    (line,) = content.line_items
    assert line.quantity is not None
    return line.quantity


def raw_events_read(storage, monkeypatch, keep=None) -> list[int]:
    """Counts (and optionally trims, as a lagging index would) the composer's raw-event reads."""
    reads: list[int] = []
    read = storage.usage.events

    def counted(*args):
        reads.append(1)
        events = read(*args)
        return events if keep is None else keep(events)

    monkeypatch.setattr(storage.usage, "events", counted)
    return reads


def coverage(storage, customer) -> dict:
    return dict(storage.usage.period_usage(customer.id, "2025-09").coverage)


def test_events_stored_before_the_plan_are_counted_from_raw_events_and_covered_by_a_writing_composer(
    services, storage, customer, monkeypatch
):
    send(services, customer, "ada", "bob", "ada")  # no plan yet: nothing checked at ingest
    plan = services.plans.create(name="Users", currency="USD", prices=[USERS])
    reads = raw_events_read(storage, monkeypatch)

    assert rated_quantity(storage, InvoiceComposer(storage), customer, plan) == 2
    assert coverage(storage, customer) == {}  # a preview's composer writes nothing
    assert rated_quantity(storage, InvoiceComposer(storage, covers_distinct=True), customer, plan) == 2
    assert coverage(storage, customer) == {("users", "u"): 3}
    assert len(reads) == 2

    assert rated_quantity(storage, InvoiceComposer(storage), customer, plan) == 2
    assert len(reads) == 2  # covered: the stored count, no raw read


def test_raw_events_fewer_than_the_rollups_count_are_a_transient_fault_never_an_undercount(
    services, storage, customer, monkeypatch
):
    send(services, customer, "ada", "bob", "cy")
    plan = services.plans.create(name="Users", currency="USD", prices=[USERS])
    raw_events_read(storage, monkeypatch, keep=lambda events: events[:-1])  # the index has not caught up

    with pytest.raises(StorageUnavailable, match="2 of the 3 events of users"):
        InvoiceComposer(storage, covers_distinct=True).rate(customer, SEPTEMBER, plan, unit_price=None)
    assert coverage(storage, customer) == {}


def test_events_that_arrived_after_the_usage_was_read_are_counted_but_not_covered(services, storage, customer):
    send(services, customer, "ada", "bob")
    plan = services.plans.create(name="Users", currency="USD", prices=[USERS])
    usage = storage.usage.period_usage(customer.id, "2025-09")
    send(services, customer, "cy", day=4)  # after the read

    assert rated_quantity(storage, InvoiceComposer(storage, covers_distinct=True), customer, plan, usage) == 3
    assert coverage(storage, customer) == {}  # 3 events read, the rollups read said 2: nothing is stored
    assert storage.usage.period_usage(customer.id, "2025-09").exact_distinct_count("users", "u") is None


def test_a_period_checked_from_its_first_event_is_never_read_raw(services, storage, customer, monkeypatch):
    plan = services.plans.create(name="Users", currency="USD", prices=[USERS])
    send(services, customer, "ada", "bob", "ada")
    reads = raw_events_read(storage, monkeypatch)

    assert rated_quantity(storage, InvoiceComposer(storage, covers_distinct=True), customer, plan) == 2
    assert reads == []
