//! The freeze (冻结) of a worker's account, which a transfer between agencies needs: while a
//! worker is frozen, nothing moves their account here. The month close of a month they are
//! enrolled in, a payment (single or a payment-file row) and a new enrolment are refused with
//! an error that names the freeze; nothing is skipped silently. Freezing and unfreezing are
//! events of the tamper-evident log (`worker_freeze`, `worker_unfreeze`, with the reason's digest).

use crate::backend::{Sql, Tx};
use crate::ids::{WorkerId, month_code};
use crate::log::entry::Record;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use serde::Serialize;

/// The longest reason, in characters.
pub const MAX_FREEZE_REASON: usize = 200;

/// A worker's freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freeze {
    pub worker: WorkerId,
    pub reason: String,
    /// Since when, microseconds since the Unix epoch.
    pub frozen_at_us: i64,
}

fn check_reason(reason: &str) -> Result<String> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(StoreError::invalid("reason", "a freeze needs a reason"));
    }
    if r.chars().count() > MAX_FREEZE_REASON || r.chars().any(char::is_control) {
        return Err(StoreError::invalid("reason", format!("at most {MAX_FREEZE_REASON} characters, no control characters")));
    }
    Ok(r.to_string())
}

impl Freeze {
    /// The refusal of `what` (e.g. "a payment") for this frozen worker.
    pub fn refusal(&self, what: &str) -> StoreError {
        StoreError::Frozen { worker: self.worker.0, reason: self.reason.clone(), what: what.to_string() }
    }
}

/// The log holds the reason's SHA-256 (hex), not its words: a reason is free text and personal
/// data never enters the log. Whoever reads the reason in the store can match it.
fn reason_digest(reason: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(reason.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

type FreezeRow = (i64, String, i64);

fn freeze_from((worker, reason, frozen_at_us): FreezeRow) -> Freeze {
    Freeze { worker: WorkerId(worker), reason, frozen_at_us }
}

impl Tx {
    /// Refuse `what` for a frozen worker (inside the transaction that would do it).
    pub(crate) async fn check_not_frozen(&mut self, worker: WorkerId, what: &str) -> Result<()> {
        let row: Option<FreezeRow> = Sql::new("SELECT worker_id, reason, frozen_at_us FROM worker_freezes WHERE worker_id = $1")
            .bind(worker.0)
            .fetch_optional(&mut *self)
            .await?;
        match row {
            Some(f) => Err(freeze_from(f).refusal(what)),
            None => Ok(()),
        }
    }
}

impl Tx {
    /// Refuse a journal operation (`what`) touching `workers` (in `lo..=hi`) when one of them is
    /// frozen. Operations on no named worker (interest) are not refused.
    pub(crate) async fn check_none_frozen(&mut self, lo: i64, hi: i64, workers: &[i64], what: &str) -> Result<()> {
        if workers.is_empty() {
            return Ok(());
        }
        let rows: Vec<FreezeRow> = Sql::new(
            "SELECT worker_id, reason, frozen_at_us FROM worker_freezes WHERE worker_id >= $1 AND worker_id <= $2 ORDER BY worker_id",
        )
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *self)
        .await?;
        match rows.into_iter().map(freeze_from).find(|f| workers.contains(&f.worker.0)) {
            Some(f) => Err(f.refusal(&format!("a journal write ({what})"))),
            None => Ok(()),
        }
    }
}

impl Store {
    /// Freeze a worker's account with a reason (e.g. a transfer to another region under way).
    /// Refused for an unknown worker and for one already frozen.
    pub async fn freeze_worker(&self, worker: WorkerId, reason: &str) -> Result<Freeze> {
        let reason = check_reason(reason)?;
        let at_us = self.now_us();
        let mut tx = self.db().begin_write().await?;
        // Lock the worker's row (PostgreSQL) so a freeze and another change of them take turns.
        let n = Sql::new("UPDATE workers SET id = id WHERE id = $1").bind(worker.0).execute(&mut tx).await?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "worker", key: worker.to_string() });
        }
        // The journal's lock on the worker: a payment or close under way finishes first.
        tx.lock_workers(worker.0, worker.0, &[]).await?;
        if let Some(f) = self.freeze_in(&mut tx, worker).await? {
            return Err(StoreError::Exists { what: "freeze", key: format!("worker {} is already frozen: {}", worker.0, f.reason) });
        }
        Sql::new("INSERT INTO worker_freezes (worker_id, reason, frozen_at_us) VALUES ($1, $2, $3)")
            .bind(worker.0)
            .bind(&reason)
            .bind(at_us)
            .execute(&mut tx)
            .await?;
        tx.log_append(
            &Record::new("worker_freeze", at_us, serde_json::json!({"reason_digest": reason_digest(&reason), "worker": worker.0})),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(Freeze { worker, reason, frozen_at_us: at_us })
    }

    /// Lift a worker's freeze; gives the freeze lifted. Refused when the worker is not frozen.
    pub async fn unfreeze_worker(&self, worker: WorkerId) -> Result<Freeze> {
        let at_us = self.now_us();
        let mut tx = self.db().begin_write().await?;
        Sql::new("UPDATE workers SET id = id WHERE id = $1").bind(worker.0).execute(&mut tx).await?;
        let f = self
            .freeze_in(&mut tx, worker)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "freeze", key: format!("worker {}", worker.0) })?;
        Sql::new("DELETE FROM worker_freezes WHERE worker_id = $1").bind(worker.0).execute(&mut tx).await?;
        tx.log_append(
            &Record::new("worker_unfreeze", at_us, serde_json::json!({"reason_digest": reason_digest(&f.reason), "worker": worker.0})),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(f)
    }

    /// A worker's freeze, if frozen.
    pub async fn freeze(&self, worker: WorkerId) -> Result<Option<Freeze>> {
        let row: Option<FreezeRow> = Sql::new("SELECT worker_id, reason, frozen_at_us FROM worker_freezes WHERE worker_id = $1")
            .bind(worker.0)
            .fetch_optional(self.db())
            .await?;
        Ok(row.map(freeze_from))
    }

    async fn freeze_in(&self, tx: &mut Tx, worker: WorkerId) -> Result<Option<Freeze>> {
        let row: Option<FreezeRow> = Sql::new("SELECT worker_id, reason, frozen_at_us FROM worker_freezes WHERE worker_id = $1")
            .bind(worker.0)
            .fetch_optional(tx)
            .await?;
        Ok(row.map(freeze_from))
    }

    /// Every frozen worker, by worker.
    pub async fn freezes(&self) -> Result<Vec<Freeze>> {
        let rows: Vec<FreezeRow> =
            Sql::new("SELECT worker_id, reason, frozen_at_us FROM worker_freezes ORDER BY worker_id").fetch_all(self.db()).await?;
        Ok(rows.into_iter().map(freeze_from).collect())
    }

    /// Refuse the close of `month` while a worker enrolled in it (employee pension) is frozen.
    pub(crate) async fn check_close_not_frozen(&self, month: YearMonth) -> Result<()> {
        const SQL: &str = "SELECT f.worker_id, f.reason, f.frozen_at_us FROM worker_freezes f WHERE EXISTS (SELECT 1 FROM enrolments e \
            WHERE e.worker_id = f.worker_id AND e.scheme = 'employee_pension' AND e.from_month <= $1 AND (e.to_month IS NULL OR e.to_month >= $1)) \
            ORDER BY f.worker_id LIMIT 1";
        let row: Option<FreezeRow> = Sql::new(SQL).bind(month_code(month)).fetch_optional(self.db()).await?;
        match row {
            Some(f) => Err(freeze_from(f).refusal(&format!("the close of {month}"))),
            None => Ok(()),
        }
    }
}
