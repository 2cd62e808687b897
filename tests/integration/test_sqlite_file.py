"""What only the SQLite adapter has: a file, its migrations and journal modes, and one batch transaction."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from importlib import resources

import pytest
from billing.adapters.sqlite import SqliteStorage
from billing.domain.errors import ConcurrentUpdate, StorageUnavailable
from billing.domain.usage import UsageAggregate

from tests.integration.builders import NOW, D, customer, draft, usage_event

# What migration 0010 adds, undone when a test rewinds a database to an older version (the migrations run again).
UNDO_0010 = (
    " DROP INDEX billing_runs_unfinished; ALTER TABLE billing_runs DROP COLUMN position;"
    " ALTER TABLE billing_runs DROP COLUMN heartbeat_us; ALTER TABLE billing_runs DROP COLUMN resumptions;"
    " ALTER TABLE billing_runs DROP COLUMN failure;"
)


def test_opening_creates_the_folder_migrates_and_uses_wal(tmp_path):
    path = tmp_path / "a" / "b" / "billing.db"
    SqliteStorage(path).close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    assert version >= 4
    SqliteStorage(path).close()  # reopening applies nothing twice
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == version


def test_network_filesystem_mode_uses_a_rollback_journal(tmp_path):
    SqliteStorage(tmp_path / "efs.db", journal_mode="DELETE").close()
    assert sqlite3.connect(tmp_path / "efs.db").execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_batch_that_fails_half_way_writes_nothing(tmp_path):
    store = SqliteStorage(tmp_path / "billing.db")
    store.db.connection().execute(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON usage_period WHEN NEW.feature = 'boom'"
        " BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.usage.record([usage_event("ok", "1", 1), usage_event("bad", "1", 2, feature="boom")])
    assert store.usage.events("c1", 0, 10) == []
    assert store.usage.period_usage("c1", "2025-09").features == {}
    store.close()


def test_a_unit_of_work_commits_once_when_it_ends_and_keeps_nothing_when_it_fails(tmp_path):
    store = SqliteStorage(tmp_path / "billing.db")
    other = sqlite3.connect(tmp_path / "billing.db")
    with store.unit_of_work():
        store.customers.add(customer("c1"))
        store.usage.record([usage_event("e1", "1", 1)])
        assert other.execute("SELECT count(*) FROM customers").fetchone() == (0,)  # not committed yet
        assert store.customers.get("c1") is not None  # but read back inside it
    assert other.execute("SELECT count(*) FROM customers").fetchone() == (1,)

    with pytest.raises(RuntimeError), store.unit_of_work():
        store.customers.add(customer("c2"))
        raise RuntimeError("the work failed half-way")
    assert store.customers.get("c2") is None
    store.customers.add(customer("c3"))  # outside a unit again: its own transaction
    assert other.execute("SELECT count(*) FROM customers").fetchone() == (2,)


def test_a_unit_of_work_that_sqlite_rolled_back_saves_nothing_more_and_says_so(tmp_path):
    store = SqliteStorage(tmp_path / "billing.db")
    with pytest.raises(StorageUnavailable, match="unit of work was rolled back"), store.unit_of_work():
        store.customers.add(customer("c1"))
        store.db.connection().execute("ROLLBACK")  # what a full disk or an I/O error makes SQLite do
        with pytest.raises(StorageUnavailable, match="unit of work was rolled back"):
            store.customers.add(customer("c2"))  # never written outside the unit
    assert store.customers.get("c1") is None and store.customers.get("c2") is None
    store.customers.add(customer("c3"))
    assert store.customers.get("c3") is not None


def test_migration_0003_backfills_day_rollups_from_stored_events(tmp_path):
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
    # the later migrations run again too: undo what they made
    connection.executescript(
        "DROP TABLE credit_balances; DROP TABLE usage_distinct; DROP TABLE billing_runs;"
        " DROP TABLE billing_run_outcomes; DROP TABLE api_keys; DROP TABLE meters; DROP TABLE idempotency_records;"
        " DROP TABLE counters; DROP TABLE usage_coverage;"
        " DROP INDEX customers_by_external_id; DROP INDEX customers_by_name_key;"
        " DROP INDEX invoices_by_period; DROP INDEX invoices_drafts_due;"
        " ALTER TABLE customers DROP COLUMN external_id; ALTER TABLE customers DROP COLUMN name_key;"
        " CREATE INDEX invoices_by_status ON invoices (status, period_end);"
    )
    connection.close()
    reopened = SqliteStorage(path)
    assert (
        sorted(reopened.usage.days("c1", "2025-09-01", "2025-10-01"))
        == before
        == [("api", "2025-09-04", D("1.5")), ("api", "2025-09-05", D(2))]
    )
    reopened.close()


def test_migration_0009_gives_day_rollups_max_and_latest_from_the_15_minute_buckets(tmp_path):
    path = tmp_path / "v8.db"
    store = SqliteStorage(path)
    store.customers.add(replace(customer("c1"), timezone="Asia/Kolkata"))
    evening = 1_757_000_000_000_000  # 2025-09-04T15:33:20Z = 21:03 in Kolkata
    late = evening + 3 * 3600 * 1_000_000  # 00:03 on the 5th in Kolkata
    store.usage.record(
        [
            usage_event("a", "1.5", evening, day="2025-09-04"),
            usage_event("b", "9", evening - 3600 * 1_000_000, day="2025-09-04"),
            usage_event("c", "2", late, day="2025-09-05"),
            usage_event("seat", "4", late, day="2025-09-05", feature="seats"),
        ]
    )
    store.usage.record([usage_event("tie", "0.5", evening, day="2025-09-04")])  # same ts as a, stored after it
    before = sorted(store.usage.day_aggregates("c1", "2025-09-01", "2025-10-01"))
    store.close()
    connection = sqlite3.connect(path)
    connection.executescript(  # usage_day as migration 0003 made it: sums and counts only
        "CREATE TABLE old_day (customer_id TEXT NOT NULL, day TEXT NOT NULL, feature TEXT NOT NULL,"
        " sum TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (customer_id, day, feature)) WITHOUT ROWID;"
        " INSERT INTO old_day SELECT customer_id, day, feature, sum, count FROM usage_day;"
        " DROP TABLE usage_day; ALTER TABLE old_day RENAME TO usage_day; PRAGMA user_version = 8;" + UNDO_0010
    )
    connection.close()
    reopened = SqliteStorage(path)
    assert (
        sorted(reopened.usage.day_aggregates("c1", "2025-09-01", "2025-10-01"))
        == before
        == [
            ("api", "2025-09-04", UsageAggregate(D(11), 3, D(9), evening, D("0.5"))),
            ("api", "2025-09-05", UsageAggregate(D(2), 1, D(2), late, D(2))),
            ("seats", "2025-09-05", UsageAggregate(D(4), 1, D(4), late, D(4))),
        ]
    )
    reopened.usage.record([usage_event("d", "3", late + 1, day="2025-09-05")])  # ingest merges into the new rows
    assert sorted(reopened.usage.day_aggregates("c1", "2025-09-05", "2025-09-06"))[0] == (
        "api",
        "2025-09-05",
        UsageAggregate(D(5), 2, D(3), late + 1, D(3)),
    )
    reopened.close()


def test_migration_0004_backfills_balances_distinct_values_and_search_keys(tmp_path):
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    for name in ("0001_initial.sql", "0002_plans_credits_lifecycle.sql"):
        conn.executescript((resources.files("billing.adapters.sqlite") / "migrations" / name).read_text())
    conn.execute(
        "INSERT INTO customers (id, name, email, email_key, timezone, currency, created_at)"
        " VALUES ('c1', 'Acme Corp', 'ops@acme.io', 'ops@acme.io', 'UTC', 'USD', ?)",
        (NOW.isoformat(),),
    )
    for seq, amount in ((1, "10.00"), (2, "-2.50")):
        conn.execute(
            "INSERT INTO credit_entries (seq, customer_id, entry_id, kind, amount, currency, created_at)"
            " VALUES (?, 'c1', ?, 'grant', ?, 'USD', ?)",
            (seq, f"crd_{seq}", amount, NOW.isoformat()),
        )
    for event_id, user in (("e1", "ada"), ("e2", "bob"), ("e3", "ada")):
        conn.execute(
            "INSERT INTO events (customer_id, event_id, feature, quantity, ts, period, properties)"
            " VALUES ('c1', ?, 'api', '1', 1, '2025-09', ?)",
            (event_id, json.dumps({"user": user})),
        )
    conn.execute("CREATE TABLE usage_day (customer_id, day, feature, sum, count)")  # as 0003 left it
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()
    store = SqliteStorage(path)
    assert store.credits.balance("c1", "USD") == D("7.50")
    assert store.usage.period_usage("c1", "2025-09").distinct_counts == {("api", "user"): 2}
    assert [c.id for c in store.customers.search("acme", limit=5)] == ["c1"]
    store.close()


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
    finally:
        store.close()


def test_migration_0007_keeps_every_invoice_as_its_periods_first_issue_and_guards_each_issue(tmp_path):
    path = tmp_path / "v6.db"
    store = SqliteStorage(path)
    saved = store.invoices.save(draft())
    later = store.invoices.save(draft(period="2025-10"))
    store.invoices.save(replace(later, line_items=()))  # version 2
    store.close()
    conn = sqlite3.connect(path)  # the table as migrations 0001-0006 left it, with these rows in it
    conn.executescript(
        "CREATE TABLE old_invoices (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, period TEXT NOT NULL,"
        " status TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL, period_end INTEGER,"
        " UNIQUE (customer_id, period));"
        " INSERT INTO old_invoices SELECT id, customer_id, period, status, version,"
        " json_remove(document, '$.issue', '$.replaces', '$.number', '$.issue_date', '$.due_date', '$.issuer'),"
        " period_end FROM invoices;"
        " DROP TABLE invoices; ALTER TABLE old_invoices RENAME TO invoices;"
        " CREATE INDEX invoices_by_period ON invoices (period, status);"
        " CREATE INDEX invoices_drafts_due ON invoices (period_end, id) WHERE status = 'draft';"
        " DROP TABLE counters; DROP TABLE usage_coverage; PRAGMA user_version = 6;" + UNDO_0010
    )
    conn.close()
    store = SqliteStorage(path)
    try:
        assert store.invoices.get(saved.id) == saved
        assert [(i.period, i.issue, i.version) for i in store.invoices.list_for_customer("c1", limit=5).items] == [
            ("2025-10", 0, 2),
            ("2025-09", 0, 1),
        ]
        reissue = store.invoices.save(draft(issue=1))
        assert store.invoices.get(reissue.id).replaces == saved.id
        with pytest.raises(ConcurrentUpdate):
            store.invoices.save(replace(draft(issue=1), id="inv_twice"))
        indexes = {
            row[0] for row in store.db.connection().execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        assert {"invoices_by_period", "invoices_drafts_due"} <= indexes
    finally:
        store.close()


def test_migration_0011_removes_the_api_key_secrets_older_idempotency_records_kept_and_zeroes_their_bytes(tmp_path):
    path = tmp_path / "v10.db"
    SqliteStorage(path).close()
    secret = "sk_" + "Q7" * 21 + "x"
    replies = {  # what Powertools stored: the reply as JSON text in a JSON document
        "idempotency#key": {"status_code": 201, "body": json.dumps({"id": "key_1", "key": secret})},
        "idempotency#customer": {"status_code": 201, "body": json.dumps({"id": "cus_1", "name": "sk_ is a name"})},
    }
    connection = sqlite3.connect(path, isolation_level=None)
    for key, reply in replies.items():
        connection.execute(
            "INSERT INTO idempotency_records VALUES (?, 'COMPLETED', 4102444800, NULL, '', ?)",
            (key, json.dumps(reply, sort_keys=True)),
        )
    connection.execute("PRAGMA user_version = 10")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert secret.encode() in path.read_bytes()
    connection.close()

    SqliteStorage(path).close()
    connection = sqlite3.connect(path, isolation_level=None)
    assert [row[0] for row in connection.execute("SELECT id FROM idempotency_records")] == ["idempotency#customer"]
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    assert not any(secret.encode() in file.read_bytes() for file in tmp_path.glob("v10.db*"))
