//! What platforms and officers see: a month's income per worker and platform, filtered, with
//! totals. The caller's scope becomes a filter here, so a listing never reaches past it.
//! The grid is the worker's home grid.

use crate::backend::Sql;
use crate::ids::{PlatformId, WorkerId, month_code};
use crate::{Result, Store};
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;

/// Which rows: one month, and optionally one platform, region, grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomeFilter {
    pub month: YearMonth,
    pub platform: Option<PlatformId>,
    pub region: Option<String>,
    pub grid: Option<String>,
}

/// A worker's income from one platform in the month. The resident ID only ever masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncomeRow {
    pub worker: WorkerId,
    pub id_masked: String,
    pub name: String,
    pub grid: String,
    pub platform: PlatformId,
    pub platform_name: String,
    pub income_fen: Fen,
    pub orders: i64,
}

/// Totals over every row the filter selects (not only the rows returned).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncomeTotals {
    pub workers: i64,
    pub income_fen: Fen,
    pub orders: i64,
}

const FROM_WHERE: &str = "FROM month_income m JOIN workers w ON w.id = m.worker_id JOIN grids g ON g.id = w.home_grid_id \
     JOIN platforms p ON p.id = m.platform_id \
     WHERE m.month = $1 AND ($2 IS NULL OR m.platform_id = $2) AND ($3 IS NULL OR g.region_code = $3) AND ($4 IS NULL OR g.code = $4)";

type Row = (i64, String, String, String, i64, String, i64, i64);

impl Store {
    /// Up to `limit` rows (by worker, then platform) and the totals of all of them.
    pub async fn income_rows(&self, f: &IncomeFilter, limit: i64) -> Result<(Vec<IncomeRow>, IncomeTotals)> {
        let rows_sql = format!(
            "SELECT w.id, w.id_masked, w.name, g.code, m.platform_id, p.name, m.income_fen, m.orders {FROM_WHERE} \
             ORDER BY m.worker_id, m.platform_id LIMIT $5"
        );
        // PostgreSQL's SUM(bigint) is NUMERIC: cast back.
        let totals_sql = format!(
            "SELECT CAST(COUNT(DISTINCT m.worker_id) AS BIGINT), CAST(COALESCE(SUM(m.income_fen), 0) AS BIGINT), \
             CAST(COALESCE(SUM(m.orders), 0) AS BIGINT) {FROM_WHERE}"
        );
        let month = month_code(f.month);
        let platform = f.platform.map(|p| p.0);
        let rows: Vec<Row> = Sql::built(rows_sql)
            .bind(month)
            .bind(platform)
            .bind(f.region.as_deref())
            .bind(f.grid.as_deref())
            .bind(limit)
            .fetch_all(self.db())
            .await?;
        let totals: (i64, i64, i64) = Sql::built(totals_sql)
            .bind(month)
            .bind(platform)
            .bind(f.region.as_deref())
            .bind(f.grid.as_deref())
            .fetch_one(self.db())
            .await?;
        let rows = rows
            .into_iter()
            .map(|(w, id_masked, name, grid, pl, platform_name, income_fen, orders)| IncomeRow {
                worker: WorkerId(w),
                id_masked,
                name,
                grid,
                platform: PlatformId(pl),
                platform_name,
                income_fen,
                orders,
            })
            .collect();
        Ok((rows, IncomeTotals { workers: totals.0, income_fen: totals.1, orders: totals.2 }))
    }
}
