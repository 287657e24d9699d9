//! The month close of a budgeted year: each worker's subsidy is granted from their city's
//! allocation of the provincial special fund (`crate::fund`), in the same transaction as the
//! close entries, under a lock on the region's city balances, so that concurrent closes and
//! appropriations never grant more than was appropriated. The ledger's close is the same close
//! with the subsidy limited to the grant (`Ledger::close_month_granted`).

use super::close::Billed;
use super::{CloseOptions, apply, ledger_error};
use crate::backend::Sql;
use crate::fund::city_of_grid;
use crate::ids::month_code;
use crate::{Result, StoreError};
use flexpension_ledger::{Ledger, WorkerId, WorkerMonth};
use flexpension_rules::contribution::compute;
use flexpension_rules::fund::{Grant, Ratio, Shortfall, grant};
use flexpension_rules::{Fen, MonthRules, YearMonth};
use std::collections::HashMap;

/// What a close needs to know of the fund for its month.
#[derive(Debug, Clone)]
pub(crate) struct FundedMonth {
    pub region: String,
    pub year: i32,
    pub shortfall: Shortfall,
    /// Pro-rating: each city's balance at the start over what its workers ask in the month.
    pub ratios: HashMap<String, Ratio>,
}

/// A worker-month's grant as written.
struct GrantRow {
    worker: i64,
    city: String,
    held_fen: Fen,
    g: Grant,
}

impl crate::Store {
    /// The fund's terms for closing `month` in `region`, or `None` when the province has not
    /// budgeted that year (no appropriation recorded): then the close is as before the fund.
    pub(crate) async fn funded_month(
        &self,
        region: &str,
        month: YearMonth,
        rules: &MonthRules,
        shortfall: Shortfall,
    ) -> Result<Option<FundedMonth>> {
        let year = month.year();
        const SQL: &str = "SELECT city, appropriated_fen, granted_fen FROM fund_cities WHERE region = $1 AND year = $2 ORDER BY city";
        let cities: Vec<(String, i64, i64)> = Sql::new(SQL).bind(region).bind(year).fetch_all(self.db()).await?;
        if cities.is_empty() {
            return Ok(None);
        }
        let mut ratios = HashMap::new();
        if shortfall == Shortfall::Prorate {
            // What each city's workers ask this month under the rules (retirement age aside: the
            // ask is counted high, so the share is never too generous).
            const GRIDS: &str = "SELECT w.id, g.code FROM workers w JOIN grids g ON g.id = w.home_grid_id";
            let grids: HashMap<i64, String> = Sql::new(GRIDS).fetch_all::<(i64, String)>(self.db()).await?.into_iter().collect();
            let mut asked: HashMap<String, Fen> = HashMap::new();
            for (w, income) in self.enrolled_incomes(month).await? {
                let city = grids.get(&w).map(|g| city_of_grid(g)).unwrap_or_default();
                *asked.entry(city).or_default() += compute(rules, income, None).subsidy_fen;
            }
            for (city, app, granted) in cities {
                let a = asked.get(&city).copied().unwrap_or(0);
                ratios.insert(city, Ratio { available_fen: app - granted, asked_fen: a });
            }
        }
        Ok(Some(FundedMonth { region: region.to_string(), year, shortfall, ratios }))
    }

    /// Close (or reopen) a chunk of workers with their subsidies granted from the fund, in one
    /// transaction holding the workers and the region's city balances of the year.
    pub(crate) async fn close_chunk_funded(
        &self,
        month: YearMonth,
        chunk: &[Billed],
        rules: &MonthRules,
        opts: &CloseOptions,
        fund: &FundedMonth,
    ) -> Result<(usize, u64)> {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { return Ok((0, 0)) };
        let (lo, hi) = (first.wm.worker.0, last.wm.worker.0);
        let ids: Vec<i64> = chunk.iter().map(|w| w.wm.worker.0).collect();
        let what = if opts.reopen { "reclose" } else { "close" };
        let mut tx = self.db().begin_write().await?;
        tx.lock_workers(lo, hi, &ids).await?;
        tx.check_none_frozen(lo, hi, &ids, what).await?;
        // The region's city balances of the year, held until commit (PostgreSQL locks the rows
        // it updates; SQLite's write transaction holds the whole store).
        Sql::new("UPDATE fund_cities SET granted_fen = granted_fen WHERE region = $1 AND year = $2")
            .bind(&fund.region)
            .bind(fund.year)
            .execute(&mut tx)
            .await?;
        const BAL: &str = "SELECT city, appropriated_fen, granted_fen FROM fund_cities WHERE region = $1 AND year = $2";
        let bal: Vec<(String, i64, i64)> = Sql::new(BAL).bind(&fund.region).bind(fund.year).fetch_all(&mut tx).await?;
        let mut balance: HashMap<String, Fen> = bal.into_iter().map(|(c, a, g)| (c, a - g)).collect();
        const HELD: &str = "SELECT worker_id, granted_fen FROM fund_grants WHERE month = $1 AND worker_id >= $2 AND worker_id <= $3";
        let held: HashMap<i64, Fen> =
            Sql::new(HELD).bind(month_code(month)).bind(lo).bind(hi).fetch_all::<(i64, i64)>(&mut tx).await?.into_iter().collect();
        const GRIDS: &str = "SELECT w.id, g.code FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id >= $1 AND w.id <= $2";
        let grids: HashMap<i64, String> =
            Sql::new(GRIDS).bind(lo).bind(hi).fetch_all::<(i64, String)>(&mut tx).await?.into_iter().collect();
        let rows = tx.read_journal(lo, hi).await?;
        let ((past, grants), new) = apply(rows, |l| {
            let mut past = 0u64;
            let mut grants: Vec<GrantRow> = Vec::new();
            let mut by_worker: HashMap<WorkerId, Fen> = HashMap::new();
            let wms: Vec<WorkerMonth> = chunk
                .iter()
                .map(|b| {
                    let billed = !b.wm.enrolled || b.billed(l, month);
                    past += u64::from(!billed);
                    WorkerMonth { enrolled: b.wm.enrolled && billed, ..b.wm }
                })
                .collect();
            for wm in &wms {
                let closed = l.entry(&Ledger::first_close(wm.worker, month)).is_some();
                if !opts.reopen && closed {
                    continue;
                }
                if !closed && !wm.enrolled {
                    continue;
                }
                let city = grids.get(&wm.worker.0).map(|g| city_of_grid(g)).unwrap_or_default();
                let requested = if wm.enrolled { compute(rules, wm.income_fen, wm.declared_base_fen).subsidy_fen } else { 0 };
                let held_fen = held.get(&wm.worker.0).copied().unwrap_or(0);
                let bal = balance.get(&city).copied().unwrap_or(0);
                let g = grant(requested, held_fen, bal, fund.shortfall, fund.ratios.get(&city).copied());
                if let Some(b) = balance.get_mut(&city) {
                    *b -= g.granted_fen - held_fen;
                }
                by_worker.insert(wm.worker, g.granted_fen);
                grants.push(GrantRow { worker: wm.worker.0, city, held_fen, g });
            }
            if !opts.reopen {
                l.close_month_granted(month, &wms, rules, &by_worker).map_err(ledger_error)?;
                return Ok((past, grants));
            }
            for wm in &wms {
                let g = by_worker.get(&wm.worker).copied();
                if l.entry(&Ledger::first_close(wm.worker, month)).is_some() {
                    l.correct_month_granted(wm, rules, opts.at, g).map_err(ledger_error)?;
                } else if wm.enrolled {
                    l.close_month_granted(month, std::slice::from_ref(wm), rules, &by_worker).map_err(ledger_error)?;
                }
            }
            Ok((past, grants))
        })?;
        self.write_grants(&mut tx, fund, month, &grants).await?;
        let logged = self.inner.log_journal.load(std::sync::atomic::Ordering::Relaxed);
        self.write_logged(&mut tx, &new.rows(), logged, (what, lo, hi)).await?;
        tx.commit().await?;
        Ok((new.len(), past))
    }

    /// Record the chunk's grants and move each city's granted total by what changed.
    async fn write_grants(&self, tx: &mut crate::backend::Tx, fund: &FundedMonth, month: YearMonth, grants: &[GrantRow]) -> Result<()> {
        let at = self.now_us();
        let mut delta: HashMap<&str, Fen> = HashMap::new();
        for r in grants {
            Sql::new(
                "INSERT INTO fund_grants (worker_id, month, region, city, requested_fen, granted_fen, queued_fen, policy, at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (worker_id, month) DO UPDATE SET \
                 city = excluded.city, requested_fen = excluded.requested_fen, granted_fen = excluded.granted_fen, \
                 queued_fen = excluded.queued_fen, policy = excluded.policy, at_us = excluded.at_us",
            )
            .bind(r.worker)
            .bind(month_code(month))
            .bind(&fund.region)
            .bind(&r.city)
            .bind(r.g.requested_fen)
            .bind(r.g.granted_fen)
            .bind(r.g.queued_fen)
            .bind(fund.shortfall.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
            *delta.entry(r.city.as_str()).or_default() += r.g.granted_fen - r.held_fen;
        }
        for (city, d) in delta.into_iter().filter(|(_, d)| *d != 0) {
            let n = Sql::new(
                "UPDATE fund_cities SET granted_fen = granted_fen + $1 WHERE region = $2 AND year = $3 AND city = $4 \
                 AND granted_fen + $1 <= appropriated_fen AND granted_fen + $1 >= 0",
            )
            .bind(d)
            .bind(&fund.region)
            .bind(fund.year)
            .bind(city)
            .execute(&mut *tx)
            .await?;
            if n != 1 {
                return Err(StoreError::Corrupt(format!("the fund of city '{city}' would be overspent: refused")));
            }
        }
        Ok(())
    }
}

impl crate::Store {
    /// One worker's month as the close reads it (with the base it bills, `floor_contracts` from
    /// `Store::floor_contracts`), or `None` when not enrolled for it.
    pub(crate) async fn billed_one(
        &self,
        month: YearMonth,
        worker: i64,
        rules: &MonthRules,
        floor_contracts: &[crate::fund::Contract],
        ages: &mut super::guard::AgeLimits<'_>,
    ) -> Result<Option<Billed>> {
        let rows = self.enrolled_in_range(month, worker, worker).await?;
        let page = self.with_bases(month, super::close::billed(rows, ages), floor_contracts, rules.base_lower_fen).await?;
        Ok(page.into_iter().next())
    }

    /// Close or reclose one worker's month with the fund's grant.
    pub(crate) async fn close_one_funded(
        &self,
        month: YearMonth,
        b: Billed,
        rules: &MonthRules,
        opts: &CloseOptions,
        fund: &FundedMonth,
    ) -> Result<()> {
        self.close_chunk_funded(month, std::slice::from_ref(&b), rules, opts, fund).await.map(drop)
    }
}
