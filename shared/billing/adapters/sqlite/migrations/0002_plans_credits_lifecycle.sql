-- Plans, the prepaid-credit ledger, and what the invoice lifecycle needs.

-- Plans are immutable: the document is written once (billing.adapters.records.plan_to_record).
CREATE TABLE plans (
    id          TEXT PRIMARY KEY,
    document    TEXT NOT NULL
) WITHOUT ROWID;

-- Append-only ledger; `seq` keeps insertion order. Consumption and restoration ids derive from the
-- invoice id, so the unique key also stops an invoice from consuming credit twice.
CREATE TABLE credit_entries (
    seq         INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    amount      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    invoice_id  TEXT,
    description TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (customer_id, entry_id)
);

-- Optimistic concurrency for what finalization depends on (plan, finalized and void invoices).
ALTER TABLE customers ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- The finalize sweep: drafts whose period has ended (microseconds UTC, like every instant we index).
ALTER TABLE invoices ADD COLUMN period_end INTEGER;
UPDATE invoices SET period_end = CAST(strftime('%s', json_extract(document, '$.period_end')) AS INTEGER) * 1000000;
CREATE INDEX invoices_by_status ON invoices (status, period_end);

-- A customer's rollups across periods, to spot late usage of finalized periods.
CREATE INDEX usage_period_by_customer ON usage_period (customer_id, period);
