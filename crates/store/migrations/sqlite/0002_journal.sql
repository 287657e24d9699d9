-- The ledger's journal (issue 4): append-only entries and their postings, keyed by worker so
-- the journal shards with the rest. Balances are sums of postings, never stored state.

CREATE TABLE journal_entries (
    worker_id INTEGER NOT NULL,
    -- The ledger's deterministic id ("42/close/2025-03/0"): a repeat is the same row.
    entry_id TEXT NOT NULL,
    -- Append order within the worker: the ledger is rebuilt by replaying in this order.
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    -- The accounting month booked in, and the contribution month for closes and creditings.
    period INTEGER NOT NULL,
    month INTEGER,
    reference TEXT,
    -- The rules engine's figures, on a month close only.
    income_fen INTEGER,
    base_fen INTEGER,
    contribution_fen INTEGER,
    personal_account_fen INTEGER,
    pooling_fen INTEGER,
    subsidy_fen INTEGER,
    net_fen INTEGER,
    PRIMARY KEY (worker_id, entry_id)
) WITHOUT ROWID;

CREATE TABLE journal_postings (
    worker_id INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (worker_id, entry_id, line)
) WITHOUT ROWID;

-- Every close and reopen of a contribution month, with the policy that closed it.
CREATE TABLE month_closes (
    month INTEGER NOT NULL,
    run INTEGER NOT NULL,
    action TEXT NOT NULL,
    region TEXT NOT NULL,
    policy TEXT NOT NULL,
    workers INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    at_us INTEGER NOT NULL,
    PRIMARY KEY (month, run)
);

-- Append-only: a correction is a reversal plus a new entry, never an edit.
CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries BEGIN SELECT RAISE(ABORT, 'journal_entries is append-only'); END;
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries BEGIN SELECT RAISE(ABORT, 'journal_entries is append-only'); END;
CREATE TRIGGER journal_postings_no_update BEFORE UPDATE ON journal_postings BEGIN SELECT RAISE(ABORT, 'journal_postings is append-only'); END;
CREATE TRIGGER journal_postings_no_delete BEFORE DELETE ON journal_postings BEGIN SELECT RAISE(ABORT, 'journal_postings is append-only'); END;
CREATE TRIGGER month_closes_no_update BEFORE UPDATE ON month_closes BEGIN SELECT RAISE(ABORT, 'month_closes is append-only'); END;
CREATE TRIGGER month_closes_no_delete BEFORE DELETE ON month_closes BEGIN SELECT RAISE(ABORT, 'month_closes is append-only'); END;
