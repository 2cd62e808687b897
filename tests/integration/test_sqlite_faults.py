"""Storage faults in the SQLite adapter: private files, a full database, a read-only open, the -shm guard,
and what the handlers answer (503 with a message, nothing acknowledged that was not stored, recovery).

Faults are real SQLite conditions, not mocks: `PRAGMA max_page_count` caps the database (SQLite then answers
SQLITE_FULL exactly as on a full disk), a `mode=ro` URI opens the file read-only (chmod would not stop these
tests, which run as root). Faults that need another process (a file-size limit, a read-only file for a
process without root's override, a -shm truncated under a running gateway) are in tests/e2e/test_faults.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from billing.adapters.sqlite import SqliteStorage
from billing.adapters.sqlite.engine.faults import FaultMappingConnection, storage_unavailable
from billing.adapters.sqlite.engine.shm_guard import SharedMemoryGuard
from billing.domain.customers import Customer
from billing.domain.errors import StorageUnavailable

from local_gateway.events import http_event
from tests.handlers.conftest import handler

ADMIN = {"key_id": "admin", "role": "admin", "customer_id": ""}
NOW = datetime(2025, 10, 2, tzinfo=UTC)


def customer(customer_id: str) -> Customer:
    return Customer(
        id=customer_id, name=customer_id, email=f"{customer_id}@example.com", timezone="UTC", created_at=NOW
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- files --------------------------------------------------------------------------------------------


def test_the_database_and_its_wal_and_shm_are_created_0600_in_a_0700_folder(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "data" / "billing.db")
    try:
        storage.plans.list(limit=1)
        files = {path.name: mode(path) for path in (tmp_path / "data").iterdir()}
    finally:
        storage.close()

    assert files == {"billing.db": 0o600, "billing.db-wal": 0o600, "billing.db-shm": 0o600}
    assert mode(tmp_path / "data") == 0o700


@pytest.mark.parametrize(("before", "after"), [(0o644, 0o600), (0o666, 0o600), (0o444, 0o400)])
def test_an_existing_database_loses_group_and_other_access(tmp_path: Path, before: int, after: int) -> None:
    path = tmp_path / "billing.db"
    sqlite3.connect(path).close()
    path.chmod(before)

    SqliteStorage(path).close()

    assert mode(path) == after


# -- the connection layer translates by result code -----------------------------------------------------


def test_a_read_only_open_refuses_writes_as_storage_unavailable_and_asks_to_be_reopened(tmp_path: Path) -> None:
    path = tmp_path / "billing.db"
    SqliteStorage(path).close()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, factory=FaultMappingConnection)
    try:
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (0,)  # reads still work
        with pytest.raises(StorageUnavailable, match="read-only") as raised:
            conn.execute("DELETE FROM customers")
    finally:
        conn.close()

    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert raised.value.__cause__.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY
    assert conn.needs_reopen


def test_other_sqlite_errors_are_left_alone(tmp_path: Path) -> None:
    conn = sqlite3.connect(":memory:", factory=FaultMappingConnection)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")

    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("SELECT nothing FROM nowhere")
    assert not conn.needs_reopen


def test_translation_reads_the_error_code_not_the_message() -> None:
    error = sqlite3.OperationalError("some text that mentions nothing")
    error.sqlite_errorcode = sqlite3.SQLITE_IOERR | (3 << 8)  # type: ignore[attr-defined]  # SQLITE_IOERR_WRITE
    unrelated = sqlite3.OperationalError("database or disk is full")  # the right words, no code

    assert "disk I/O error" in str(storage_unavailable(error))
    assert storage_unavailable(unrelated) is None


def test_a_database_that_cannot_be_opened_is_storage_unavailable(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the database folder should be")

    with pytest.raises(StorageUnavailable):
        SqliteStorage(folder / "billing.db")


# -- a full database through the handlers --------------------------------------------------------------


def call(folder: str, method: str, path: str, route: str, lambda_context: Any, **kwargs: Any) -> tuple[int, Any]:
    event = http_event(method, path, route_key=f"{method} {route}", authorizer_context=ADMIN, **kwargs)
    reply = handler(folder)(event, lambda_context)
    return reply["statusCode"], json.loads(reply["body"])


def ingest(customer_id: str, ids: range, lambda_context: Any) -> tuple[int, Any]:
    events = [
        {
            "id": f"evt-{i}",
            "feature": "api_calls",
            "quantity": "1",
            "ts": "2025-09-03T10:00:00Z",
            "properties": {"n": "x" * 200},
        }
        for i in ids
    ]
    return call(
        "ingest_events",
        "POST",
        "/v1/events/batch",
        "/v1/events/batch",
        lambda_context,
        body={"customer_id": customer_id, "events": events},
    )


def total_usage(customer_id: str, lambda_context: Any) -> str:
    status, body = call(
        "get_usage",
        "GET",
        f"/v1/customers/{customer_id}/usage",
        "/v1/customers/{customer_id}/usage",
        lambda_context,
        query={"start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z"},
        path_parameters={"customer_id": customer_id},
    )
    assert status == 200, body
    return body[0]["quantity"] if body else "0"


def health(lambda_context: Any) -> tuple[int, Any]:
    return call("health", "GET", "/v1/health", "/v1/health", lambda_context)


def test_a_full_database_answers_503_acknowledges_nothing_and_recovers(
    injected_services: Any, lambda_context: Any
) -> None:
    storage = injected_services.storage
    customer = injected_services.customers.create(name="Acme", email="ops@acme.example")
    assert ingest(customer.id, range(10), lambda_context)[0] == 200
    conn = storage.db.connection()  # this thread's connection: the one the handlers use
    limit = conn.execute("PRAGMA max_page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")

    status, body = ingest(customer.id, range(10, 510), lambda_context)

    assert status == 503
    assert body["error"]["code"] == "storage_unavailable"
    assert body["error"]["message"] == "storage unavailable: the disk or the database is full"
    assert total_usage(customer.id, lambda_context) == "10"  # reads go on; nothing of the batch was stored
    status, body = health(lambda_context)
    assert (status, body["error"]["code"]) == (503, "storage_unavailable")
    assert "full" in body["error"]["message"]

    conn.execute(f"PRAGMA max_page_count = {limit}")  # space is back

    assert health(lambda_context) == (200, {"status": "ok"})
    status, body = ingest(customer.id, range(10, 510), lambda_context)  # the client's retry
    assert (status, body["accepted"], body["duplicates"]) == (200, 500, 0)
    assert total_usage(customer.id, lambda_context) == "510"


def test_health_probes_the_storage(injected_services: Any, lambda_context: Any) -> None:
    assert health(lambda_context) == (200, {"status": "ok"})
    assert not [p for p in injected_services.storage.db.path.parent.iterdir() if ".probe-" in p.name]


def test_health_says_when_the_database_folder_cannot_be_written(
    injected_services: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def full_disk(path: Any, flags: int, *args: Any) -> int:
        if ".probe-" in str(path):
            raise OSError(28, "No space left on device")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", full_disk)

    status, body = health(lambda_context)

    assert status == 503
    assert (
        body["error"]["message"] == "storage unavailable: cannot write next to the database (No space left on device)"
    )


# -- the -shm guard -------------------------------------------------------------------------------------


def test_a_truncated_shm_is_grown_back_before_sqlite_touches_its_mapping(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "billing.db")
    try:
        storage.customers.add(customer("c1"))
        shm = tmp_path / "billing.db-shm"
        size = shm.stat().st_size
        assert size >= 32 * 1024

        os.truncate(shm, 0)  # what `: > billing.db-shm` or a copy over it does: SIGBUS at the next access

        with pytest.raises(StorageUnavailable, match="truncated while in use; restored"):
            storage.customers.list(limit=1)
        assert shm.stat().st_size == size
        assert [c.id for c in storage.customers.list(limit=5).items] == ["c1"]  # SQLite rebuilt its index
        storage.customers.add(customer("c2"))
        storage.check()
    finally:
        storage.close()
    assert sqlite3.connect(tmp_path / "billing.db").execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_replaced_shm_is_refused(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "billing.db")
    shm = tmp_path / "billing.db-shm"
    kept = tmp_path / "kept-shm"
    try:
        storage.customers.add(customer("c1"))
        shm.rename(kept)
        shm.write_bytes(b"\0" * 32768)

        with pytest.raises(StorageUnavailable, match="replaced while in use; restart"):
            storage.customers.list(limit=1)
    finally:
        shm.unlink()
        kept.rename(shm)
        storage.close()


def test_a_read_only_shm_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    storage = SqliteStorage(tmp_path / "billing.db")
    try:
        shm = str(tmp_path / "billing.db-shm")
        real_access = os.access
        # As root every file is writable: ask the guard the question a service account would get "no" to.
        monkeypatch.setattr(os, "access", lambda path, mode_: False if str(path) == shm else real_access(path, mode_))

        with pytest.raises(StorageUnavailable, match="-shm file is read-only"):
            storage.customers.list(limit=1)
    finally:
        monkeypatch.undo()
        storage.close()


def test_the_guard_forgets_the_mapping_once_the_last_connection_is_closed(tmp_path: Path) -> None:
    storage = SqliteStorage(tmp_path / "billing.db")
    storage.customers.list(limit=1)
    storage.close()  # the last connection: SQLite deletes the -shm, the next one is a new file
    assert not (tmp_path / "billing.db-shm").exists()

    assert storage.customers.list(limit=1).items == []
    storage.customers.list(limit=1)
    storage.close()


def test_the_guard_ignores_a_database_without_shm(tmp_path: Path) -> None:
    SharedMemoryGuard(tmp_path / "nothing.db").check()
