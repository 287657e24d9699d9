-- Who opened which worker's records, when and what (an officer's view of a worker's page, a
-- voucher issued on the worker's behalf). Append-only: the record of looking is not editable.
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    at_us INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    what TEXT NOT NULL
);
CREATE INDEX access_log_worker ON access_log (worker_id, at_us);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
