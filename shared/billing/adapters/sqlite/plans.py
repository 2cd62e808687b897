"""SQLite plans: one immutable JSON document per plan."""

from __future__ import annotations

import json

from billing.adapters.records import plan_from_record, plan_to_record
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.engine.paging import after, document, page_of
from billing.domain.paging import Page
from billing.pricing.plans import Plan


class SqlitePlans:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, plan: Plan) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO plans (id, document) VALUES (?, ?)", (plan.id, document(plan_to_record(plan))))

    def get(self, plan_id: str) -> Plan | None:
        row = self._db.connection().execute("SELECT document FROM plans WHERE id = ?", (plan_id,)).fetchone()
        return None if row is None else plan_from_record(json.loads(row[0]))

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Plan]:
        rows = (
            self._db.connection()
            .execute("SELECT id, document FROM plans WHERE id > ? ORDER BY id LIMIT ?", (after(cursor), limit + 1))
            .fetchall()
        )
        return page_of(rows, limit, lambda row: plan_from_record(json.loads(row[1])), lambda row: row[0])
