-- The worker's own choices (the paper's 5.1-5.2). A chosen contribution base applies from its
-- month until a later choice: the close bills the latest choice (highest seq) of the latest
-- month not after the month closed. Rows are never changed, only added.
CREATE TABLE base_choices (
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    seq INTEGER NOT NULL,
    from_month INTEGER NOT NULL,
    base_fen BIGINT NOT NULL CHECK (base_fen > 0),
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (worker_id, seq)
);
CREATE INDEX base_choices_month ON base_choices (worker_id, from_month);

-- Occasional income (偶然所得) of a year, as each declarer last declared it (the worker:
-- 'worker'; a platform: 'platform/ID'); the year's income is their sum. Each declaration is
-- also an entry of the log, so the history is kept there.
CREATE TABLE occasional_income (
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    year INTEGER NOT NULL,
    declarer TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    declared_at_us BIGINT NOT NULL,
    PRIMARY KEY (worker_id, year, declarer)
);
