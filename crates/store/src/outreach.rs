//! The outreach model's features from the store (de-identified: the store's worker number,
//! never an ID number or a phone), and whether each worker had the employee pension in the month:
//! the table `outreach fit` learns the store's own joining from.

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
                enrolled: enrolled.contains(&w.id),
            });
        }
        Ok(out)
    }
}
