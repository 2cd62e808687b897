-- Customers, usage events with their rollups, invoices.
-- Decimals are TEXT (exact; summed in Python or by dec_add), instants are INTEGER microseconds UTC.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    email_key   TEXT NOT NULL UNIQUE,   -- lower-cased email: uniqueness is case-insensitive
    timezone    TEXT NOT NULL,
    currency    TEXT NOT NULL,
    plan_id     TEXT,
    created_at  TEXT NOT NULL
) WITHOUT ROWID;

-- The primary key is the idempotency guard: a client's transaction id is stored once per customer.
CREATE TABLE events (
    customer_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    feature     TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    period      TEXT NOT NULL,
    properties  TEXT,
    PRIMARY KEY (customer_id, event_id)
) WITHOUT ROWID;

CREATE INDEX events_by_time ON events (customer_id, ts);

-- 15-minute UTC buckets: usage windows and charts in any timezone.
CREATE TABLE usage_15m (
    customer_id     TEXT NOT NULL,
    bucket_start    INTEGER NOT NULL,
    feature         TEXT NOT NULL,
    sum             TEXT NOT NULL,
    count           INTEGER NOT NULL,
    max             TEXT NOT NULL,
    latest_ts       INTEGER NOT NULL,
    latest_quantity TEXT NOT NULL,
    PRIMARY KEY (customer_id, bucket_start, feature)
) WITHOUT ROWID;

-- Billing-period totals (period = YYYY-MM in the customer's timezone): one row per customer and feature.
CREATE TABLE usage_period (
    period          TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    feature         TEXT NOT NULL,
    sum             TEXT NOT NULL,
    count           INTEGER NOT NULL,
    max             TEXT NOT NULL,
    latest_ts       INTEGER NOT NULL,
    latest_quantity TEXT NOT NULL,
    PRIMARY KEY (period, customer_id, feature)
) WITHOUT ROWID;

-- One invoice per customer and period, ever; `version` guards concurrent writers.
CREATE TABLE invoices (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    period      TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    UNIQUE (customer_id, period)
);
