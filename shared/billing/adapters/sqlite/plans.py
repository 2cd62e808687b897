"""SQLite plans: one immutable JSON document per plan."""

from __future__ import annotations

import json

from billing.adapters.records import plan_from_record, plan_to_record
from billing.adapters.sqlite.connection import Database
from billing.pricing.plans import Plan


class SqlitePlans:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, plan: Plan) -> None:
        document = json.dumps(plan_to_record(plan), separators=(",", ":"))
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO plans (id, document) VALUES (?, ?)", (plan.id, document))

    def get(self, plan_id: str) -> Plan | None:
        row = self._db.connection().execute("SELECT document FROM plans WHERE id = ?", (plan_id,)).fetchone()
        return None if row is None else plan_from_record(json.loads(row[0]))

    def list(self, *, limit: int, after: str | None = None) -> list[Plan]:
        rows = self._db.connection().execute(
            "SELECT document FROM plans WHERE id > ? ORDER BY id LIMIT ?", (after or "", limit)
        )
        return [plan_from_record(json.loads(document)) for (document,) in rows]
