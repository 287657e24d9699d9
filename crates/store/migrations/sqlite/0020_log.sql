-- The tamper-evident log (issue 5; docs/LOG.md). Entries are sequenced inside the transaction
-- of the event they record (so an event and its entry commit together, or neither), and
-- integrated into the Merkle tree afterwards, when the region signs a checkpoint.

-- One row: `size` entries sequenced, `integrated` of them hashed into the tree.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    integrated INTEGER NOT NULL
);
INSERT INTO log_head (id, size, integrated) VALUES (1, 0, 0);

-- The entries: canonical event records (JSON bytes). `rows` holds, for a batch entry, the leaf
-- hashes of its rows in order (32 bytes each): the batch's own Merkle tree, for row proofs.
CREATE TABLE log_entries (
    idx INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    body BLOB NOT NULL,
    rows BLOB,
    at_us INTEGER NOT NULL
);

-- The tree's stored hashes, numbered as Go's sumdb/tlog numbers them (about two per entry).
CREATE TABLE log_hashes (
    id INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
);

-- Every checkpoint the region signed; cosignature lines are added to `note` as witnesses sign.
CREATE TABLE log_checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL,
    cosigned INTEGER NOT NULL DEFAULT 0,
    at_us INTEGER NOT NULL
);

-- The size each witness last cosigned (the `old` of the next request to it).
CREATE TABLE log_witnesses (
    name TEXT PRIMARY KEY,
    size INTEGER NOT NULL
);

-- Issued contribution vouchers: the signed voucher text and its log entry.
CREATE TABLE vouchers (
    id TEXT PRIMARY KEY,
    worker_id INTEGER NOT NULL,
    note TEXT NOT NULL,
    log_idx INTEGER NOT NULL,
    at_us INTEGER NOT NULL
);

-- Workers: a salted commitment to the resident ID (the salt is never in the log), and the
-- entry that registered them.
ALTER TABLE workers ADD COLUMN id_salt BLOB;
ALTER TABLE workers ADD COLUMN id_commit BLOB;
ALTER TABLE workers ADD COLUMN log_idx INTEGER;
ALTER TABLE batches ADD COLUMN log_idx INTEGER;
ALTER TABLE journal_entries ADD COLUMN log_idx INTEGER;

CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END;
CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries BEGIN SELECT RAISE(ABORT, 'log_entries is append-only'); END;
CREATE TRIGGER log_hashes_no_update BEFORE UPDATE ON log_hashes BEGIN SELECT RAISE(ABORT, 'log_hashes is append-only'); END;
CREATE TRIGGER log_hashes_no_delete BEFORE DELETE ON log_hashes BEGIN SELECT RAISE(ABORT, 'log_hashes is append-only'); END;
