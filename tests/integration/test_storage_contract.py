"""The storage port's contract, run against every adapter (SQLite files today; DynamoDB joins the
`store` fixture's params when its adapter lands)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from billing.adapters.sqlite import SqliteStorage
from billing.domain.errors import ConcurrentUpdate, DuplicateEmail
from billing.domain.invoices import Invoice, InvoiceStatus, LineItem, LineType, invoice_id_for
from billing.domain.models import Customer, UsageEvent
from billing.domain.time import local_day_of

NOW = datetime(2025, 10, 2, tzinfo=UTC)


@pytest.fixture(params=["sqlite"])
def store(request, tmp_path):
    adapter = SqliteStorage(tmp_path / "nested" / "folder" / "billing.db")
    yield adapter
    adapter.close()


def customer(customer_id: str, email: str | None = None) -> Customer:
    return Customer(
        id=customer_id, name=customer_id, email=email or f"{customer_id}@example.com", timezone="UTC", created_at=NOW
    )


def usage_event(
    event_id: str,
    quantity: str,
    ts: int,
    feature: str = "api",
    customer_id: str = "c1",
    period: str = "2025-09",
    day: str | None = None,
) -> UsageEvent:
    return UsageEvent(customer_id, event_id, feature, Decimal(quantity), ts, period, day=day or local_day_of(ts, "UTC"))


def draft(customer_id: str = "c1", period: str = "2025-09", amount: str = "1.00") -> Invoice:
    return Invoice(
        id=invoice_id_for(customer_id, period),
        customer_id=customer_id,
        period=period,
        period_start=datetime(2025, 9, 1, tzinfo=UTC),
        period_end=datetime(2025, 10, 1, tzinfo=UTC),
        currency="USD",
        created_at=NOW,
        updated_at=NOW,
        line_items=(LineItem(LineType.USAGE, Decimal(amount), "api", "api", Decimal(100), Decimal("0.01")),),
    )


class TestCustomers:
    def test_added_customers_read_back_equal(self, store):
        store.customers.add(customer("c1"))
        assert store.customers.get("c1") == customer("c1")
        assert store.customers.get("missing") is None

    def test_emails_are_unique_ignoring_case(self, store):
        store.customers.add(customer("c1", "Ops@Acme.example"))
        with pytest.raises(DuplicateEmail):
            store.customers.add(customer("c2", "ops@acme.EXAMPLE"))
        assert store.customers.get("c2") is None

    def test_listing_pages_by_id(self, store):
        for customer_id in ["c3", "c1", "c2"]:
            store.customers.add(customer(customer_id))
        assert [c.id for c in store.customers.list(limit=2)] == ["c1", "c2"]
        assert [c.id for c in store.customers.list(limit=2, after="c2")] == ["c3"]


class TestUsage:
    def test_recording_reports_duplicates_and_counts_each_id_once(self, store):
        assert store.usage.record([usage_event("e1", "5", 1_000)]).stored == (True,)
        result = store.usage.record([usage_event("e1", "7", 2_000), usage_event("e2", "1", 3_000)])
        assert result.stored == (False, True)
        assert store.usage.period_usage("c1", "2025-09").features["api"].sum == Decimal(6)

    def test_period_rollups_keep_sum_count_max_and_latest_by_timestamp(self, store):
        store.usage.record([usage_event("late", "3", 5_000), usage_event("early", "9", 1_000)])
        store.usage.record([usage_event("middle", "4", 2_000)])
        aggregate = store.usage.period_usage("c1", "2025-09").features["api"]
        assert (aggregate.sum, aggregate.count, aggregate.max) == (Decimal(16), 3, Decimal(9))
        assert (aggregate.latest_ts, aggregate.latest_quantity) == (5_000, Decimal(3))

    def test_buckets_and_raw_events_cover_their_ranges(self, store):
        minute = 60_000_000
        store.usage.record(
            [usage_event("a", "1", 1 * minute), usage_event("b", "2", 14 * minute), usage_event("c", "4", 15 * minute)]
        )
        buckets = sorted(store.usage.buckets("c1", 0, 30 * minute))
        assert buckets == [("api", 0, Decimal(3)), ("api", 15 * minute, Decimal(4))]
        assert [e.id for e in store.usage.events("c1", 1 * minute, 15 * minute)] == ["a", "b"]

    def test_every_customers_period_usage_streams_grouped_and_ordered(self, store):
        for customer_id in ["c2", "c1", "c3"]:
            store.usage.record(
                [
                    usage_event(f"{customer_id}-x", "1", 1, "x", customer_id),
                    usage_event(f"{customer_id}-y", "2", 2, "y", customer_id),
                ]
            )
        store.usage.record([usage_event("other-period", "1", 3, "x", "c1", period="2025-10")])
        streamed = list(store.usage.all_period_usage("2025-09"))
        assert [u.customer_id for u in streamed] == ["c1", "c2", "c3"]
        assert all(set(u.features) == {"x", "y"} for u in streamed)
        assert streamed[0].features["x"].sum == Decimal(1)

    def test_a_batch_that_fails_half_way_writes_nothing(self, store):
        # Make the rollup write of one feature fail after the events were inserted.
        store.db.connection().execute(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON usage_period WHEN NEW.feature = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
        with pytest.raises(sqlite3.IntegrityError):
            store.usage.record([usage_event("ok", "1", 1), usage_event("bad", "1", 2, feature="boom")])
        assert list(store.usage.events("c1", 0, 10)) == []
        assert store.usage.period_usage("c1", "2025-09").features == {}


class TestInvoices:
    def test_saving_bumps_the_version_and_reads_back_equal(self, store):
        saved = store.invoices.save(draft())
        assert saved.version == 1
        assert store.invoices.get(saved.id) == saved
        assert store.invoices.list_for_customer("c1") == [saved]

    def test_a_second_invoice_for_the_same_customer_and_period_is_refused(self, store):
        store.invoices.save(draft())
        with pytest.raises(ConcurrentUpdate):
            store.invoices.save(draft(amount="2.00"))
        assert store.invoices.get(invoice_id_for("c1", "2025-09")).line_items[0].amount == Decimal("1.00")

    def test_a_write_based_on_a_stale_read_is_refused(self, store):
        saved = store.invoices.save(draft())
        store.invoices.save(replace(saved, status=InvoiceStatus.FINALIZED))
        with pytest.raises(ConcurrentUpdate):
            store.invoices.save(replace(saved, line_items=()))
        assert store.invoices.get(saved.id).status == InvoiceStatus.FINALIZED

    def test_invoices_list_newest_period_first(self, store):
        for period in ["2025-08", "2025-10", "2025-09"]:
            store.invoices.save(draft(period=period))
        assert [i.period for i in store.invoices.list_for_customer("c1")] == ["2025-10", "2025-09", "2025-08"]


class TestSqliteFile:
    def test_opening_creates_the_folder_migrates_and_uses_wal(self, tmp_path):
        path = tmp_path / "a" / "b" / "billing.db"
        SqliteStorage(path).close()
        connection = sqlite3.connect(path)
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        assert version >= 1
        SqliteStorage(path).close()  # reopening applies nothing twice
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == version

    def test_migration_0003_backfills_day_rollups_from_stored_events(self, tmp_path):
        # Given a database as it was before migration 0003, with events of a Kolkata customer
        path = tmp_path / "old.db"
        store = SqliteStorage(path)
        store.customers.add(replace(customer("c1"), timezone="Asia/Kolkata"))
        evening = 1_757_000_000_000_000  # 2025-09-04T15:33:20Z = 21:03 in Kolkata
        late = evening + 3 * 3600 * 1_000_000  # 00:03 on the 5th in Kolkata
        store.usage.record(
            [usage_event("a", "1.5", evening, day="2025-09-04"), usage_event("b", "2", late, day="2025-09-05")]
        )
        before = sorted(store.usage.days("c1", "2025-09-01", "2025-10-01"))
        store.close()
        connection = sqlite3.connect(path)
        connection.executescript("DROP TABLE usage_day; PRAGMA user_version = 2;")
        connection.close()
        # When it is opened again, then the day rollup is rebuilt in the customer's local days
        reopened = SqliteStorage(path)
        assert (
            sorted(reopened.usage.days("c1", "2025-09-01", "2025-10-01"))
            == before
            == [("api", "2025-09-04", Decimal("1.5")), ("api", "2025-09-05", Decimal(2))]
        )
        reopened.close()

    def test_network_filesystem_mode_uses_a_rollback_journal(self, tmp_path):
        SqliteStorage(tmp_path / "efs.db", journal_mode="DELETE").close()
        assert sqlite3.connect(tmp_path / "efs.db").execute("PRAGMA journal_mode").fetchone()[0] == "delete"
