//! The consoles' worker lists and the access log. An officer's list is every worker registered
//! in the region (home grid) with the month's income, a platform's the workers it paid in the
//! month; both carry masked IDs and phones only. The access log records who opened a worker's
//! records, when, what they did and why (append-only); an officer reads it for their region.

use crate::backend::Sql;
use crate::ids::{PlatformId, WorkerId, month_code};
use crate::people::PersonId;
use crate::{Result, Store};
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;
use std::collections::HashMap;

/// A worker in a console's list with the month's income.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsoleWorker {
    pub worker: WorkerId,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub grid: String,
    pub grid_name: String,
    /// The month's income (from the one platform, for a platform's list).
    pub income_fen: Fen,
    /// The month's settled order rows.
    pub orders: i64,
    /// The platforms that paid the worker in the month.
    pub platforms: Vec<PlatformId>,
}

/// One row of the access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub at_us: i64,
    pub person: PersonId,
    pub login: String,
    pub worker: WorkerId,
    pub what: String,
    /// Why: the alert followed (`alert 12`), empty for an officer's page.
    pub why: String,
    /// The role of the person who looked.
    pub role: String,
}

type WorkerCols = (i64, String, String, String, String, String);
type AccessCols = (i64, i64, String, i64, String, String, String);

fn access_from((at_us, p, login, w, what, why, role): AccessCols) -> Access {
    Access { at_us, person: PersonId(p), login, worker: WorkerId(w), what, why, role }
}

impl Store {
    /// The workers of `region` (home grid; every one registered) or, with `platform` alone, the
    /// workers that platform paid in `month`; each with the month's income, by worker id.
    /// With both, the region's workers and only that platform's income.
    pub async fn console_workers(
        &self,
        month: YearMonth,
        region: Option<&str>,
        platform: Option<PlatformId>,
    ) -> Result<Vec<ConsoleWorker>> {
        const COLS: &str =
            "SELECT w.id, w.name, w.id_masked, w.phone_masked, g.code, g.name FROM workers w JOIN grids g ON g.id = w.home_grid_id";
        let m = month_code(month);
        let p = platform.map(|p| p.0);
        let workers: Vec<WorkerCols> = match region {
            Some(r) => Sql::built(format!("{COLS} WHERE g.region_code = $1 ORDER BY w.id")).bind(r).fetch_all(self.db()).await?,
            None => {
                Sql::built(format!(
                    "{COLS} WHERE w.id IN (SELECT worker_id FROM month_income WHERE month = $1 AND ($2 IS NULL OR platform_id = $2)) ORDER BY w.id"
                ))
                .bind(m)
                .bind(p)
                .fetch_all(self.db())
                .await?
            }
        };
        let income: Vec<(i64, i64, i64, i64)> = Sql::new(
            "SELECT worker_id, platform_id, income_fen, orders FROM month_income WHERE month = $1 AND ($2 IS NULL OR platform_id = $2)",
        )
        .bind(m)
        .bind(p)
        .fetch_all(self.db())
        .await?;
        let mut by_worker: HashMap<i64, (Fen, i64, Vec<PlatformId>)> = HashMap::new();
        for (w, pl, fen, orders) in income {
            let e = by_worker.entry(w).or_default();
            e.0 += fen;
            e.1 += orders;
            e.2.push(PlatformId(pl));
        }
        Ok(workers
            .into_iter()
            .map(|(id, name, id_masked, phone_masked, grid, grid_name)| {
                let (income_fen, orders, mut platforms) = by_worker.remove(&id).unwrap_or_default();
                platforms.sort();
                ConsoleWorker { worker: WorkerId(id), name, id_masked, phone_masked, grid, grid_name, income_fen, orders, platforms }
            })
            .collect())
    }

    /// Record that `person` did `what` with `worker`'s records now.
    pub async fn record_access(&self, person: PersonId, worker: WorkerId, what: &str) -> Result<()> {
        self.record_access_why(person, worker, what, "").await
    }

    /// Record that `person` did `what` with `worker`'s records now, and why.
    pub async fn record_access_why(&self, person: PersonId, worker: WorkerId, what: &str, why: &str) -> Result<()> {
        Sql::new("INSERT INTO access_log (at_us, person_id, worker_id, what, why) VALUES ($1, $2, $3, $4, $5)")
            .bind(self.now_us())
            .bind(person.0)
            .bind(worker.0)
            .bind(what)
            .bind(why)
            .execute(self.db())
            .await?;
        Ok(())
    }

    /// The latest `limit` accesses to the records of `region`'s workers (home grid), by anyone,
    /// newest first: the officer's reading of the access log.
    pub async fn region_accesses(&self, region: &str, limit: i64) -> Result<Vec<Access>> {
        let rows: Vec<AccessCols> = Sql::new(
            "SELECT a.at_us, a.person_id, p.login, a.worker_id, a.what, a.why, p.role FROM access_log a JOIN people p ON p.id = a.person_id \
             JOIN workers w ON w.id = a.worker_id JOIN grids g ON g.id = w.home_grid_id \
             WHERE g.region_code = $1 ORDER BY a.at_us DESC, a.id DESC LIMIT $2",
        )
        .bind(region)
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(access_from).collect())
    }

    /// The latest `limit` accesses to `worker`'s records, newest first.
    pub async fn accesses(&self, worker: WorkerId, limit: i64) -> Result<Vec<Access>> {
        let rows: Vec<AccessCols> = Sql::new(
            "SELECT a.at_us, a.person_id, p.login, a.worker_id, a.what, a.why, p.role FROM access_log a JOIN people p ON p.id = a.person_id \
             WHERE a.worker_id = $1 ORDER BY a.at_us DESC, a.id DESC LIMIT $2",
        )
        .bind(worker.0)
        .bind(limit)
        .fetch_all(self.db())
        .await?;
        Ok(rows.into_iter().map(access_from).collect())
    }
}
