"""The SQLite adapter's plan, credit and lifecycle methods: each one atomic, guarded by versions."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources

import pytest
from billing.adapters.sqlite import SqliteStorage
from billing.domain.credits import CreditEntry, CreditKind
from billing.domain.errors import ConcurrentUpdate, Conflict, CustomerNotFound
from billing.domain.invoices import Invoice, InvoiceStatus, LineItem, LineType
from billing.domain.models import Customer, UsageEvent
from billing.pricing import plan_from_spec

D = Decimal
NOW = datetime(2025, 10, 2, tzinfo=UTC)


@pytest.fixture
def storage(tmp_path):
    store = SqliteStorage(tmp_path / "billing.db")
    yield store
    store.close()


def add_customer(storage, customer_id: str = "cus_1") -> Customer:
    customer = Customer(customer_id, "Ada", f"{customer_id}@example.com", "UTC", NOW)
    storage.customers.add(customer)
    return customer


def draft(customer_id: str = "cus_1", period: str = "2025-09", credit: str | None = None) -> Invoice:
    month = int(period[5:])
    lines = [LineItem(LineType.USAGE, D("10.00"), "usage", "api_calls", D(1000))]
    if credit:
        lines.append(LineItem(LineType.CREDIT, -D(credit), "credit"))
    return Invoice(
        id=f"inv_{customer_id}_{period}",
        customer_id=customer_id,
        period=period,
        period_start=datetime(2025, month, 1, tzinfo=UTC),
        period_end=datetime(2025, month + 1, 1, tzinfo=UTC),
        currency="USD",
        created_at=NOW,
        updated_at=NOW,
        line_items=tuple(lines),
    )


def grant(storage, amount: str, customer_id: str = "cus_1", entry_id: str = "crd_1") -> None:
    storage.credits.add(CreditEntry(entry_id, customer_id, CreditKind.GRANT, D(amount), "USD", NOW))


def test_plans_are_stored_listed_by_id_and_read_back_equal(storage):
    plans = [
        plan_from_spec(plan_id=f"plan_{n}", name=f"P{n}", currency="EUR", prices=[], created_at=NOW) for n in (2, 1, 3)
    ]
    for plan in plans:
        storage.plans.add(plan)

    assert storage.plans.get("plan_2") == plans[0]
    assert storage.plans.get("plan_9") is None
    assert [p.id for p in storage.plans.list(limit=2)] == ["plan_1", "plan_2"]
    assert [p.id for p in storage.plans.list(limit=2, after="plan_2")] == ["plan_3"]


def test_set_plan_moves_the_version_on_and_refuses_a_stale_one(storage):
    add_customer(storage)

    moved = storage.customers.set_plan("cus_1", "plan_1", "EUR", expected_version=0)

    assert (moved.plan_id, moved.currency, moved.version) == ("plan_1", "EUR", 1)
    with pytest.raises(ConcurrentUpdate):
        storage.customers.set_plan("cus_1", "plan_2", "USD", expected_version=0)
    with pytest.raises(CustomerNotFound):
        storage.customers.set_plan("cus_missing", "plan_1", "USD", expected_version=0)
    assert storage.customers.get("cus_1") == moved


def test_the_ledger_keeps_order_sums_per_currency_and_refuses_a_repeated_entry_id(storage):
    grant(storage, "10.00")
    grant(storage, "2.50", entry_id="crd_2")
    storage.credits.add(CreditEntry("crd_3", "cus_1", CreditKind.GRANT, D("700"), "JPY", NOW))

    assert [e.id for e in storage.credits.entries("cus_1")] == ["crd_1", "crd_2", "crd_3"]
    assert storage.credits.balance("cus_1", "USD") == D("12.50")
    assert storage.credits.balance("cus_1", "JPY") == D("700")
    assert storage.credits.balance("cus_2", "USD") == D("0")
    with pytest.raises(Conflict):
        grant(storage, "1.00")


def test_finalize_writes_the_invoice_the_consumption_and_the_customer_version_together(storage):
    add_customer(storage)
    grant(storage, "4.00")
    saved = storage.invoices.save(draft(credit="4.00"))
    final = saved.finalized(now=NOW)

    stored = storage.invoices.finalize(
        final, consumption=CreditEntry.consumption("cus_1", final.id, D("4.00"), "USD", NOW), customer_version=0
    )

    assert (stored.status, stored.version) == (InvoiceStatus.FINALIZED, 2)
    assert storage.invoices.get(final.id) == stored
    assert storage.credits.balance("cus_1", "USD") == D("0.00")
    assert storage.customers.get("cus_1").version == 1


@pytest.mark.parametrize("stale", ["invoice_version", "customer_version", "credit_spent", "consumed_twice"])
def test_a_stale_finalize_writes_nothing_at_all(storage, stale):
    add_customer(storage)
    grant(storage, "4.00")
    saved = storage.invoices.save(draft(credit="4.00"))
    final = saved.finalized(now=NOW)
    consumption = CreditEntry.consumption("cus_1", final.id, D("4.00"), "USD", NOW)
    customer_version = 0
    if stale == "invoice_version":
        storage.invoices.save(saved)  # someone recomputed the draft: version 2
    elif stale == "customer_version":
        storage.customers.set_plan("cus_1", "plan_1", "USD", expected_version=0)
    elif stale == "credit_spent":
        storage.credits.add(CreditEntry.consumption("cus_1", "inv_other", D("1.00"), "USD", NOW))
    else:
        storage.credits.add(consumption)
        grant(storage, "4.00", entry_id="crd_2")
    balance_before = storage.credits.balance("cus_1", "USD")
    version_before = storage.customers.get("cus_1").version

    with pytest.raises((ConcurrentUpdate, Conflict)):
        storage.invoices.finalize(final, consumption=consumption, customer_version=customer_version)

    assert storage.invoices.get(final.id).status == InvoiceStatus.DRAFT
    assert storage.credits.balance("cus_1", "USD") == balance_before
    assert storage.customers.get("cus_1").version == version_before


def test_void_writes_the_invoice_and_the_restoration_together(storage):
    add_customer(storage)
    grant(storage, "4.00")
    saved = storage.invoices.save(draft(credit="4.00"))
    final = storage.invoices.finalize(
        saved.finalized(now=NOW),
        consumption=CreditEntry.consumption("cus_1", saved.id, D("4.00"), "USD", NOW),
        customer_version=0,
    )

    with pytest.raises(ConcurrentUpdate):
        storage.invoices.void(final.voided(now=NOW), restoration=None, customer_version=0)
    voided = storage.invoices.void(
        final.voided(now=NOW),
        restoration=CreditEntry.restoration("cus_1", final.id, D("4.00"), "USD", NOW),
        customer_version=1,
    )

    assert storage.invoices.get(final.id) == voided
    assert voided.status == InvoiceStatus.VOID
    assert storage.credits.balance("cus_1", "USD") == D("4.00")


def test_list_by_status_finds_drafts_whose_period_ended_oldest_first(storage):
    for customer_id, period in (("cus_b", "2025-08"), ("cus_a", "2025-09"), ("cus_a", "2025-10"), ("cus_c", "2025-09")):
        storage.invoices.save(draft(customer_id, period))
    finalized = storage.invoices.get("inv_cus_c_2025-09")
    storage.invoices.save(replace(finalized.finalized(now=NOW)))

    due = storage.invoices.list_by_status(InvoiceStatus.DRAFT, period_end_before=datetime(2025, 10, 1, tzinfo=UTC))

    assert [invoice.id for invoice in due] == ["inv_cus_b_2025-08", "inv_cus_a_2025-09"]
    finals = storage.invoices.list_by_status(
        InvoiceStatus.FINALIZED, period_end_before=datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert [invoice.id for invoice in finals] == ["inv_cus_c_2025-09"]


def test_a_customers_usage_is_read_back_per_period_oldest_first(storage):
    add_customer(storage)
    storage.usage.record(
        [
            UsageEvent("cus_1", "e1", "api_calls", D(5), 1_759_300_000_000_000, "2025-10", day="2025-10-01"),
            UsageEvent("cus_1", "e2", "api_calls", D(7), 1_757_000_000_000_000, "2025-09", day="2025-09-04"),
            UsageEvent("cus_1", "e3", "seats", D(2), 1_757_000_000_000_001, "2025-09", day="2025-09-04"),
        ]
    )

    history = storage.usage.customer_period_usage("cus_1")

    assert [(usage.period, sorted(usage.features)) for usage in history] == [
        ("2025-09", ["api_calls", "seats"]),
        ("2025-10", ["api_calls"]),
    ]
    assert history[0].features["api_calls"].sum == D(7)
    assert storage.usage.customer_period_usage("cus_2") == []


def test_migration_0002_upgrades_a_version_1_database_and_backfills_invoice_period_ends(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((resources.files("billing.adapters.sqlite") / "migrations" / "0001_initial.sql").read_text())
    document = {"period_end": "2025-10-01T04:00:00+00:00"}
    conn.execute(
        "INSERT INTO invoices (id, customer_id, period, status, version, document) VALUES (?, ?, ?, ?, ?, ?)",
        ("inv_old", "cus_1", "2025-09", "draft", 1, json.dumps(document)),
    )
    conn.execute(
        "INSERT INTO customers (id, name, email, email_key, timezone, currency, plan_id, created_at)"
        " VALUES ('cus_1', 'Ada', 'a@x.io', 'a@x.io', 'America/New_York', 'USD', NULL, ?)",
        (NOW.isoformat(),),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    store = SqliteStorage(path)
    try:
        row = store.db.connection().execute("SELECT period_end FROM invoices WHERE id = 'inv_old'").fetchone()
        assert row == (1_759_291_200_000_000,)  # 2025-10-01T04:00Z in microseconds
        assert store.customers.get("cus_1").version == 0
        assert store.db.connection().execute("PRAGMA user_version").fetchone()[0] >= 2
    finally:
        store.close()
