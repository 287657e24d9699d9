-- Outreach notices (paper 5.3: 个性化、场景化的政策内容推送, 接单间歇提醒): a worker's notice planned
-- on a day (China time), its arm (the holdout gets none: its row has no card and no time, so the
-- arms can be compared), the card and the worker's figures it is filled with, when it is due,
-- and what became of it. One plan per worker and day: a rerun the same day adds nothing.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    -- The day planned, YYYYMMDD, China time.
    planned_on INTEGER NOT NULL,
    -- treated | holdout
    arm TEXT NOT NULL,
    card TEXT,
    -- The worker's figures, "income=3800;pays=359".
    figures TEXT NOT NULL,
    due_at_us INTEGER,
    created_at_us INTEGER NOT NULL,
    read_at_us INTEGER,
    delivered_at_us INTEGER,
    opened_at_us INTEGER,
    acted_at_us INTEGER,
    UNIQUE (worker_id, planned_on)
);
CREATE INDEX notices_due ON notices (worker_id, due_at_us);

-- A platform's reports on notices it showed (delivered, opened, acted), once per report id.
CREATE TABLE notice_reports (
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    report_id TEXT NOT NULL,
    notice_id INTEGER NOT NULL REFERENCES notices (id),
    event TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    received_at_us INTEGER NOT NULL,
    PRIMARY KEY (platform_id, report_id)
);

-- The awareness quiz (知晓率): a worker's latest answer to each question.
CREATE TABLE quiz_answers (
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    question TEXT NOT NULL,
    answer INTEGER NOT NULL,
    correct BOOLEAN NOT NULL,
    answered_at_us INTEGER NOT NULL,
    PRIMARY KEY (worker_id, question)
);
