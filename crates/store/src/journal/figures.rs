//! The consoles' figures: a run of months' reports (the pass `flexpension report month` makes),
//! over a region's workers or all, with lapses; every worker's standing; the latest month with
//! data; injury premiums by month.

use crate::backend::Sql;
use crate::ids::{PlatformId, month_code, month_from_code};
use crate::{Result, Store};
use flexpension_ledger::{MonthFigures, Status};
use flexpension_rules::{Fen, YearMonth};
use std::collections::{HashMap, HashSet};

/// Workers per ledger read, as in the month report.
const RANGE: i64 = 50_000;

impl Store {
    /// The report of each of `months` (trial balance left 0) over the workers whose home grid is
    /// in `region` (all when `None`), with how many were lapsed at each month's end under
    /// `lapse_after_months`. `month_report` is this for one month over all workers.
    pub async fn month_figures(&self, months: &[YearMonth], region: Option<&str>, lapse_after_months: u32) -> Result<Vec<MonthFigures>> {
        let keep: Option<HashSet<i64>> = match region {
            None => None,
            Some(r) => Some(
                Sql::new("SELECT w.id FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE g.region_code = $1")
                    .bind(r)
                    .scalars::<i64>(self.db())
                    .await?
                    .into_iter()
                    .collect(),
            ),
        };
        let mut out: Vec<MonthFigures> =
            months.iter().map(|&month| MonthFigures { month, report: Default::default(), lapsed: 0 }).collect();
        if let Some((lo, hi)) = self.journal_bounds().await? {
            let mut start = lo;
            while start <= hi {
                let end = start.saturating_add(RANGE - 1).min(hi);
                let l = self.read_workers(start, end).await?;
                let part = l.month_reports(months, lapse_after_months, |w| keep.as_ref().is_none_or(|k| k.contains(&w.0)));
                for (o, p) in out.iter_mut().zip(part) {
                    o.lapsed += p.lapsed;
                    // The trial balance sums too: every range's postings balance on their own.
                    o.report += p.report;
                }
                start = end.saturating_add(1);
            }
        }
        Ok(out)
    }

    /// Every worker with journal entries and their standing under `lapse_after_months`.
    pub async fn standings(&self, lapse_after_months: u32) -> Result<HashMap<i64, Status>> {
        let mut out = HashMap::new();
        if let Some((lo, hi)) = self.journal_bounds().await? {
            let mut start = lo;
            while start <= hi {
                let end = start.saturating_add(RANGE - 1).min(hi);
                let l = self.read_workers(start, end).await?;
                for w in l.workers() {
                    out.insert(w.0, l.status(w, lapse_after_months));
                }
                start = end.saturating_add(1);
            }
        }
        Ok(out)
    }

    /// The latest month with a close.
    pub async fn latest_closed_month(&self) -> Result<Option<YearMonth>> {
        let m: Option<i32> =
            Sql::new("SELECT MAX(month) FROM journal_entries WHERE kind = 'month_close'").scalar::<Option<i32>>(self.db()).await?;
        Ok(m.and_then(month_from_code))
    }

    /// The latest month with income: of one platform, or of any.
    pub async fn latest_income_month(&self, platform: Option<PlatformId>) -> Result<Option<YearMonth>> {
        let m: Option<i32> = Sql::new("SELECT MAX(month) FROM month_income WHERE ($1 IS NULL OR platform_id = $1)")
            .bind(platform.map(|p| p.0))
            .scalar::<Option<i32>>(self.db())
            .await?;
        Ok(m.and_then(month_from_code))
    }

    /// Injury premiums by month from `from` to `to`: one platform's (all its order types), or
    /// those of the orders worked in a region's grids. Months without premiums are absent.
    pub async fn premiums_by_month(
        &self,
        platform: Option<PlatformId>,
        region: Option<&str>,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<(YearMonth, Fen)>> {
        let rows: Vec<(i32, i64)> = match (platform, region) {
            (Some(p), _) => {
                Sql::new(
                    "SELECT month, CAST(SUM(premium_fen) AS BIGINT) FROM injury_premiums \
                     WHERE platform_id = $1 AND month BETWEEN $2 AND $3 GROUP BY month ORDER BY month",
                )
                .bind(p.0)
                .bind(month_code(from))
                .bind(month_code(to))
                .fetch_all(self.db())
                .await?
            }
            (None, r) => {
                Sql::new(
                    "SELECT e.month, CAST(SUM(e.premium_fen) AS BIGINT) FROM earnings e JOIN grids g ON g.id = e.grid_id \
                     WHERE ($1 IS NULL OR g.region_code = $1) AND e.month BETWEEN $2 AND $3 GROUP BY e.month ORDER BY e.month",
                )
                .bind(r)
                .bind(month_code(from))
                .bind(month_code(to))
                .fetch_all(self.db())
                .await?
            }
        };
        Ok(rows.into_iter().filter_map(|(m, f)| month_from_code(m).map(|m| (m, f))).collect())
    }
}
