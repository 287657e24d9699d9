-- Login throttling (docs/PEOPLE.md): one counter per keyed hash of a login text, a client
-- address or a device cookie. Attempts are counted before the password is checked, in one
-- statement, so parallel attempts cannot all pass. Unknown logins get counters too, so a lock
-- says nothing about who is enrolled. The server makes the keys; the store sees only hashes.
CREATE TABLE login_throttle (
    key BYTEA PRIMARY KEY,
    attempts BIGINT NOT NULL,
    window_end_us BIGINT NOT NULL
);
CREATE INDEX login_throttle_window_end ON login_throttle (window_end_us);

-- The per-account counter of 0010 is replaced by the table above.
ALTER TABLE people DROP COLUMN failed_logins;
ALTER TABLE people DROP COLUMN locked_until_us;
