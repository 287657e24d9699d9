-- Transfers between insurance regions (转移接续): one row per transfer at each agency, the
-- months a transfer brought in, and which inbox messages have been handled (each handler runs
-- to its end once; a message received again is not handled again).
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    -- 'in': this agency receives (转入地); 'out': this agency sends (转出地).
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    peer TEXT NOT NULL,
    worker_id INTEGER REFERENCES workers (id),
    state TEXT NOT NULL,
    reason TEXT,
    applied_on TEXT NOT NULL,
    review_due TEXT NOT NULL,
    handover_due TEXT NOT NULL,
    completion_due TEXT NOT NULL,
    working_days INTEGER NOT NULL,
    months INTEGER NOT NULL DEFAULT 0,
    pool_transfer_fen INTEGER NOT NULL DEFAULT 0,
    account_fen INTEGER NOT NULL DEFAULT 0,
    interest_fen INTEGER NOT NULL DEFAULT 0,
    -- The signed transfer voucher (a note by the sending region's log key) and its proof bundle.
    voucher TEXT,
    bundle TEXT,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL
);
-- At most one open transfer per worker and direction.
CREATE UNIQUE INDEX transfers_open ON transfers (direction, worker_id) WHERE state NOT IN ('completed', 'refused');
CREATE INDEX transfers_worker ON transfers (worker_id);

CREATE TABLE transfer_months (
    transfer_id TEXT NOT NULL REFERENCES transfers (id),
    worker_id INTEGER NOT NULL,
    -- The region the month was paid in.
    region TEXT NOT NULL,
    month INTEGER NOT NULL,
    base_fen INTEGER NOT NULL,
    contribution_fen INTEGER NOT NULL,
    personal_account_fen INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, month)
);
CREATE INDEX transfer_months_worker ON transfer_months (worker_id);

CREATE TABLE agency_handled (
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    handled_at_us INTEGER NOT NULL,
    PRIMARY KEY (sender, message_id)
);
