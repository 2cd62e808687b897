"""SQLite API keys: only the secret's hash is stored."""

from __future__ import annotations

import json
from datetime import datetime

from billing.adapters.records import api_key_from_record, api_key_to_record
from billing.adapters.sqlite.engine.database import Database
from billing.adapters.sqlite.engine.paging import after, document, page_of
from billing.domain.api_keys import ApiKey
from billing.domain.errors import Conflict, NotFound
from billing.domain.paging import Page


class SqliteApiKeys:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, key: ApiKey) -> None:
        with self._db.transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM api_keys WHERE id = ? OR secret_hash = ?", (key.id, key.secret_hash)
            ).fetchone():
                raise Conflict(f"API key {key.id} already exists")
            conn.execute(
                "INSERT INTO api_keys (id, secret_hash, document) VALUES (?, ?, ?)",
                (key.id, key.secret_hash, document(api_key_to_record(key))),
            )

    def get(self, key_id: str) -> ApiKey | None:
        return self._one("id = ?", key_id)

    def get_by_secret_hash(self, secret_hash: str) -> ApiKey | None:
        return self._one("secret_hash = ?", secret_hash)

    def list(self, *, limit: int, cursor: str | None = None) -> Page[ApiKey]:
        rows = (
            self._db.connection()
            .execute("SELECT id, document FROM api_keys WHERE id > ? ORDER BY id LIMIT ?", (after(cursor), limit + 1))
            .fetchall()
        )
        return page_of(rows, limit, lambda row: api_key_from_record(json.loads(row[1])), lambda row: row[0])

    def revoke(self, key_id: str, at: datetime) -> ApiKey:
        with self._db.transaction() as conn:
            row = conn.execute("SELECT document FROM api_keys WHERE id = ?", (key_id,)).fetchone()
            if row is None:
                raise NotFound(f"API key {key_id!r} does not exist")
            record = json.loads(row[0])
            if record.get("revoked_at") is None:
                record["revoked_at"] = at.isoformat()
                conn.execute("UPDATE api_keys SET document = ? WHERE id = ?", (document(record), key_id))
        return api_key_from_record(record)

    def _one(self, where: str, value: str) -> ApiKey | None:
        row = self._db.connection().execute(f"SELECT document FROM api_keys WHERE {where}", (value,)).fetchone()
        return None if row is None else api_key_from_record(json.loads(row[0]))
