"""SQLite meters: one immutable JSON document per feature, found by event type at ingest."""

from __future__ import annotations

import builtins
import json

from billing.adapters.records import meter_from_record, meter_to_record
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.engine.paging import after, document, page_of
from billing.domain.errors import Conflict
from billing.domain.meters import Meter
from billing.domain.paging import Page


class SqliteMeters:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, meter: Meter) -> None:
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM meters WHERE feature = ?", (meter.feature,)).fetchone():
                raise Conflict(f"feature {meter.feature!r} has a meter already", field="feature")
            conn.execute(
                "INSERT INTO meters (feature, event_type, document) VALUES (?, ?, ?)",
                (meter.feature, meter.event_type, document(meter_to_record(meter))),
            )

    def get(self, feature: str) -> Meter | None:
        row = self._db.connection().execute("SELECT document FROM meters WHERE feature = ?", (feature,)).fetchone()
        return None if row is None else meter_from_record(json.loads(row[0]))

    def list(self, *, limit: int, cursor: str | None = None) -> Page[Meter]:
        rows = (
            self._db.connection()
            .execute(
                "SELECT feature, document FROM meters WHERE feature > ? ORDER BY feature LIMIT ?",
                (after(cursor), limit + 1),
            )
            .fetchall()
        )
        return page_of(rows, limit, lambda row: meter_from_record(json.loads(row[1])), lambda row: row[0])

    def for_event_type(self, event_type: str) -> builtins.list[Meter]:
        rows = self._db.connection().execute(
            "SELECT document FROM meters WHERE event_type = ? ORDER BY feature", (event_type,)
        )
        return [meter_from_record(json.loads(body)) for (body,) in rows]
