"""SQLite billing runs: the run's counters on its row, one outcome row per (run, customer)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

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

_COUNTER = {OutcomeStatus.BILLED: "billed", OutcomeStatus.FAILED: "failed"}


class SqliteBillingRuns:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, run: BillingRunRecord) -> None:
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM billing_runs WHERE id = ?", (run.id,)).fetchone():
                raise Conflict(f"billing run {run.id} already exists")
            conn.execute(
                "INSERT INTO billing_runs (id, document) VALUES (?, ?)", (run.id, document(billing_run_to_record(run)))
            )

    def get(self, run_id: str) -> BillingRunRecord | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT document, queued, billed, failed, planned, unpriced FROM billing_runs WHERE id = ?", (run_id,)
            )
            .fetchone()
        )
        if row is None:
            return None
        body, queued, billed, failed, planned, unpriced = row
        return billing_run_from_record(
            json.loads(body), queued=queued, billed=billed, failed=failed, planned=bool(planned), unpriced=unpriced
        )

    def add_queued(self, run_id: str, count: int, *, planned: bool = False) -> None:
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE billing_runs SET queued = queued + ?, planned = max(planned, ?) WHERE id = ?",
                (count, int(planned), run_id),
            ).rowcount
            if updated != 1:
                raise BillingRunNotFound(run_id)

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
