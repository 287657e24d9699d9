-- The tamper-evident log (issue 5; docs/LOG.md). Entries are sequenced inside the transaction
-- of the event they record (so an event and its entry commit together, or neither), and
-- integrated into the Merkle tree afterwards, when the region signs a checkpoint.

-- One row: `size` entries sequenced, `integrated` of them hashed into the tree. Sequencing
-- updates this row, so entries get gap-free indices in commit order.
CREATE TABLE log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    integrated BIGINT NOT NULL
);
INSERT INTO log_head (id, size, integrated) VALUES (1, 0, 0);

-- Integration takes this row's lock, so sequencing never waits for hashing.
CREATE TABLE log_tree (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
INSERT INTO log_tree (id) VALUES (1);

CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    body BYTEA NOT NULL,
    rows BYTEA,
    at_us BIGINT NOT NULL
);

CREATE TABLE log_hashes (
    id BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    cosigned INTEGER NOT NULL DEFAULT 0,
    at_us BIGINT NOT NULL
);

CREATE TABLE log_witnesses (
    name TEXT PRIMARY KEY,
    size BIGINT NOT NULL
);

CREATE TABLE vouchers (
    id TEXT PRIMARY KEY,
    worker_id BIGINT NOT NULL,
    note TEXT NOT NULL,
    log_idx BIGINT NOT NULL,
    at_us BIGINT NOT NULL
);

ALTER TABLE workers ADD COLUMN id_salt BYTEA;
ALTER TABLE workers ADD COLUMN id_commit BYTEA;
ALTER TABLE workers ADD COLUMN log_idx BIGINT;
ALTER TABLE batches ADD COLUMN log_idx BIGINT;
ALTER TABLE journal_entries ADD COLUMN log_idx BIGINT;

CREATE FUNCTION log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER log_entries_append_only BEFORE UPDATE OR DELETE ON log_entries FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_hashes_append_only BEFORE UPDATE OR DELETE ON log_hashes FOR EACH ROW EXECUTE FUNCTION log_append_only();
