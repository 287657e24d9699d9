//! What the pages and `worker show` read off the journal: a worker's statement, a platform's
//! workers for a month, the region's month totals.

use crate::backend::Sql;
use crate::ids::{month_code, month_from_code};
use crate::{PlatformId, Result, WorkerId};
use flexpension_ledger::{EntryKind, Ledger, MonthReport, Payer, Status, Subject};
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;
use std::collections::BTreeMap;

/// One closed month of a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementMonth {
    /// `YYYY-MM`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub month: YearMonth,
    pub income_fen: Fen,
    pub base_fen: Fen,
    /// The contribution rate in basis points (contribution ÷ base, half-up).
    pub rate_bp: i64,
    pub contribution_fen: Fen,
    pub subsidy_fen: Fen,
    /// What the worker owes for the month: contribution − subsidy.
    pub net_fen: Fen,
    /// Paid towards the month so far (money goes to the oldest month first), by anyone.
    pub paid_fen: Fen,
    /// What platforms pay of the month under collective contracts (part of `paid_fen`): the
    /// worker's own payment is `net_fen − platform_fen`.
    pub platform_fen: Fen,
    /// Still owed for the month.
    pub due_fen: Fen,
}

/// A worker's account statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerStatement {
    pub worker: i64,
    pub months: Vec<StatementMonth>,
    /// The personal account's balance.
    pub personal_account_fen: Fen,
    /// Months paid in full (实缴), the months that count.
    pub months_paid: u32,
    /// Whole years counted (months paid ÷ 12).
    pub years_counted: u32,
    pub arrears_fen: Fen,
    pub credit_fen: Fen,
    pub status: Status,
}

/// A worker a platform paid income to in a month, with the month's close if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformWorkerMonth {
    pub worker: i64,
    /// Income from this platform in the month.
    pub platform_income_fen: Fen,
    pub month: Option<StatementMonth>,
    pub status: Status,
}

/// A region's month: the recorded close (policy) and the figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionMonthTotals {
    pub month: YearMonth,
    pub close: Option<super::MonthClose>,
    pub report: MonthReport,
}

/// The statement of `w` from a ledger holding its entries.
pub(crate) fn statement(l: &Ledger, w: WorkerId, lapse_after_months: u32) -> WorkerStatement {
    let arrears = l.arrears(w);
    let owed: BTreeMap<YearMonth, Fen> = arrears.unpaid.iter().map(|u| (u.month, u.owed_fen)).collect();
    let by_platforms = contract_shares(l, w);
    let mut months: Vec<StatementMonth> = l
        .entries()
        .iter()
        .filter(|e| e.id().worker == w && e.kind() == EntryKind::MonthClose && l.entry(&e.id().reversed()).is_none())
        .filter_map(|e| {
            let d = e.due()?;
            let month = super::rows::subject_month(e.id())?;
            let due_fen = owed.get(&month).copied().unwrap_or(0);
            let rate_bp = if d.base_fen > 0 { (d.contribution_fen * 20_000 / d.base_fen + 1) / 2 } else { 0 };
            Some(StatementMonth {
                month,
                income_fen: d.income_fen,
                base_fen: d.base_fen,
                rate_bp,
                contribution_fen: d.contribution_fen,
                subsidy_fen: d.subsidy_fen,
                net_fen: d.net_fen,
                paid_fen: d.net_fen - due_fen,
                platform_fen: by_platforms.get(&month).copied().unwrap_or(0),
                due_fen,
            })
        })
        .collect();
    months.sort_by_key(|m| m.month);
    let record = l.contribution_record(w, &BTreeMap::new());
    WorkerStatement {
        worker: w.0,
        months,
        personal_account_fen: record.personal_account_fen,
        months_paid: record.months_paid,
        years_counted: record.months_paid / 12,
        arrears_fen: arrears.arrears_fen,
        credit_fen: arrears.credit_fen,
        status: l.status(w, lapse_after_months),
    }
}

/// What platforms paid of `w`'s months under collective contracts, by month: the payments by a
/// platform with a month's share reference (`contract::share_reference`), not reversed.
fn contract_shares(l: &Ledger, w: WorkerId) -> BTreeMap<YearMonth, Fen> {
    let mut out: BTreeMap<YearMonth, Fen> = BTreeMap::new();
    for e in l.entries().iter().filter(|e| e.id().worker == w && !e.id().reversal && l.entry(&e.id().reversed()).is_none()) {
        if let Subject::Payment { payer: Payer::Platform(_), reference } = e.id().subject
            && reference < 0
            && let Some(month) = i32::try_from(-reference).ok().and_then(month_from_code)
        {
            *out.entry(month).or_default() += e.postings().iter().filter(|p| p.amount_fen > 0).map(|p| p.amount_fen).sum::<Fen>();
        }
    }
    out
}

impl crate::Store {
    /// A worker's months (base, rate, contribution, subsidy, paid, due), personal account,
    /// months and years counted, and status. `lapse_after_months`: the threshold in force
    /// (`flexpension_ledger::lapse_after_months`).
    pub async fn worker_statement(&self, worker: WorkerId, lapse_after_months: u32) -> Result<WorkerStatement> {
        let l = self.read_workers(worker.0, worker.0).await?;
        Ok(statement(&l, worker, lapse_after_months))
    }

    /// The workers `platform` paid income to in `month`, by worker id, with their month.
    pub async fn platform_workers(
        &self,
        platform: PlatformId,
        month: YearMonth,
        lapse_after_months: u32,
    ) -> Result<Vec<PlatformWorkerMonth>> {
        const SQL: &str = "SELECT worker_id, income_fen FROM month_income WHERE month = $1 AND platform_id = $2 ORDER BY worker_id";
        let rows: Vec<(i64, i64)> = Sql::new(SQL).bind(month_code(month)).bind(platform.0).fetch_all(self.db()).await?;
        let mut out = Vec::with_capacity(rows.len());
        for (w, platform_income_fen) in rows {
            let s = self.worker_statement(WorkerId(w), lapse_after_months).await?;
            let m = s.months.iter().find(|m| m.month == month).copied();
            out.push(PlatformWorkerMonth { worker: w, platform_income_fen, month: m, status: s.status });
        }
        Ok(out)
    }

    /// The region's month: who closed it under which policy, and the month report.
    pub async fn region_month_totals(&self, month: YearMonth) -> Result<RegionMonthTotals> {
        Ok(RegionMonthTotals { month, close: self.month_close(month).await?, report: self.month_report(month).await? })
    }
}
