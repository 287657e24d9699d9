-- The ledger's journal (issue 4): append-only entries and their postings, keyed by worker so
-- the journal shards with the rest. Balances are sums of postings, never stored state.

CREATE TABLE journal_entries (
    worker_id BIGINT NOT NULL,
    -- The ledger's deterministic id ("42/close/2025-03/0"): a repeat is the same row.
    entry_id TEXT COLLATE "C" NOT NULL,
    -- Append order within the worker: the ledger is rebuilt by replaying in this order.
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    -- The accounting month booked in, and the contribution month for closes and creditings.
    period INTEGER NOT NULL,
    month INTEGER,
    reference TEXT,
    -- The rules engine's figures, on a month close only.
    income_fen BIGINT,
    base_fen BIGINT,
    contribution_fen BIGINT,
    personal_account_fen BIGINT,
    pooling_fen BIGINT,
    subsidy_fen BIGINT,
    net_fen BIGINT,
    PRIMARY KEY (worker_id, entry_id)
);

CREATE TABLE journal_postings (
    worker_id BIGINT NOT NULL,
    entry_id TEXT COLLATE "C" NOT NULL,
    line INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (worker_id, entry_id, line)
);

-- One row per worker with journal entries: the lock that serialises a worker's operations
-- (SELECT ... FOR UPDATE), so a payment and a month close never work from the same snapshot.
CREATE TABLE ledger_workers (
    worker_id BIGINT PRIMARY KEY
);

-- Every close and reopen of a contribution month, with the policy that closed it.
CREATE TABLE month_closes (
    month INTEGER NOT NULL,
    run INTEGER NOT NULL,
    action TEXT NOT NULL,
    region TEXT NOT NULL,
    policy TEXT NOT NULL,
    workers BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    at_us BIGINT NOT NULL,
    PRIMARY KEY (month, run)
);

-- Append-only: a correction is a reversal plus a new entry, never an edit.
CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER journal_postings_append_only BEFORE UPDATE OR DELETE ON journal_postings FOR EACH ROW EXECUTE FUNCTION journal_append_only();
CREATE TRIGGER month_closes_append_only BEFORE UPDATE OR DELETE ON month_closes FOR EACH ROW EXECUTE FUNCTION journal_append_only();
