-- PostgreSQL's earnings become one row per order (its month partitions and their separate key
-- table are gone). SQLite's earnings table has been one row per order, with a unique index on
-- (platform, order id), from the start: nothing to change.
SELECT 1;
