-- Risk alerts for grid workers (风险预警): at most one open alert per worker and risk; a run of
-- the monitor opens what it finds, refreshes what stays and closes what is gone.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    risk TEXT NOT NULL,
    grid_id INTEGER NOT NULL REFERENCES grids (id),
    opened_month INTEGER NOT NULL,
    seen_month INTEGER NOT NULL,
    closed_month INTEGER,
    why_zh TEXT NOT NULL,
    why_en TEXT NOT NULL
);
CREATE UNIQUE INDEX alerts_open ON alerts (worker_id, risk) WHERE closed_month IS NULL;
CREATE INDEX alerts_grid ON alerts (grid_id, opened_month) WHERE closed_month IS NULL;
