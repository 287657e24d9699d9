-- The PostgreSQL twin of this migration leaves room on month_income's pages for in-place
-- updates and drops the (month, worker) index of its partitioned earnings table. SQLite's
-- earnings table is clustered on (month, worker, platform, order id) itself and has no
-- fillfactor: nothing to change here.
SELECT 1;
