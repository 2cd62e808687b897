-- Idempotency-Key records (Powertools' idempotency utility, billing.adapters.sqlite.idempotency).
-- One row per (principal, route, key), hashed; kept until `expiration` (Unix seconds), then replaced.
CREATE TABLE idempotency_records (
    id                     TEXT PRIMARY KEY,
    status                 TEXT NOT NULL,     -- INPROGRESS | COMPLETED
    expiration             INTEGER NOT NULL,  -- Unix seconds
    in_progress_expiration INTEGER,           -- Unix milliseconds: a crashed request's lock ends here
    payload_hash           TEXT NOT NULL DEFAULT '',
    response_data          TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE INDEX idempotency_records_expiration ON idempotency_records (expiration);
