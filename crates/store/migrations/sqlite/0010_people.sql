-- People who log in (workers, platforms' staff, agency officers) and their sessions.
-- Numbered 0010 so other work can take 0002-0009 without a clash. See docs/PEOPLE.md.

-- A person's scope is exactly one of: a worker, a platform, an insurance region (officer).
-- The password is kept only as an argon2id PHC string, made by the server.
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    role TEXT NOT NULL,
    login TEXT NOT NULL UNIQUE,
    password_phc TEXT NOT NULL,
    worker_id INTEGER REFERENCES workers (id),
    platform_id INTEGER REFERENCES platforms (id),
    region_code TEXT REFERENCES regions (code),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until_us INTEGER NOT NULL DEFAULT 0,
    created_at_us INTEGER NOT NULL
);

-- Only the SHA-256 of each session id: a copy of this table logs nobody in.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id),
    csrf TEXT NOT NULL,
    expires_at_us INTEGER NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);
