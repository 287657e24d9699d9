-- A platform's declarations of a worker's occasional income on the platform API, by the
-- platform's own reference: the same reference again is the same declaration (nothing written),
-- the same reference with other data is refused.
CREATE TABLE occasional_references (
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    reference TEXT NOT NULL,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    year INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    declared_at_us INTEGER NOT NULL,
    PRIMARY KEY (platform_id, reference)
);
