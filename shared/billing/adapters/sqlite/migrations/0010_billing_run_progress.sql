-- Billing runs always finish: each run keeps how far its starter got (the customer listing's cursor after the
-- last page queued), when it last made progress (µs), how often a sweep took it over, and why it was given up.
-- A sweep reads the unfinished ones (neither planned nor failed) through a partial index.
ALTER TABLE billing_runs ADD COLUMN position TEXT;
ALTER TABLE billing_runs ADD COLUMN heartbeat_us INTEGER;
ALTER TABLE billing_runs ADD COLUMN resumptions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_runs ADD COLUMN failure TEXT;
CREATE INDEX billing_runs_unfinished ON billing_runs (id) WHERE planned = 0 AND failure IS NULL;
