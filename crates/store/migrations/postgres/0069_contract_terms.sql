-- A collective contract's minimum base, applied by the month close: the part of a worker's
-- contract share that pays for raising their base to the contract's minimum (already inside
-- amount_fen), so the worker's own payment never grows because of the contract.
ALTER TABLE platform_charges ADD COLUMN topup_fen BIGINT NOT NULL DEFAULT 0;
-- Who at the agency approved or withdrew a contract: a staff person's id; none when decided
-- on the command line (the operator).
ALTER TABLE collective_contracts ADD COLUMN decided_by BIGINT;
