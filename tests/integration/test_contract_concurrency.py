"""Racing writers on every adapter: each event counted once, one invoice per customer and period, credit
spent once, invoice numbers taken once each and without gaps, and no racing caller told of a conflict when
the outcome it asked for happened."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from billing.bootstrap import build_services
from billing.domain.invoices import InvoiceStatus, invoice_id_for
from billing.domain.time import BillingPeriod

from tests.integration import builders
from tests.integration.builders import NOW, draft, usage_event

THREADS = 4


def race(work: Callable[[int], object], threads: int = THREADS) -> list[object]:
    """Run work(0..threads-1) on threads released together; return results or raised exceptions."""
    barrier = threading.Barrier(threads)
    results: list[object] = [None] * threads

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:
            results[index] = error

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results


def test_writers_racing_with_the_same_event_ids_count_each_once(store):
    def write(index: int):
        events = [usage_event(f"e{n}", "1.5", 1_000 + n) for n in range(20)] + [usage_event(f"own{index}", "1", 5)]
        return store.usage.record(events)

    results = race(write)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.accepted for r in results) == 20 + THREADS
    aggregate = store.usage.period_usage("c1", "2025-09").features["api"]
    assert (aggregate.count, aggregate.sum) == (20 + THREADS, Decimal("30.0") + THREADS)


def _customers_with_usage(store, count: int):
    """(services at a fixed clock just after September, `count` customers with 100 units each in September)."""
    now = datetime(2025, 10, 2, tzinfo=UTC)
    services = build_services(store, clock=lambda: now)
    customers = [services.customers.create(name=f"C{n}", email=f"c{n}@example.com") for n in range(count)]
    for customer in customers:
        services.ingest.ingest(customer.id, [_event("e1", "100")])
    return services, customers, now


def test_racing_billing_runs_make_one_invoice_per_customer(store):
    services, customers, now = _customers_with_usage(store, 3)
    period = BillingPeriod.parse("2025-09")

    results = race(lambda _: services.runs.start(period, unit_price=Decimal("0.01"), now=now), threads=3)

    assert not [r for r in results if isinstance(r, Exception)], results
    for customer in customers:
        invoices = services.invoices.for_customer(customer.id)
        assert [(i.period, i.total) for i in invoices] == [("2025-09", Decimal("1.00"))]


def test_a_shard_whose_drafts_are_refused_together_bills_each_customer_on_its_own(store):
    services, customers, now = _customers_with_usage(store, 4)
    period = BillingPeriod.parse("2025-09")
    services.credits.grant(customers[1].id, Decimal("0.40"))
    real_save_many = store.invoices.save_many

    def another_run_saves_first(invoices):  # between this shard's reads and its write
        store.invoices.save(next(i for i in invoices if i.customer_id == customers[1].id))
        services.ingest.ingest(customers[1].id, [_event("e2", "50")])
        real_save_many(invoices)

    store.invoices.save_many = another_run_saves_first
    try:
        run = services.runs.start(period, unit_price=Decimal("0.01"), now=now)
    finally:
        del store.invoices.save_many

    assert run.failures == () and run.done
    assert sorted(run.invoice_ids) == sorted(invoice_id_for(c.id, "2025-09") for c in customers)
    totals = [[(i.period, i.total, i.version) for i in services.invoices.for_customer(c.id)] for c in customers]
    one = [("2025-09", Decimal("1.00"), 1)]
    assert totals == [one, [("2025-09", Decimal("1.10"), 2)], one, one]  # recomputed with the new usage
    record = services.runs.status(run.run_id).run
    assert (record.customers_queued, record.customers_billed, record.customers_failed) == (4, 4, 0)


def test_racing_finalizations_spend_credit_once_and_all_report_it_finalized(store):
    now = datetime(2025, 10, 2, tzinfo=UTC)
    services = build_services(store, clock=lambda: now)
    customer = services.customers.create(name="Ada", email="ada@example.com")
    services.ingest.ingest(customer.id, [_event("e1", "500")])
    services.credits.grant(customer.id, Decimal("3.00"))
    run = services.runs.start(BillingPeriod.parse("2025-09"), unit_price=Decimal("0.01"), now=now)
    (invoice_id,) = run.invoice_ids

    results = race(lambda _: services.invoices.finalize(invoice_id, now=now))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert {(r.status, r.total, r.version, r.number) for r in results} == {
        (InvoiceStatus.FINALIZED, Decimal("2.00"), 2, "INV-000001")
    }
    assert services.credits.ledger(customer.id).balance == Decimal("0.00")
    assert [e.kind.value for e in services.credits.ledger(customer.id).entries] == ["grant", "consumption"]


def test_racing_finalizations_of_different_invoices_take_distinct_numbers_without_gaps(store):
    invoices = [store.invoices.save(draft(f"c{n}")) for n in range(6)]
    for invoice in invoices:
        store.customers.add(builders.customer(invoice.customer_id))

    def finalize(n: int):
        final = invoices[n].finalized(now=NOW)
        return store.invoices.finalize(final, credit=None, customer_version=0, number_prefix="INV")

    results = race(finalize, threads=len(invoices))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.number for r in results) == [f"INV-{n:06d}" for n in range(1, 7)]
    assert all(store.invoices.get(r.id) == r for r in results)


def test_racing_finalizations_and_a_run_number_every_invoice_once(store):
    services, _, now = _customers_with_usage(store, 5)
    run = services.runs.start(BillingPeriod.parse("2025-09"), unit_price=Decimal("0.01"), now=now)

    results = race(lambda n: services.invoices.finalize(run.invoice_ids[n % 5], now=now), threads=8)

    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = {invoice_id: services.invoices.get(invoice_id).number for invoice_id in run.invoice_ids}
    assert sorted(numbers.values()) == [f"INV-{n:06d}" for n in range(1, 6)]
    assert all(r.number == numbers[r.id] for r in results)  # a repeated finalization reports the same number


def _event(event_id: str, quantity: str):
    from billing.services.ingest import NewEvent

    return NewEvent("api", Decimal(quantity), datetime(2025, 9, 10, tzinfo=UTC), id=event_id)


def test_distinct_values_covered_while_events_arrive_are_never_claimed_short(store):
    """Writers store events one at a time (the first ones not checked for `user` at ingest, the later ones
    checked) while coverers do what rating does: read the period, then its raw events, and cover the values
    read when the counts agree. A count said to be exact is never short of the values stored by then."""
    writing = threading.Event()
    writing.set()
    writers_left = [2]
    lock = threading.Lock()

    def write(index: int) -> None:
        try:
            for n in range(25):
                user = {"user": f"u{index}-{n % 10}"}
                store.usage.record(
                    [usage_event(f"w{index}-{n}", "1", 1_000 + n, properties=user, distinct=("user",) * (n >= 8))]
                )
        finally:
            with lock:
                writers_left[0] -= 1
                if not writers_left[0]:
                    writing.clear()

    def values_stored() -> set[str]:
        return {event.properties["user"] for event in store.usage.events("c1", 0, 10_000) if event.properties}

    def cover(_: int) -> int:
        covered = 0
        while writing.is_set():
            usage = store.usage.period_usage("c1", "2025-09")
            if "api" not in usage.features:
                continue
            count, exact = usage.features["api"].count, usage.exact_distinct_count("api", "user")
            stored = store.usage.events("c1", 0, 10_000)  # read after: as many events, or more
            values = {event.properties["user"] for event in stored if event.properties}
            assert exact is None or exact <= len(values)
            if len(stored) != count:
                continue
            assert exact is None or exact == len(values)  # the same events: the same count
            covered += store.usage.cover_distinct("c1", "2025-09", "api", "user", values, events=count)
        return covered

    results = race(lambda index: write(index) if index < 2 else cover(index))
    assert not [r for r in results if isinstance(r, Exception)], results

    truth = values_stored()
    assert len(truth) == 20
    assert store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "user") in (None, 20)
    assert store.usage.cover_distinct("c1", "2025-09", "api", "user", truth, events=50) is True
    assert store.usage.period_usage("c1", "2025-09").exact_distinct_count("api", "user") == 20
