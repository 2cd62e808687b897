-- Per customer, local day (in the customer's timezone, fixed at creation) and feature: a month of usage is
-- about 30 rows per feature instead of ~2,900 15-minute buckets. Backfilled from the events already stored
-- (local_day and dec_sum are SQL functions the adapter registers on every connection).

CREATE TABLE usage_day (
    customer_id TEXT NOT NULL,
    day         TEXT NOT NULL,   -- YYYY-MM-DD, local
    feature     TEXT NOT NULL,
    sum         TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (customer_id, day, feature)
) WITHOUT ROWID;

INSERT INTO usage_day (customer_id, day, feature, sum, count)
    SELECT e.customer_id, local_day(e.ts, c.timezone) AS day, e.feature, dec_sum(e.quantity), count(*)
    FROM events AS e JOIN customers AS c ON c.id = e.customer_id
    GROUP BY e.customer_id, day, e.feature;
