-- Grid workers (网格员) and what they do with alerts. A person of role 'grid_worker' keeps their
-- region in people.region_code and the grids they look after here.
CREATE TABLE person_grids (
    person_id INTEGER NOT NULL REFERENCES people (id),
    grid_id INTEGER NOT NULL REFERENCES grids (id),
    PRIMARY KEY (person_id, grid_id)
);
CREATE INDEX person_grids_grid ON person_grids (grid_id);

-- A number a worker gave for being reached by their grid (the registered phone is kept only as
-- a keyed hash), sealed with the store's pepper (nonce, sealed digits, tag). Opened only by a
-- recorded reveal.
CREATE TABLE contacts (
    worker_id INTEGER PRIMARY KEY REFERENCES workers (id),
    sealed BLOB NOT NULL
);

-- What a grid worker did about an alert (visited, enrolled, refused, moved away, wrong data).
-- Append-only: a later outcome is a new row.
CREATE TABLE alert_outcomes (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    at_us INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_outcomes_alert ON alert_outcomes (alert_id, at_us);
CREATE TRIGGER alert_outcomes_no_update BEFORE UPDATE ON alert_outcomes BEGIN SELECT RAISE(ABORT, 'alert_outcomes is append-only'); END;
CREATE TRIGGER alert_outcomes_no_delete BEFORE DELETE ON alert_outcomes BEGIN SELECT RAISE(ABORT, 'alert_outcomes is append-only'); END;

-- When an alert was opened (the working days to escalation count from that day; 0 for alerts
-- opened before this column: their month's end counts), and why it was closed ('gone': a run no
-- longer found it; 'enrolled': the worker enrolled).
ALTER TABLE alerts ADD COLUMN opened_at_us INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN closed_reason TEXT;

-- Why a person looked (an alert, a page), besides what they did.
ALTER TABLE access_log ADD COLUMN why TEXT NOT NULL DEFAULT '';
CREATE INDEX access_log_at ON access_log (at_us);
