-- The policy-fit profile (政策适配度画像): a month's model and each worker's score, the scheme
-- that fits and the three reasons. A run for a month replaces that month's rows.
CREATE TABLE outreach_runs (
    month INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    trained_on TEXT NOT NULL,
    auc_ppm BIGINT NOT NULL,
    workers BIGINT NOT NULL,
    created_at_us BIGINT NOT NULL
);
CREATE TABLE outreach_scores (
    month INTEGER NOT NULL,
    worker_id BIGINT NOT NULL REFERENCES workers (id),
    p_ppm BIGINT NOT NULL,
    product TEXT NOT NULL,
    base_fen BIGINT,
    reasons TEXT NOT NULL,
    enrolled BOOLEAN NOT NULL,
    PRIMARY KEY (month, worker_id)
);
CREATE INDEX outreach_scores_targets ON outreach_scores (month, enrolled, p_ppm);
