-- A payment's amount on its entry: its two postings (the payer's clearing debited, the
-- worker's receivable credited) follow from it and are no longer written. Set only on payments
-- written without their postings; payments written before keep their stored postings.
ALTER TABLE journal_entries ADD COLUMN amount_fen BIGINT;
