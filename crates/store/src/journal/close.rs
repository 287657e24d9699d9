//! The month close on the store: per worker enrolled in the employee pension for the month,
//! income over all platforms -> the rules -> the ledger's close entries, written a chunk of
//! workers per transaction. A closed month closes again only when reopened explicitly.

use super::guard::{AgeLimit, AgeLimits};
use super::{CHUNK_WORKERS, ledger_error};
use crate::backend::Sql;
use crate::fund::Contract;
use crate::ids::month_code;
use crate::{Result, StoreError};
use flexpension_ledger::{EntryId, Ledger, MonthReport, Subject, WorkerId, WorkerMonth};
use flexpension_rules::{Fen, MonthRules, Scenario, YearMonth};
use serde::Serialize;
use std::collections::HashMap;

/// How to close a month.
#[derive(Debug, Clone, Copy)]
pub struct CloseOptions {
    /// Close it again although it is closed: each worker's close is corrected (reversed and
    /// posted anew) where the figures changed, booked in `at`.
    pub reopen: bool,
    /// The accounting month corrections are booked in (the month the close runs in).
    pub at: YearMonth,
    pub chunk_workers: usize,
    /// The caller named the policy. When not, a reclose keeps the policy the month was last
    /// closed under (and says so in `CloseReport::policy_kept`).
    pub policy_given: bool,
}

impl CloseOptions {
    pub fn new(at: YearMonth) -> CloseOptions {
        CloseOptions { reopen: false, at, chunk_workers: CHUNK_WORKERS, policy_given: false }
    }
}

/// One recorded close (or reclose) of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthClose {
    pub month: YearMonth,
    pub run: i32,
    /// `close` or `reclose`.
    pub action: String,
    pub region: String,
    pub policy: String,
    pub workers: i64,
    pub entries: i64,
    pub at_us: i64,
}

/// What a close did, and the month's figures after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseReport {
    pub month: YearMonth,
    pub region: String,
    pub policy: String,
    /// The month was closed already and not reopened: nothing was written.
    pub already_closed: bool,
    /// The recorded close that stands (for an already closed month, the earlier one).
    pub close: Option<MonthClose>,
    /// Workers enrolled for the month (or, on a reclose, also those closed before).
    pub workers: u64,
    /// Journal entries written.
    pub entries: u64,
    /// A reclose with no policy named kept the month's recorded policy (`policy`).
    pub policy_kept: bool,
    /// Enrolled workers not billed: past the statutory retirement age and not entitled to go on
    /// paying (延缴: short of the minimum years, insured before the age).
    pub past_retirement: u64,
}

/// An enrolled worker's month as read for the close: income, and what the retirement age
/// check needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Billed {
    pub(super) wm: WorkerMonth,
    pub(super) age: Option<AgeLimit>,
    /// The month code the worker's employee-pension enrolment began.
    pub(super) from: i32,
}

impl Billed {
    /// Is the worker billed for `month`? Before the statutory retirement month, yes; from it
    /// on only to go on paying towards the minimum years (延缴), which continues an insurance
    /// begun before the age and never starts one.
    pub(super) fn billed(&self, l: &Ledger, month: YearMonth) -> bool {
        match self.age {
            None => true,
            Some(a) if month < a.retire => true,
            Some(a) => a.continue_until_months.is_some_and(|min| self.from < month_code(a.retire) && l.months_paid(self.wm.worker) < min),
        }
    }
}

/// (worker, income, birth month code, sex, enrolment start code).
pub(super) type IncomeRow = (i64, i64, i32, String, i32);

/// Rows of the income read as the close's workers, with their retirement age.
pub(super) fn billed(rows: Vec<IncomeRow>, ages: &mut AgeLimits<'_>) -> Vec<Billed> {
    rows.into_iter()
        .map(|(w, income_fen, birth, sex, from)| Billed {
            wm: WorkerMonth { worker: WorkerId(w), income_fen, declared_base_fen: None, enrolled: true },
            age: ages.of(birth, sex == crate::model::Sex::Female.as_str()),
            from,
        })
        .collect()
}

type CloseRow = (i32, i32, String, String, String, i64, i64, i64);

fn close_from(r: CloseRow) -> Result<MonthClose> {
    let month = crate::ids::month_from_code(r.0).ok_or_else(|| StoreError::Corrupt(format!("month_closes month {}", r.0)))?;
    Ok(MonthClose { month, run: r.1, action: r.2, region: r.3, policy: r.4, workers: r.5, entries: r.6, at_us: r.7 })
}

impl crate::Store {
    /// The latest recorded close of `month`, if any.
    pub async fn month_close(&self, month: YearMonth) -> Result<Option<MonthClose>> {
        const SQL: &str = "SELECT month, run, action, region, policy, workers, entries, at_us FROM month_closes WHERE month = $1 ORDER BY run DESC LIMIT 1";
        let row: Option<CloseRow> = Sql::new(SQL).bind(month_code(month)).fetch_optional(self.db()).await?;
        row.map(close_from).transpose()
    }

    /// Workers in the employee pension for `month` with their income over all platforms (the
    /// `worker_month_income` aggregate, summed in one pass), by worker id.
    pub async fn enrolled_incomes(&self, month: YearMonth) -> Result<Vec<(i64, i64)>> {
        const SQL: &str = "SELECT e.worker_id, CAST(COALESCE(SUM(m.income_fen), 0) AS BIGINT) FROM enrolments e \
            LEFT JOIN month_income m ON m.month = $1 AND m.worker_id = e.worker_id \
            WHERE e.scheme = 'employee_pension' AND e.from_month <= $1 AND (e.to_month IS NULL OR e.to_month >= $1) \
            GROUP BY e.worker_id ORDER BY e.worker_id";
        Sql::new(SQL).bind(month_code(month)).fetch_all(self.db()).await
    }

    /// Close `month` under `scenario` (its region and policy), recording which policy closed it.
    /// A closed month is left alone unless `opts.reopen`.
    pub async fn close_month(&self, scenario: &Scenario<'_>, month: YearMonth, opts: &CloseOptions) -> Result<CloseReport> {
        let previous = self.month_close(month).await?;
        if previous.is_some() && !opts.reopen {
            let (region, policy) = (scenario.region.code.clone(), scenario.policy.name.clone());
            let r = CloseReport {
                month,
                region,
                policy,
                already_closed: true,
                close: previous,
                workers: 0,
                entries: 0,
                policy_kept: false,
                past_retirement: 0,
            };
            return Ok(r);
        }
        self.check_close(month, opts.at, previous.is_some()).await?;
        self.check_close_not_frozen(month).await?;
        // A reclose keeps the policy the month was closed under unless another is named.
        let policy_kept = previous.is_some() && !opts.policy_given;
        let kept = match &previous {
            Some(c) if policy_kept && c.policy != scenario.policy.name => {
                Some(scenario.params.scenario(&scenario.region.code, Some(&c.policy), scenario.overlay.map(|o| o.name.as_str())).map_err(
                    |e| StoreError::invalid("policy", format!("{month} was closed under '{}', which is no longer known: {e}", c.policy)),
                )?)
            }
            _ => None,
        };
        let scenario = kept.as_ref().unwrap_or(scenario);
        let (rules, _) = scenario.month_rules(month).map_err(|e| StoreError::invalid("month", e.to_string()))?;
        let region = scenario.region.code.clone();
        let policy = scenario.policy.name.clone();
        let mut ages = AgeLimits::new(scenario.params, &scenario.region, month)?;
        // A budgeted year grants each subsidy from the provincial special fund (`journal/funded.rs`).
        let shortfall = scenario.params.fund_rules(month.first_day()).map_err(|e| StoreError::invalid("month", e.to_string()))?.shortfall;
        let funded = self.funded_month(&region, month, &rules, shortfall).await?;
        let funded = funded.as_ref();
        // Collective contracts with a minimum base raise the bases of their active workers.
        let floor_contracts = self.floor_contracts(month).await?;
        // The incomes are read a page ahead on another connection while the previous page is
        // closed: at a million workers the read costs as much as a third of the close.
        let mut pages = self.income_pages(month, opts.chunk_workers.max(1));
        let (mut written, mut count, mut past) = (0usize, 0u64, 0u64);
        if opts.reopen {
            let mut workers: Vec<Billed> = Vec::new();
            while let Some(page) = pages.recv().await {
                workers.extend(self.with_bases(month, billed(page?, &mut ages), &floor_contracts, rules.base_lower_fen).await?);
            }
            // Workers closed before but no longer enrolled: their close is reversed.
            const SQL: &str = "SELECT DISTINCT worker_id FROM journal_entries WHERE month = $1 AND kind = 'month_close' ORDER BY worker_id";
            let closed: Vec<i64> = Sql::new(SQL).bind(month_code(month)).scalars(self.db()).await?;
            for w in closed {
                if workers.binary_search_by_key(&w, |x| x.wm.worker.0).is_err() {
                    let wm = WorkerMonth { worker: WorkerId(w), income_fen: 0, declared_base_fen: None, enrolled: false };
                    workers.push(Billed { wm, age: None, from: 0 });
                }
            }
            workers.sort_unstable_by_key(|w| w.wm.worker);
            for chunk in workers.chunks(opts.chunk_workers.max(1)) {
                let (n, p) = self.close_chunk(month, chunk, &rules, opts, funded).await?;
                (written, past) = (written + n, past + p);
            }
            count = workers.len() as u64;
        } else {
            while let Some(page) = pages.recv().await {
                let page = self.with_bases(month, billed(page?, &mut ages), &floor_contracts, rules.base_lower_fen).await?;
                let (n, p) = self.close_chunk(month, &page, &rules, opts, funded).await?;
                (written, past) = (written + n, past + p);
                count += page.len() as u64;
            }
        }
        // Collective contracts: the platforms' shares and union dues (`journal/contract.rs`).
        let dues = scenario.params.union_dues(month.first_day()).map_err(|e| StoreError::invalid("month", e.to_string()))?.0;
        self.apply_contracts(month, dues, &rules).await?;
        let action = if previous.is_some() { "reclose" } else { "close" };
        let run = previous.as_ref().map_or(1, |c| c.run + 1);
        let rec = MonthClose {
            month,
            run,
            action: action.into(),
            region: region.clone(),
            policy: policy.clone(),
            workers: count as i64,
            entries: written as i64,
            at_us: self.now_us(),
        };
        let logged = crate::log::entry::Record::new(
            "month_close",
            rec.at_us,
            serde_json::json!({"action": rec.action, "entries": rec.entries, "month": month.to_string(), "policy": rec.policy,
                "region": rec.region, "run": rec.run, "workers": rec.workers}),
        );
        let mut tx = self.db().begin_write().await?;
        Sql::new("INSERT INTO month_closes (month, run, action, region, policy, workers, entries, at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(month_code(month))
            .bind(rec.run)
            .bind(&rec.action)
            .bind(&rec.region)
            .bind(&rec.policy)
            .bind(rec.workers)
            .bind(rec.entries)
            .bind(rec.at_us)
            .execute(&mut tx)
            .await?;
        tx.log_append(&logged, None).await?;
        tx.commit().await?;
        Ok(CloseReport {
            month,
            region,
            policy,
            already_closed: false,
            close: Some(rec),
            workers: count,
            entries: written as u64,
            policy_kept,
            past_retirement: past,
        })
    }

    /// Close (or, reopening, correct) one chunk of workers in one transaction.
    /// Returns the entries written and the workers not billed for their age.
    async fn close_chunk(
        &self,
        month: YearMonth,
        chunk: &[Billed],
        rules: &MonthRules,
        opts: &CloseOptions,
        funded: Option<&super::funded::FundedMonth>,
    ) -> Result<(usize, u64)> {
        if let Some(f) = funded {
            return self.close_chunk_funded(month, chunk, rules, opts, f).await;
        }
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else { return Ok((0, 0)) };
        let ids: Vec<i64> = chunk.iter().map(|w| w.wm.worker.0).collect();
        let (past, n) = self
            .with_workers(if opts.reopen { "reclose" } else { "close" }, first.wm.worker.0, last.wm.worker.0, &ids, |l| {
                let mut past = 0u64;
                let chunk: Vec<WorkerMonth> = chunk
                    .iter()
                    .map(|b| {
                        let billed = !b.wm.enrolled || b.billed(l, month);
                        past += u64::from(!billed);
                        WorkerMonth { enrolled: b.wm.enrolled && billed, ..b.wm }
                    })
                    .collect();
                if !opts.reopen {
                    l.close_month(month, &chunk, rules).map_err(ledger_error)?;
                    return Ok(past);
                }
                for wm in &chunk {
                    let first = EntryId::new(wm.worker, Subject::Close { month, rev: 0 });
                    if l.entry(&first).is_some() {
                        l.correct_month(wm, rules, opts.at).map_err(ledger_error)?;
                    } else if wm.enrolled {
                        l.close_month(month, std::slice::from_ref(wm), rules).map_err(ledger_error)?;
                    }
                }
                Ok(past)
            })
            .await?;
        Ok((n, past))
    }

    /// The bases the close bills a page of workers (by id) on: each one's latest chosen base
    /// (`choice/base.rs`), raised to the minimum base of a collective contract in force on a
    /// platform they were active on (`contract::contract_floors`; the platform pays the raise).
    pub(super) async fn with_bases(
        &self,
        month: YearMonth,
        mut page: Vec<Billed>,
        floor_contracts: &[Contract],
        lower_fen: Fen,
    ) -> Result<Vec<Billed>> {
        let (Some(first), Some(last)) = (page.first(), page.last()) else { return Ok(page) };
        let (lo, hi) = (first.wm.worker.0, last.wm.worker.0);
        let chosen = self.chosen_bases(month, lo, hi).await?;
        let floors = if floor_contracts.is_empty() {
            HashMap::new()
        } else {
            const ACTIVE: &str =
                "SELECT worker_id, platform_id FROM month_income WHERE month = $1 AND worker_id >= $2 AND worker_id <= $3 AND orders > 0";
            let active: Vec<(i64, i64)> = Sql::new(ACTIVE).bind(month_code(month)).bind(lo).bind(hi).fetch_all(self.db()).await?;
            super::contract::contract_floors(floor_contracts, &active)
        };
        for b in &mut page {
            let own = chosen.get(&b.wm.worker.0).copied().or(b.wm.declared_base_fen);
            b.wm.declared_base_fen = match floors.get(&b.wm.worker.0) {
                Some(&(floor, _)) if floor > own.unwrap_or(lower_fen) => Some(floor),
                _ => own,
            };
        }
        Ok(page)
    }

    /// The enrolled workers and incomes of `month` in pages of `page` workers, by worker id,
    /// read by a task of their own (keyset pages: each query starts after the last id).
    fn income_pages(&self, month: YearMonth, page: usize) -> tokio::sync::mpsc::Receiver<Result<Vec<IncomeRow>>> {
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let store = self.clone();
        tokio::spawn(async move {
            let mut after = i64::MIN;
            loop {
                let r = store.enrolled_incomes_after(month, after, page).await;
                let done = r.as_ref().map_or(true, |p| p.len() < page);
                if let Ok(p) = &r
                    && let Some(last) = p.last()
                {
                    after = last.0;
                }
                let empty = r.as_ref().is_ok_and(|p| p.is_empty());
                if (!empty && tx.send(r).await.is_err()) || done {
                    break;
                }
            }
        });
        rx
    }

    /// A page of `enrolled_incomes`: the first `limit` workers with an id above `after`. Read
    /// as ranges of worker ids that cannot hold more workers than the page still lacks (ids are
    /// unique), each starting at the next enrolled id: every read touches only its range,
    /// whatever the planner's statistics say. (Grouping the rest of the table before a LIMIT
    /// cost 1.3 s a page at a million workers on PostgreSQL after a bulk import.)
    async fn enrolled_incomes_after(&self, month: YearMonth, after: i64, limit: usize) -> Result<Vec<IncomeRow>> {
        const NEXT: &str = "SELECT MIN(worker_id) FROM enrolments WHERE worker_id > $1 AND scheme = 'employee_pension'";
        let mut page: Vec<IncomeRow> = Vec::new();
        let mut after = after;
        while page.len() < limit {
            let (next,): (Option<i64>,) = Sql::new(NEXT).bind(after).fetch_one(self.db()).await?;
            let Some(lo) = next else { break };
            let hi = lo.saturating_add(i64::try_from(limit - page.len()).unwrap_or(i64::MAX) - 1);
            page.extend(self.enrolled_in_range(month, lo, hi).await?);
            after = hi;
        }
        Ok(page)
    }

    /// The enrolled workers of `month` with ids in `lo..=hi` and their incomes: three scans of
    /// one index range each (enrolments, workers, month incomes), merged by worker id here, so
    /// no join plan depends on statistics (a bulk import leaves them far behind). The income
    /// is counted once per enrolment row, as a join would (the overlap check keeps it one).
    pub(super) async fn enrolled_in_range(&self, month: YearMonth, lo: i64, hi: i64) -> Result<Vec<IncomeRow>> {
        const ENROLLED: &str = "SELECT worker_id, MIN(from_month), CAST(COUNT(*) AS BIGINT) FROM enrolments \
            WHERE scheme = 'employee_pension' AND from_month <= $1 AND (to_month IS NULL OR to_month >= $1) \
            AND worker_id >= $2 AND worker_id <= $3 GROUP BY worker_id ORDER BY worker_id";
        const PEOPLE: &str = "SELECT id, birth_month, sex FROM workers WHERE id >= $1 AND id <= $2 ORDER BY id";
        const INCOMES: &str = "SELECT worker_id, CAST(SUM(income_fen) AS BIGINT) FROM month_income \
            WHERE month = $1 AND worker_id >= $2 AND worker_id <= $3 GROUP BY worker_id ORDER BY worker_id";
        let crate::backend::CloseRange { enrolled, people, incomes } =
            self.db().close_range([ENROLLED, PEOPLE, INCOMES], month_code(month), lo, hi).await?;
        if enrolled.is_empty() {
            return Ok(Vec::new());
        }
        let (mut p, mut i) = (people.into_iter().peekable(), incomes.into_iter().peekable());
        let mut out = Vec::with_capacity(enrolled.len());
        for (w, from, n) in enrolled {
            while p.next_if(|x| x.0 < w).is_some() {}
            while i.next_if(|x| x.0 < w).is_some() {}
            // A worker row always exists (a foreign key); an enrolment without one is skipped as the join did.
            let Some((_, birth, sex)) = p.next_if(|x| x.0 == w) else { continue };
            let income = i.next_if(|x| x.0 == w).map_or(0, |x| x.1);
            out.push((w, income * n, birth, sex, from));
        }
        Ok(out)
    }

    /// The month's figures over all workers (`flexpension report month`): the ledger's
    /// `MonthReport` of each worker range summed, with the trial balance of the stored postings.
    pub async fn month_report(&self, month: YearMonth) -> Result<MonthReport> {
        let mut r = self.month_figures(&[month], None, u32::MAX).await?.into_iter().next().map(|f| f.report).unwrap_or_default();
        r.trial_balance_fen = self.trial_balance().await?;
        Ok(r)
    }
}
