-- How far each month's monitoring run has reached: a run writes its month and the last worker
-- id of each range it has kept, in that range's transaction. An open alert was found by every
-- run that reached its worker since it opened (one not found is closed), so the month it was
-- last seen is the latest run that reached it: one row per range instead of every open alert
-- rewritten each month (about a million rows a monthly run at a million workers).
CREATE TABLE monitor_runs (
    month INTEGER PRIMARY KEY,
    done_through BIGINT NOT NULL
);
-- Runs before this table: each alert's months name a run that reached its worker.
INSERT INTO monitor_runs (month, done_through)
SELECT m, MAX(w) FROM (
    SELECT seen_month AS m, worker_id AS w FROM alerts
    UNION ALL SELECT closed_month, worker_id FROM alerts WHERE closed_month IS NOT NULL
) AS runs GROUP BY m;
