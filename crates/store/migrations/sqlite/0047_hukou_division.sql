-- no-transaction
-- A worker's hukou_region may be any mainland administrative division code (GB/T 2260, e.g.
-- 330106) as well as a registered region code: it loses its foreign key to regions, and the
-- province derived from it is kept in hukou_province (NULL for rows registered before).
--
-- SQLite cannot drop a constraint, so the table is rebuilt (the documented procedure: foreign
-- keys off outside the transaction, new table, copy, drop, rename, indexes, check, commit).
-- Other tables keep referring to workers (id); ids, data and indexes are kept.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE workers_0047 (
    id INTEGER PRIMARY KEY,
    id_hash BLOB NOT NULL UNIQUE,
    id_masked TEXT NOT NULL,
    birth_month INTEGER NOT NULL,
    sex TEXT NOT NULL,
    name TEXT NOT NULL,
    phone_hash BLOB NOT NULL,
    phone_masked TEXT NOT NULL,
    hukou_region TEXT NOT NULL,
    home_grid_id INTEGER NOT NULL REFERENCES grids (id),
    created_at_us INTEGER NOT NULL,
    id_salt BLOB,
    id_commit BLOB,
    log_idx INTEGER,
    hukou_province TEXT
);
INSERT INTO workers_0047 (id, id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region,
    home_grid_id, created_at_us, id_salt, id_commit, log_idx)
SELECT id, id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region,
    home_grid_id, created_at_us, id_salt, id_commit, log_idx FROM workers;
DROP TABLE workers;
ALTER TABLE workers_0047 RENAME TO workers;
CREATE INDEX workers_phone ON workers (phone_hash);
CREATE INDEX workers_grid ON workers (home_grid_id);
COMMIT;
PRAGMA foreign_keys = ON;
