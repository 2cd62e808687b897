-- Void and reissue (issue 15): a period may be invoiced again once its invoice is void. Each invoice has an
-- issue within its (customer, period): 0 for the first (every invoice stored so far), k for the k-th reissue.
-- SQLite cannot change a table's constraint in place, so the table is rebuilt with its rows, ids and
-- versions, and the one-per-(customer, period) guard becomes one per (customer, period, issue).
CREATE TABLE invoices_by_issue (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    period      TEXT NOT NULL,
    issue       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    document    TEXT NOT NULL,
    period_end  INTEGER,
    UNIQUE (customer_id, period, issue)
);
INSERT INTO invoices_by_issue (id, customer_id, period, issue, status, version, document, period_end)
    SELECT id, customer_id, period, 0, status, version, document, period_end FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_by_issue RENAME TO invoices;
CREATE INDEX invoices_by_period ON invoices (period, status);
CREATE INDEX invoices_drafts_due ON invoices (period_end, id) WHERE status = 'draft';

-- Invoice numbers (issue 15): one deployment-wide counter, moved in the transaction that finalizes.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
