-- Platform credit ratings (信用评价): one per platform and month; every change is also an
-- entry in the tamper-evident log (`log_idx`).
CREATE TABLE credit_ratings (
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    month INTEGER NOT NULL,
    active INTEGER NOT NULL,
    insured INTEGER NOT NULL,
    share_bp INTEGER,
    grade TEXT,
    years_under INTEGER NOT NULL,
    sanctioned INTEGER NOT NULL,
    log_idx INTEGER NOT NULL,
    PRIMARY KEY (platform_id, month)
);
CREATE INDEX credit_ratings_month ON credit_ratings (month);
