-- Complaints (一键维权): a worker's complaint against a platform, its uploads, every step with
-- who and when, and the platform's missed response deadlines. Filing, each step and each
-- breach are also entries in the tamper-evident log (`log_idx`).
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    kind TEXT NOT NULL,
    -- The months named, "YYYY-MM,YYYY-MM".
    months TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    filed_at_us INTEGER NOT NULL,
    due_at_us INTEGER NOT NULL,
    responded_at_us INTEGER,
    breached_at_us INTEGER,
    -- SHA-256 of the evidence list sealed at filing (hex), as logged.
    evidence TEXT NOT NULL,
    -- The evidence sealed at filing: JSON list of {what, key, index, data} (each row as logged).
    items TEXT NOT NULL,
    log_idx INTEGER NOT NULL
);
CREATE INDEX complaints_worker ON complaints (worker_id);
CREATE INDEX complaints_platform ON complaints (platform_id);
CREATE INDEX complaints_due ON complaints (due_at_us);

CREATE TABLE complaint_uploads (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    n INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- Detected from the content, never from the name.
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (complaint_id, n)
);

CREATE TABLE complaint_steps (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_id INTEGER,
    state TEXT NOT NULL,
    outcome TEXT,
    text TEXT,
    at_us INTEGER NOT NULL,
    log_idx INTEGER NOT NULL,
    PRIMARY KEY (complaint_id, seq)
);

CREATE TABLE complaint_breaches (
    complaint_id INTEGER PRIMARY KEY REFERENCES complaints (id),
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    due_at_us INTEGER NOT NULL,
    at_us INTEGER NOT NULL,
    log_idx INTEGER NOT NULL
);
CREATE INDEX complaint_breaches_platform ON complaint_breaches (platform_id, due_at_us);
