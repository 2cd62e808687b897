-- The storage port reshaped for DynamoDB (issue "past one machine"): a stored credit balance, distinct-value
-- markers kept at ingest, external ids and search keys for customers, billing runs, API keys and meters.

ALTER TABLE customers ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX customers_by_external_id ON customers (external_id) WHERE external_id IS NOT NULL;
ALTER TABLE customers ADD COLUMN name_key TEXT;   -- lower-cased name: prefix search
UPDATE customers SET name_key = lower(name);
CREATE INDEX customers_by_name_key ON customers (name_key);

-- The balance per customer and currency, changed in the same transaction as the entry that moves it.
CREATE TABLE credit_balances (
    customer_id TEXT NOT NULL,
    currency    TEXT NOT NULL,
    balance     TEXT NOT NULL,
    PRIMARY KEY (customer_id, currency)
) WITHOUT ROWID;
INSERT INTO credit_balances (customer_id, currency, balance)
    SELECT customer_id, currency, dec_sum(amount) FROM credit_entries GROUP BY customer_id, currency;

-- One row per distinct value of a tracked property per customer, period and feature: unique_count is the
-- number of rows. Backfilled with every property of the events already stored.
CREATE TABLE usage_distinct (
    customer_id TEXT NOT NULL,
    period      TEXT NOT NULL,
    feature     TEXT NOT NULL,
    property    TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (customer_id, period, feature, property, value)
) WITHOUT ROWID;
INSERT OR IGNORE INTO usage_distinct (customer_id, period, feature, property, value)
    SELECT e.customer_id, e.period, e.feature, p.key, p.value
    FROM events AS e, json_each(e.properties) AS p
    WHERE e.properties IS NOT NULL;

-- Invoices across customers (the dashboard) and the finalize sweep's drafts (a partial index: drafts only).
CREATE INDEX invoices_by_period ON invoices (period, status);
CREATE INDEX invoices_drafts_due ON invoices (period_end, id) WHERE status = 'draft';
DROP INDEX invoices_by_status;

CREATE TABLE billing_runs (
    id          TEXT PRIMARY KEY,
    document    TEXT NOT NULL,
    queued      INTEGER NOT NULL DEFAULT 0,
    billed      INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    planned     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE billing_run_outcomes (
    run_id      TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (run_id, customer_id)
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    document    TEXT NOT NULL
);

CREATE TABLE meters (
    feature     TEXT PRIMARY KEY,
    event_type  TEXT NOT NULL,
    document    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX meters_by_event_type ON meters (event_type);
