//! The contribution base a worker chooses between the region's limits for the coming months.
//! The month close bills the latest choice made for a month not after the one it closes
//! (`chosen_bases`); without one, the lower limit. The chosen base is kept on each close entry's
//! due (`base_fen`), so the close's postings are still derived from the stored due on reading.

use crate::backend::Sql;
use crate::enrol::Scheme;
use crate::ids::{WorkerId, month_code, month_from_code};
use crate::log::entry::Record;
use crate::{Result, Store, StoreError};
use flexpension_rules::money::yuan;
use flexpension_rules::{Fen, Scenario, YearMonth};
use serde::Serialize;
use std::collections::HashMap;

/// A recorded choice of base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BaseChoice {
    pub worker: WorkerId,
    pub seq: i32,
    pub from: YearMonth,
    pub base_fen: Fen,
    /// The region's limits in `from`.
    pub lower_fen: Fen,
    pub upper_fen: Fen,
}

impl Store {
    /// Choose the base the employee pension bills from `from` on. Refused (field `base_fen`)
    /// outside the region's limits for `from`, (field `from`) for a month already closed or
    /// past, or when the worker is not in the employee pension in `from`.
    pub async fn choose_base(&self, scenario: &Scenario<'_>, worker: WorkerId, from: YearMonth, base_fen: Fen) -> Result<BaseChoice> {
        if self.worker(worker).await?.is_none() {
            return Err(StoreError::NotFound { what: "worker", key: worker.to_string() });
        }
        let now = self.this_month();
        if from < now {
            return Err(StoreError::invalid("from", format!("{from} is past: a base is chosen for this month ({now}) or later")));
        }
        let closed: Option<i32> = Sql::new("SELECT MAX(month) FROM month_closes").scalar(self.db()).await?;
        if let Some(c) = closed.filter(|c| *c >= month_code(from)).and_then(month_from_code) {
            return Err(StoreError::invalid("from", format!("{c} is already closed: choose from the month after it")));
        }
        let (rules, _) = scenario.month_rules(from).map_err(|e| StoreError::invalid("from", e.to_string()))?;
        let (lower, upper) = (rules.base_lower_fen, rules.base_upper_fen);
        if !(lower..=upper).contains(&base_fen) {
            return Err(StoreError::invalid(
                "base_fen",
                format!(
                    "{} yuan is outside the limits for {from}: choose between {} and {} yuan",
                    yuan(base_fen),
                    yuan(lower),
                    yuan(upper)
                ),
            ));
        }
        let enrolled = self.enrolments(worker).await?.into_iter().any(|e| e.scheme == Scheme::EmployeePension && e.covers(from));
        if !enrolled {
            return Err(StoreError::invalid("from", format!("the worker is not in the employee pension in {from}: enrol first")));
        }
        let mut tx = self.db().begin_write().await?;
        Sql::new("UPDATE workers SET id = id WHERE id = $1").bind(worker.0).execute(&mut tx).await?;
        let seq: i64 = Sql::new("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM base_choices WHERE worker_id = $1")
            .bind(worker.0)
            .scalar(&mut tx)
            .await?;
        let seq = i32::try_from(seq).map_err(|_| StoreError::invalid("from", "too many choices"))?;
        let at = self.now_us();
        Sql::new("INSERT INTO base_choices (worker_id, seq, from_month, base_fen, created_at_us) VALUES ($1, $2, $3, $4, $5)")
            .bind(worker.0)
            .bind(seq)
            .bind(month_code(from))
            .bind(base_fen)
            .bind(at)
            .execute(&mut tx)
            .await?;
        let rec = Record::new(
            "base_choice",
            at,
            serde_json::json!({"base_fen": base_fen, "from": from.to_string(), "seq": seq, "worker": worker.0}),
        );
        tx.log_append(&rec, None).await?;
        tx.commit().await?;
        Ok(BaseChoice { worker, seq, from, base_fen, lower_fen: lower, upper_fen: upper })
    }

    /// The base the worker chose for `month` (the latest choice from that month or before).
    pub async fn chosen_base(&self, worker: WorkerId, month: YearMonth) -> Result<Option<Fen>> {
        Ok(self.chosen_bases(month, worker.0, worker.0).await?.get(&worker.0).copied())
    }

    /// The chosen bases of the workers `lo..=hi` for `month` (one read of an index range; the
    /// month close calls it once per chunk of workers).
    pub(crate) async fn chosen_bases(&self, month: YearMonth, lo: i64, hi: i64) -> Result<HashMap<i64, Fen>> {
        const SQL: &str = "SELECT worker_id, base_fen FROM base_choices WHERE worker_id >= $1 AND worker_id <= $2 AND from_month <= $3 \
            ORDER BY worker_id, from_month, seq";
        let rows: Vec<(i64, i64)> = Sql::new(SQL).bind(lo).bind(hi).bind(month_code(month)).fetch_all(self.db()).await?;
        // In that order the last row of a worker is their latest choice.
        Ok(rows.into_iter().collect())
    }
}
