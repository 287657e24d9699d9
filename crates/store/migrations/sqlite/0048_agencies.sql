-- Peer agencies (对端经办机构), the signed messages between agencies (outbox written in the
-- transaction of the change that causes a message, inbox keyed by sender and message id), and
-- the freeze of a worker's account that a transfer needs.
CREATE TABLE peers (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    verifier_key TEXT NOT NULL,
    added_at_us INTEGER NOT NULL
);

CREATE TABLE agency_outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    receiver TEXT NOT NULL REFERENCES peers (code),
    kind TEXT NOT NULL,
    signed TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_us INTEGER NOT NULL,
    last_error TEXT,
    delivered_at_us INTEGER
);
CREATE INDEX agency_outbox_due ON agency_outbox (next_attempt_at_us) WHERE delivered_at_us IS NULL;

CREATE TABLE agency_inbox (
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at_s INTEGER NOT NULL,
    body TEXT NOT NULL,
    signed TEXT NOT NULL,
    received_at_us INTEGER NOT NULL,
    PRIMARY KEY (sender, message_id)
);

CREATE TABLE worker_freezes (
    worker_id INTEGER PRIMARY KEY REFERENCES workers (id),
    reason TEXT NOT NULL,
    frozen_at_us INTEGER NOT NULL
);
