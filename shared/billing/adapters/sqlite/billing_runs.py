"""SQLite billing runs: the run's counters on its row, one outcome row per (run, customer)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from billing.adapters.records import (
    billing_run_from_record,
    billing_run_to_record,
    outcome_from_record,
    outcome_to_record,
)
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.engine.paging import after, document, page_of
from billing.domain.billing_runs import BillingRunRecord, CustomerOutcome, OutcomeStatus
from billing.domain.errors import BillingRunNotFound, Conflict
from billing.domain.paging import Page
from billing.domain.time import to_micros

_COUNTER = {OutcomeStatus.BILLED: "billed", OutcomeStatus.FAILED: "failed"}
_COLUMNS = "document, queued, billed, failed, planned, unpriced, position, heartbeat_us, resumptions, failure"


def _run_of(row: Sequence[Any]) -> BillingRunRecord:
    body, queued, billed, failed, planned, unpriced, position, heartbeat_us, resumptions, failure = row
    return billing_run_from_record(
        json.loads(body),
        queued=queued,
        billed=billed,
        failed=failed,
        planned=bool(planned),
        unpriced=unpriced,
        position=position,
        heartbeat_us=heartbeat_us,
        resumptions=resumptions,
        failure=failure,
    )


class SqliteBillingRuns:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, run: BillingRunRecord) -> None:
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM billing_runs WHERE id = ?", (run.id,)).fetchone():
                raise Conflict(f"billing run {run.id} already exists")
            conn.execute(
                "INSERT INTO billing_runs (id, document, heartbeat_us) VALUES (?, ?, ?)",
                (run.id, document(billing_run_to_record(run)), to_micros(run.last_progress)),
            )

    def get(self, run_id: str) -> BillingRunRecord | None:
        row = self._db.connection().execute(f"SELECT {_COLUMNS} FROM billing_runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else _run_of(row)

    def advance(
        self,
        run_id: str,
        *,
        from_position: str | None,
        to_position: str | None,
        queued: int,
        planned: bool,
        at: datetime,
    ) -> bool:
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE billing_runs SET queued = queued + ?, position = ?, heartbeat_us = ?, planned = ?"
                " WHERE id = ? AND position IS ? AND planned = 0 AND failure IS NULL",
                (queued, to_position, to_micros(at), int(planned), run_id, from_position),
            ).rowcount
            if updated != 1 and conn.execute("SELECT 1 FROM billing_runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise BillingRunNotFound(run_id)
        return updated == 1

    def claim_stale(self, run_id: str, *, stale_before: datetime, at: datetime) -> BillingRunRecord | None:
        with self._db.transaction() as conn:
            # A run stored before heartbeats were kept (none) was stuck since then: stale.
            row = conn.execute(
                "UPDATE billing_runs SET heartbeat_us = ?, resumptions = resumptions + 1"
                " WHERE id = ? AND planned = 0 AND failure IS NULL AND coalesce(heartbeat_us, 0) < ?"
                f" RETURNING {_COLUMNS}",
                (to_micros(at), run_id, to_micros(stale_before)),
            ).fetchone()
        return None if row is None else _run_of(row)

    def fail(self, run_id: str, reason: str, *, at: datetime) -> bool:
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE billing_runs SET failure = ?, heartbeat_us = ?"
                " WHERE id = ? AND planned = 0 AND failure IS NULL",
                (reason, to_micros(at), run_id),
            ).rowcount
        return updated == 1

    def unfinished(self, *, limit: int, cursor: str | None = None) -> Page[BillingRunRecord]:
        rows = (
            self._db.connection()
            .execute(
                f"SELECT id, {_COLUMNS} FROM billing_runs WHERE planned = 0 AND failure IS NULL AND id > ?"
                " ORDER BY id LIMIT ?",
                (after(cursor), limit + 1),
            )
            .fetchall()
        )
        return page_of(rows, limit, lambda row: _run_of(row[1:]), lambda row: row[0])

    def record_outcomes(self, run_id: str, outcomes: Sequence[CustomerOutcome]) -> None:
        if not outcomes:
            return
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM billing_runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise BillingRunNotFound(run_id)
            marks = ",".join("?" * len(outcomes))
            previous = {
                customer_id: (status, bool(unpriced))
                for customer_id, status, unpriced in conn.execute(
                    "SELECT customer_id, status, unpriced FROM billing_run_outcomes"
                    f" WHERE run_id = ? AND customer_id IN ({marks})",
                    (run_id, *(outcome.customer_id for outcome in outcomes)),
                ).fetchall()
            }
            changed = [o for o in outcomes if previous.get(o.customer_id, (None,))[0] != o.status.value]
            conn.executemany(
                "INSERT INTO billing_run_outcomes (run_id, customer_id, status, unpriced, document)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
                " SET status = excluded.status, unpriced = excluded.unpriced, document = excluded.document",
                [
                    (
                        run_id,
                        o.customer_id,
                        o.status.value,
                        int(bool(o.unpriced_features)),
                        document(outcome_to_record(o)),
                    )
                    for o in changed
                ],
            )
            replaced = [previous[o.customer_id] for o in changed if o.customer_id in previous]
            moves = Counter(_COUNTER[o.status] for o in changed)
            moves.subtract(_COUNTER[OutcomeStatus(status)] for status, _ in replaced)
            moves["unpriced"] = sum(bool(o.unpriced_features) for o in changed) - sum(flag for _, flag in replaced)
            conn.execute(
                "UPDATE billing_runs SET billed = billed + ?, failed = failed + ?, unpriced = unpriced + ?"
                " WHERE id = ?",
                (moves["billed"], moves["failed"], moves["unpriced"], run_id),
            )

    def outcomes(
        self,
        run_id: str,
        *,
        status: OutcomeStatus | None = None,
        unpriced: bool = False,
        limit: int,
        cursor: str | None = None,
    ) -> Page[CustomerOutcome]:
        rows = (
            self._db.connection()
            .execute(
                "SELECT customer_id, document FROM billing_run_outcomes WHERE run_id = ? AND customer_id > ?"
                + (" AND status = ?" if status else "")
                + (" AND unpriced = 1" if unpriced else "")
                + " ORDER BY customer_id LIMIT ?",
                (run_id, after(cursor), *([status.value] if status else []), limit + 1),
            )
            .fetchall()
        )
        return page_of(rows, limit, lambda row: outcome_from_record(json.loads(row[1])), lambda row: row[0])
