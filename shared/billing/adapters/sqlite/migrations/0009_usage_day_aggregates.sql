-- The local-day rollup keeps the whole aggregate (max and latest too), as the 15-minute and period rollups
-- do: usage read as billed (max, latest) takes whole days from it. Rebuilt from the 15-minute buckets, which
-- are exact parts of the customer's local days (every real offset is a multiple of 15 minutes); a bucket's
-- latest_ts lies inside it, so a day's latest is the latest of its latest bucket. dec_sum, dec_max and
-- local_day are SQL functions the adapter registers on every connection.

CREATE TABLE usage_day_aggregates (
    customer_id     TEXT NOT NULL,
    day             TEXT NOT NULL,   -- YYYY-MM-DD, local
    feature         TEXT NOT NULL,
    sum             TEXT NOT NULL,
    count           INTEGER NOT NULL,
    max             TEXT NOT NULL,
    latest_ts       INTEGER NOT NULL,
    latest_quantity TEXT NOT NULL,
    PRIMARY KEY (customer_id, day, feature)
) WITHOUT ROWID;

INSERT INTO usage_day_aggregates (customer_id, day, feature, sum, count, max, latest_ts, latest_quantity)
    SELECT b.customer_id, local_day(b.bucket_start, c.timezone) AS day, b.feature,
           dec_sum(b.sum), sum(b.count), dec_max(b.max), max(b.latest_ts), ''
    FROM usage_15m AS b JOIN customers AS c ON c.id = b.customer_id
    GROUP BY b.customer_id, day, b.feature;

UPDATE usage_day_aggregates SET latest_quantity = (
    SELECT b.latest_quantity FROM usage_15m AS b
    WHERE b.customer_id = usage_day_aggregates.customer_id
      AND b.bucket_start = usage_day_aggregates.latest_ts - usage_day_aggregates.latest_ts % 900000000
      AND b.feature = usage_day_aggregates.feature
);

DROP TABLE usage_day;
ALTER TABLE usage_day_aggregates RENAME TO usage_day;
