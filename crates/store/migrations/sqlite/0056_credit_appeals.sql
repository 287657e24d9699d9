-- A platform's appeal against its credit rating of a month (信用评价申诉), and the agency's
-- decision. Filing and deciding are each an entry in the tamper-evident log (`*_log_idx`).
CREATE TABLE credit_appeals (
    id INTEGER PRIMARY KEY,
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    month INTEGER NOT NULL,
    person_id INTEGER NOT NULL REFERENCES people (id),
    filed_at_us INTEGER NOT NULL,
    grounds TEXT NOT NULL,
    filed_log_idx INTEGER NOT NULL,
    decided_by INTEGER REFERENCES people (id),
    decided_at_us INTEGER,
    decision TEXT,
    reasons TEXT,
    decided_log_idx INTEGER
);
CREATE INDEX credit_appeals_platform ON credit_appeals (platform_id, month);
-- At most one open appeal per platform and month.
CREATE UNIQUE INDEX credit_appeals_open ON credit_appeals (platform_id, month) WHERE decision IS NULL;
