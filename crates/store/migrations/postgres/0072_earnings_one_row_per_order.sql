-- One row per order. The month partitions of earnings could not hold the idempotency key
-- (platform, order id), because a unique key on a partitioned table must include the month, so
-- every order was written twice (its row in the month's partition, its key in order_keys) and
-- finding one order's row (a platform's proof of an order) scanned every partition. The key and
-- the row are now one row of one table, found by that key (as on SQLite, which keeps a unique
-- index on the same columns). Reads by month (outreach, the premium figures, a complaint's
-- evidence, the notices' order history) use a BRIN index on the month: orders arrive roughly in
-- month order, so it narrows a scan to the month's pages for almost nothing per insert. A BRIN
-- index only knows the page ranges it has summarised: autosummarize has autovacuum summarise
-- each range once it is full, so the newest pages are the only ones always read.
CREATE TABLE earnings_by_order (
    month INTEGER NOT NULL,
    worker_id BIGINT NOT NULL,
    platform_id BIGINT NOT NULL,
    order_id TEXT COLLATE "C" NOT NULL,
    amount_fen BIGINT NOT NULL,
    settled_at_us BIGINT NOT NULL,
    order_type SMALLINT NOT NULL,
    grid_id BIGINT NOT NULL,
    premium_fen BIGINT NOT NULL,
    batch_id BIGINT NOT NULL,
    PRIMARY KEY (platform_id, order_id)
);
INSERT INTO earnings_by_order
    SELECT month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id
    FROM earnings ORDER BY platform_id, order_id;
DROP TABLE earnings;
DROP TABLE order_keys;
ALTER TABLE earnings_by_order RENAME TO earnings;
ALTER INDEX earnings_by_order_pkey RENAME TO earnings_pkey;
CREATE INDEX earnings_month ON earnings USING brin (month) WITH (autosummarize = on);
