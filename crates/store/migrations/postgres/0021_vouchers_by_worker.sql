-- A worker's latest voucher (/me/voucher.pdf) without a scan of every voucher.
CREATE INDEX vouchers_by_worker ON vouchers (worker_id, log_idx);
