//! The outreach model's features from the store (de-identified: the store's worker number,
//! never an ID number or a phone), and whether each worker had the employee pension in the month:
//! the table `outreach fit` learns the store's own joining from. Two optional features too: in how
//! many grid cells the worker's orders were (a count, never which cells) and whether an enrolment
//! of theirs has ended (history, apart from the label: being enrolled in the month).

use crate::backend::Sql;
use crate::ids::{month_code, month_from_code};
use crate::registry::hukou_province;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use std::collections::{BTreeMap, HashMap};

/// How far back the features look: a year of incomes and orders.
pub const FEATURE_WINDOW_MONTHS: i64 = 12;

/// One worker's figures in a month, as the outreach model takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutreachFeatures {
    /// The store's worker number.
    pub worker: i64,
    pub age: u32,
    /// Hukou in another province than the store's region.
    pub migrant: bool,
    /// Months with income up to the month, ever.
    pub months_active: u32,
    /// Platforms with income in the window.
    pub platforms: u32,
    /// Mean income of the window's months with income, fen.
    pub income_fen: i64,
    /// Standard deviation ÷ mean of those months' incomes.
    pub income_cv: f64,
    /// Share of the window's orders settled in the night hours (China time).
    pub night_share: f64,
    /// Distinct grid cells the window's orders came from.
    pub grids: u32,
    /// An enrolment in a pension or medical insurance that ended before the month (injury cover,
    /// which the platform pays, is not the worker's own history).
    pub ever_enrolled: bool,
    pub enrolled: bool,
}

#[derive(sqlx::FromRow)]
struct WorkerRow {
    id: i64,
    birth_month: i32,
    hukou_region: String,
}

impl Store {
    /// Every worker with income in the year up to `month`; night is `night.0` o'clock to
    /// `night.1` o'clock (crossing midnight when the second is smaller).
    pub async fn outreach_features(&self, month: YearMonth, night: (u32, u32)) -> Result<Vec<OutreachFeatures>> {
        if night.0 > 23 || night.1 > 23 || night.0 == night.1 {
            return Err(StoreError::invalid("night", "two different hours from 0 to 23"));
        }
        let first = month
            .add_months(1 - FEATURE_WINDOW_MONTHS)
            .ok_or_else(|| StoreError::invalid("month", "the window starts before the calendar"))?;
        let (lo, hi) = (month_code(first), month_code(month));
        let region = self.region().await?.unwrap_or_else(|| "zj".into());
        let home = hukou_province(&region).ok().flatten();
        let incomes: Vec<(i64, i32, i64)> =
            Sql::new("SELECT worker_id, month, CAST(SUM(income_fen) AS BIGINT) FROM month_income WHERE month BETWEEN $1 AND $2 GROUP BY worker_id, month")
                .bind(lo)
                .bind(hi)
                .fetch_all(self.db())
                .await?;
        let mut by_worker: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (w, _, fen) in incomes {
            by_worker.entry(w).or_default().push(fen);
        }
        let count = |sql: &'static str, a: i32, b: i32| Sql::new(sql).bind(a).bind(b);
        let platforms: HashMap<i64, i64> = count(
            "SELECT worker_id, COUNT(DISTINCT platform_id) FROM month_income WHERE month BETWEEN $1 AND $2 GROUP BY worker_id",
            lo,
            hi,
        )
        .fetch_all::<(i64, i64)>(self.db())
        .await?
        .into_iter()
        .collect();
        let active: HashMap<i64, i64> =
            count("SELECT worker_id, COUNT(DISTINCT month) FROM month_income WHERE month BETWEEN $1 AND $2 GROUP BY worker_id", 0, hi)
                .fetch_all::<(i64, i64)>(self.db())
                .await?
                .into_iter()
                .collect();
        // The hour of the day in China (UTC+8) from the settlement time in microseconds.
        let night_sql = if night.0 < night.1 {
            "SELECT worker_id, COUNT(*), CAST(SUM(CASE WHEN ((settled_at_us / 1000000 + 28800) % 86400) / 3600 BETWEEN $3 AND $4 - 1 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM earnings WHERE month BETWEEN $1 AND $2 GROUP BY worker_id"
        } else {
            "SELECT worker_id, COUNT(*), CAST(SUM(CASE WHEN ((settled_at_us / 1000000 + 28800) % 86400) / 3600 >= $3 \
             OR ((settled_at_us / 1000000 + 28800) % 86400) / 3600 < $4 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM earnings WHERE month BETWEEN $1 AND $2 GROUP BY worker_id"
        };
        let nights: HashMap<i64, (i64, i64)> = Sql::new(night_sql)
            .bind(lo)
            .bind(hi)
            .bind(night.0 as i64)
            .bind(night.1 as i64)
            .fetch_all::<(i64, i64, i64)>(self.db())
            .await?
            .into_iter()
            .map(|(w, n, k)| (w, (n, k)))
            .collect();
        let grids: HashMap<i64, i64> =
            count("SELECT worker_id, COUNT(DISTINCT grid_id) FROM earnings WHERE month BETWEEN $1 AND $2 GROUP BY worker_id", lo, hi)
                .fetch_all::<(i64, i64)>(self.db())
                .await?
                .into_iter()
                .collect();
        let ended: std::collections::HashSet<i64> =
            Sql::new("SELECT DISTINCT worker_id FROM enrolments WHERE scheme <> 'injury_cover' AND to_month IS NOT NULL AND to_month < $1")
                .bind(hi)
                .scalars::<i64>(self.db())
                .await?
                .into_iter()
                .collect();
        let enrolled: std::collections::HashSet<i64> = Sql::new(
            "SELECT DISTINCT worker_id FROM enrolments WHERE scheme = 'employee_pension' AND from_month <= $1 AND (to_month IS NULL OR to_month >= $1)",
        )
        .bind(hi)
        .scalars::<i64>(self.db())
        .await?
        .into_iter()
        .collect();
        let workers: Vec<WorkerRow> =
            Sql::new("SELECT id, birth_month, hukou_region FROM workers ORDER BY id").fetch_all(self.db()).await?;
        let mut out = Vec::with_capacity(by_worker.len());
        for w in workers {
            let Some(months) = by_worker.get(&w.id) else { continue };
            let n = months.len() as f64;
            let mean = months.iter().sum::<i64>() as f64 / n;
            let var = months.iter().map(|m| (*m as f64 - mean).powi(2)).sum::<f64>() / n;
            let age = month_from_code(w.birth_month).map(|b| (month.index() - b.index()).max(0) / 12).unwrap_or(0);
            let (orders, at_night) = nights.get(&w.id).copied().unwrap_or((0, 0));
            let province = hukou_province(&w.hukou_region).ok().flatten();
            out.push(OutreachFeatures {
                worker: w.id,
                age: age as u32,
                migrant: province.is_some() && province != home,
                months_active: active.get(&w.id).copied().unwrap_or(0) as u32,
                platforms: platforms.get(&w.id).copied().unwrap_or(0) as u32,
                income_fen: mean.round() as i64,
                income_cv: if mean > 0.0 { var.sqrt() / mean } else { 0.0 },
                night_share: if orders > 0 { at_night as f64 / orders as f64 } else { 0.0 },
                grids: grids.get(&w.id).copied().unwrap_or(0) as u32,
                ever_enrolled: ended.contains(&w.id),
                enrolled: enrolled.contains(&w.id),
            });
        }
        Ok(out)
    }
}

/// A month's model: what it was trained on and how it did on held-out rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutreachRun {
    /// `YYYY-MM`.
    pub month: String,
    /// The model file (JSON), as `outreach fit --model` writes it.
    pub model: String,
    pub trained_on: String,
    /// Held-out AUC in millionths.
    pub auc_ppm: i64,
    pub workers: i64,
}

/// One worker's score in a month.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct OutreachScore {
    pub worker_id: i64,
    /// The propensity to join in millionths.
    pub p_ppm: i64,
    /// A scheme's code (`employee_pension`, `residents_pension`, `injury_cover`).
    pub product: String,
    pub base_fen: Option<i64>,
    /// The three reasons, strongest first: `feature+value` or `feature-value` (raises or lowers),
    /// comma-separated, e.g. `months_active+45,age-26,income_yuan+7020`.
    pub reasons: String,
    pub enrolled: bool,
}

/// A target for the agency: a worker not yet enrolled, likely to join, with what shows on the
/// console (masked).
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct OutreachTarget {
    pub worker_id: i64,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub grid: String,
    pub p_ppm: i64,
    pub product: String,
    pub base_fen: Option<i64>,
    pub reasons: String,
}

/// Rows per INSERT when scores are kept: well under both backends' parameter limits.
const SCORES_PER_INSERT: usize = 500;
/// A run keeps at most this many scores (a province's workers in one store).
pub const MAX_OUTREACH_SCORES: usize = 5_000_000;

impl Store {
    /// Keep a month's run and scores, replacing what a run of the same month kept.
    pub async fn outreach_keep(&self, month: YearMonth, run: &OutreachRun, scores: &[OutreachScore]) -> Result<()> {
        if scores.len() > MAX_OUTREACH_SCORES {
            return Err(StoreError::invalid("scores", format!("at most {MAX_OUTREACH_SCORES} in a run")));
        }
        let m = month_code(month);
        let mut tx = self.db().begin_write().await?;
        Sql::new("DELETE FROM outreach_scores WHERE month = $1").bind(m).execute(&mut tx).await?;
        Sql::new("DELETE FROM outreach_runs WHERE month = $1").bind(m).execute(&mut tx).await?;
        Sql::new("INSERT INTO outreach_runs (month, model, trained_on, auc_ppm, workers, created_at_us) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(m)
            .bind(run.model.clone())
            .bind(run.trained_on.clone())
            .bind(run.auc_ppm)
            .bind(run.workers)
            .bind(self.now_us())
            .execute(&mut tx)
            .await?;
        for part in scores.chunks(SCORES_PER_INSERT) {
            let rows: Vec<String> = (0..part.len()).map(|i| format!("({})", crate::backend::placeholders(i * 7 + 1, 7))).collect();
            let sql = format!(
                "INSERT INTO outreach_scores (month, worker_id, p_ppm, product, base_fen, reasons, enrolled) VALUES {}",
                rows.join(",")
            );
            let q = part.iter().fold(Sql::built(sql), |q, s| {
                q.bind(m).bind(s.worker_id).bind(s.p_ppm).bind(s.product.clone()).bind(s.base_fen).bind(s.reasons.clone()).bind(s.enrolled)
            });
            q.execute(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The latest month's run, if any.
    pub async fn outreach_run(&self) -> Result<Option<OutreachRun>> {
        let row: Option<(i32, String, String, i64, i64)> =
            Sql::new("SELECT month, model, trained_on, auc_ppm, workers FROM outreach_runs ORDER BY month DESC LIMIT 1")
                .fetch_optional(self.db())
                .await?;
        row.map(|(m, model, trained_on, auc_ppm, workers)| {
            let month = month_from_code(m).ok_or_else(|| StoreError::Corrupt(format!("outreach month {m}")))?;
            Ok(OutreachRun { month: month.to_string(), model, trained_on, auc_ppm, workers })
        })
        .transpose()
    }

    /// The latest run's schemes: how many workers each fits, and how many of them are enrolled.
    pub async fn outreach_mix(&self) -> Result<Vec<(String, i64, i64)>> {
        Sql::new(
            "SELECT product, COUNT(*), CAST(SUM(CASE WHEN enrolled THEN 1 ELSE 0 END) AS BIGINT) FROM outreach_scores \
             WHERE month = (SELECT MAX(month) FROM outreach_runs) GROUP BY product ORDER BY product",
        )
        .fetch_all(self.db())
        .await
    }

    /// The latest run's workers not enrolled, most likely to join first (in a grid when given),
    /// at most `limit`.
    pub async fn outreach_targets(&self, grid: Option<&str>, limit: i64) -> Result<Vec<OutreachTarget>> {
        Sql::new(
            "SELECT s.worker_id, w.name, w.id_masked, w.phone_masked, g.code AS grid, s.p_ppm, s.product, s.base_fen, s.reasons \
             FROM outreach_scores s JOIN workers w ON w.id = s.worker_id JOIN grids g ON g.id = w.home_grid_id \
             WHERE s.month = (SELECT MAX(month) FROM outreach_runs) AND NOT s.enrolled AND ($1 IS NULL OR g.code = $1) \
             ORDER BY s.p_ppm DESC, s.worker_id LIMIT $2",
        )
        .bind(grid.map(str::to_string))
        .bind(limit.clamp(0, 1000))
        .fetch_all(self.db())
        .await
    }
}
