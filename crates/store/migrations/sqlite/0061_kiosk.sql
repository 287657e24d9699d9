-- The self-service terminal (智能自助终端): one-time sign-in codes and the texts that carry them.
--
-- A code is asked for with an ID number; the terminal keeps a random ticket in a cookie and the
-- store keeps only keyed hashes of the ticket and of the code (the server holds the key). A
-- ticket is stored for an unknown ID number too (worker_id NULL, a code nobody receives), so
-- known and unknown numbers are answered and counted alike. Tries are counted in one statement.
CREATE TABLE kiosk_codes (
    ticket_hash BLOB PRIMARY KEY,
    worker_id INTEGER REFERENCES workers (id),
    code_hash BLOB NOT NULL,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at_us INTEGER
);
CREATE INDEX kiosk_codes_expires ON kiosk_codes (expires_at_us);

-- Text messages to send, in order. A gateway adapter sends them and marks them sent (`serve
-- --sms-file` is the development adapter: it appends each to a file). The registered phone is
-- kept only as a keyed hash, so a text is addressed to the worker (and shown by the masked
-- number); the adapter resolves the number in the agency's registry. The text (it holds the
-- code) is blanked once sent, or once its code has expired.
CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY,
    worker_id INTEGER NOT NULL REFERENCES workers (id),
    phone_masked TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL,
    sent_at_us INTEGER
);
CREATE INDEX sms_outbox_unsent ON sms_outbox (sent_at_us, id);
