-- Billing runs report customers billed with usage no price rated (features no plan prices, drafts without a
-- unit price): the run counts them, and each such outcome is flagged so the run's resource can list them.
ALTER TABLE billing_runs ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_run_outcomes ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
