-- flexpension store, SQLite. Amounts are integer fen, times microseconds since the Unix epoch
-- (UTC), months YYYYMM integers (UTC+8). See docs/STORE.md.

-- The store's own secrets (the pepper of the keyed hashes), made on first open.
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE grids (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code)
);

CREATE TABLE platforms (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    revenue_band TEXT NOT NULL,
    injury_high_level BOOLEAN NOT NULL,
    created_at_us INTEGER NOT NULL
);

-- Only the SHA-256 of each key: the clear key is shown once, when made.
CREATE TABLE api_keys (
    key_hash BLOB PRIMARY KEY,
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    created_at_us INTEGER NOT NULL,
    revoked_at_us INTEGER
);
CREATE INDEX api_keys_platform ON api_keys (platform_id);

-- The resident ID and the phone are kept only as keyed hashes (HMAC-SHA256 with the pepper)
-- and masked forms.
CREATE TABLE workers (
    id INTEGER PRIMARY KEY,
    id_hash BLOB NOT NULL UNIQUE,
    id_masked TEXT NOT NULL,
    birth_month INTEGER NOT NULL,
    sex TEXT NOT NULL,
    name TEXT NOT NULL,
    phone_hash BLOB NOT NULL,
    phone_masked TEXT NOT NULL,
    hukou_region TEXT NOT NULL REFERENCES regions (code),
    home_grid_id INTEGER NOT NULL REFERENCES grids (id),
    created_at_us INTEGER NOT NULL
);
CREATE INDEX workers_phone ON workers (phone_hash);
CREATE INDEX workers_grid ON workers (home_grid_id);

CREATE TABLE enrolments (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    scheme TEXT NOT NULL,
    from_month INTEGER NOT NULL,
    to_month INTEGER,
    basis TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);
CREATE INDEX enrolments_worker ON enrolments (worker_id, scheme);

-- One row per transaction of platform earnings.
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    platform_id INTEGER NOT NULL REFERENCES platforms (id),
    received_at_us INTEGER NOT NULL,
    accepted INTEGER NOT NULL DEFAULT 0,
    duplicate INTEGER NOT NULL DEFAULT 0,
    conflicting INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    income_fen INTEGER NOT NULL DEFAULT 0,
    premium_fen INTEGER NOT NULL DEFAULT 0
);

-- Request nonces already used by a platform: a replayed signature is refused.
CREATE TABLE nonces (
    platform_id INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    seen_at_us INTEGER NOT NULL,
    PRIMARY KEY (platform_id, nonce)
) WITHOUT ROWID;

-- Settled orders. Keyed for growth by (month, worker); unique per (platform, order id).
-- No foreign keys: the ingest resolves worker, platform and grid before writing, and a probe
-- per row would cost more than the rest of the insert.
CREATE TABLE earnings (
    month INTEGER NOT NULL,
    worker_id INTEGER NOT NULL,
    platform_id INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    settled_at_us INTEGER NOT NULL,
    order_type INTEGER NOT NULL,
    grid_id INTEGER NOT NULL,
    premium_fen INTEGER NOT NULL,
    batch_id INTEGER NOT NULL,
    PRIMARY KEY (month, worker_id, platform_id, order_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX earnings_order ON earnings (platform_id, order_id);

-- A worker's income per month and platform, kept equal to the sum of the earnings rows.
CREATE TABLE month_income (
    month INTEGER NOT NULL,
    worker_id INTEGER NOT NULL,
    platform_id INTEGER NOT NULL,
    income_fen INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    PRIMARY KEY (month, worker_id, platform_id)
) WITHOUT ROWID;

-- The per-order injury premium a platform owes, per month and order type.
CREATE TABLE injury_premiums (
    platform_id INTEGER NOT NULL,
    month INTEGER NOT NULL,
    order_type INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    premium_fen INTEGER NOT NULL,
    PRIMARY KEY (platform_id, month, order_type)
) WITHOUT ROWID;
