-- unique_count whatever the order of events and plans (issue 15): per customer, period, feature and tracked
-- property, how many of the period's events of the feature were checked for the property when stored (or
-- when rating counted the values from the raw events: UsageRepository.cover_distinct). The distinct-value
-- rows of usage_distinct are the period's whole set only when this equals the usage_period row's count.
-- Not backfilled: a period without a row here is counted from its raw events once, then covered.
CREATE TABLE usage_coverage (
    customer_id TEXT NOT NULL,
    period      TEXT NOT NULL,
    feature     TEXT NOT NULL,
    property    TEXT NOT NULL,
    checked     INTEGER NOT NULL,
    PRIMARY KEY (customer_id, period, feature, property)
) WITHOUT ROWID;
