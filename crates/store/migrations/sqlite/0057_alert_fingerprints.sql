-- The fingerprint of the figures an open alert's reasons were told from (the rules core's
-- monitor::Figures::fingerprint): a monitor run compares it, not the two texts, and tells the
-- reasons again only when it differs. 0 for alerts written before: told again once.
ALTER TABLE alerts ADD COLUMN why_hash BIGINT NOT NULL DEFAULT 0;
