-- Platform credit ratings (信用评价): one per platform and month; every change is also an
-- entry in the tamper-evident log (`log_idx`).
CREATE TABLE credit_ratings (
    platform_id BIGINT NOT NULL REFERENCES platforms (id),
    month INTEGER NOT NULL,
    active BIGINT NOT NULL,
    insured BIGINT NOT NULL,
    share_bp BIGINT,
    grade TEXT,
    years_under BIGINT NOT NULL,
    sanctioned BIGINT NOT NULL,
    log_idx BIGINT NOT NULL,
    PRIMARY KEY (platform_id, month)
);
CREATE INDEX credit_ratings_month ON credit_ratings (month);
