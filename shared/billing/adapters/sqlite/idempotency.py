"""Powertools' idempotency records in the SQLite file. No DynamoDB twin: Powertools ships that one.

Same semantics as Powertools' DynamoDBPersistenceLayer (which bootstrap gives DynamoDB deployments): a put
succeeds when no record exists, when the record has expired, or when it is still INPROGRESS past its
in-progress expiry (the request that held it died); otherwise IdempotencyItemAlreadyExistsError carries the
existing record. Expired rows are removed as new ones are written.
"""

from __future__ import annotations

import sqlite3
import time

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS, DataRecord

from billing.adapters.sqlite.engine.database import Database

_COLUMNS = "id, status, expiration, in_progress_expiration, payload_hash, response_data"
_PURGE_BATCH = 100


class SqliteIdempotencyStore(BasePersistenceLayer):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self._db = db

    def _get_record(self, idempotency_key: str) -> DataRecord:
        row = (
            self._db.connection()
            .execute(f"SELECT {_COLUMNS} FROM idempotency_records WHERE id = ?", (idempotency_key,))
            .fetchone()
        )
        if row is None:
            raise IdempotencyItemNotFoundError
        return _record(row)

    def _put_record(self, data_record: DataRecord) -> None:
        now = time.time()
        with self._db.transaction() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM idempotency_records WHERE id = ?", (data_record.idempotency_key,)
            ).fetchone()
            if row is not None and not _replaceable(row, now):
                old = _record(row)
                self._validate_payload(data_payload=data_record, stored_data_record=old)
                raise IdempotencyItemAlreadyExistsError(old_data_record=old)
            conn.execute(
                f"INSERT OR REPLACE INTO idempotency_records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, '')",
                (
                    data_record.idempotency_key,
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.in_progress_expiry_timestamp,
                    data_record.payload_hash if self.payload_validation_enabled else "",
                ),
            )
            conn.execute(
                "DELETE FROM idempotency_records WHERE id IN "
                "(SELECT id FROM idempotency_records WHERE expiration < ? LIMIT ?)",
                (int(now), _PURGE_BATCH),
            )

    def _update_record(self, data_record: DataRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE idempotency_records SET status = ?, expiration = ?, response_data = ? WHERE id = ?",
                (
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.response_data,
                    data_record.idempotency_key,
                ),
            )

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM idempotency_records WHERE id = ?", (data_record.idempotency_key,))


def _replaceable(row: sqlite3.Row | tuple, now: float) -> bool:
    _id, status, expiration, in_progress_expiration, _hash, _data = row
    if expiration < int(now):
        return True
    return (
        status == STATUS_CONSTANTS["INPROGRESS"]
        and in_progress_expiration is not None
        and in_progress_expiration < int(now * 1000)
    )


def _record(row: sqlite3.Row | tuple) -> DataRecord:
    key, status, expiration, in_progress_expiration, payload_hash, response_data = row
    return DataRecord(
        idempotency_key=key,
        status=status,
        expiry_timestamp=expiration,
        in_progress_expiry_timestamp=in_progress_expiration,
        payload_hash=payload_hash,
        response_data=response_data,
    )
