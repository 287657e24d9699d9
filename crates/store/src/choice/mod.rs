//! The worker's own choices (the paper's 5.1-5.2): joining and leaving each insurance type on
//! their own (unbundled), the contribution base for the coming months, and the pension savings
//! account (`savings`). Each choice is checked against the rules in force, refused with the
//! field and the reason, and written with its log entry in one transaction.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | leaving a scheme ([`Store::leave_scheme`]), the sustained income test's incomes |
//! | `base.rs` | the chosen base ([`Store::choose_base`]) and what the month close reads (`chosen_bases`) |
//! | `savings.rs` | occasional income, deposits, the room, payments from savings ([`Store::pay_from_savings`]) |

mod base;
mod savings;

pub use base::BaseChoice;
pub use savings::{SavingsMove, SavingsStatus};

use crate::backend::Sql;
use crate::enrol::{Enrolment, Scheme};
use crate::ids::{WorkerId, month_code};
use crate::{Result, Store, StoreError};
use flexpension_rules::{Fen, Params, YearMonth};

impl Store {
    /// The worker leaves `scheme` from `from` on (`from - 1` is the last month covered). Refused
    /// when the worker is not in it then, when `from` is a month already closed (a closed month
    /// stays billed), and, where the rules forbid it (`enrol.leave_with_arrears`), while the
    /// employee pension has unpaid months.
    pub async fn leave_scheme(&self, params: &Params, worker: WorkerId, scheme: Scheme, from: YearMonth) -> Result<Enrolment> {
        let enrolments = self.enrolments(worker).await?;
        let last = from.add_months(-1).ok_or_else(|| StoreError::invalid("from", format!("{from} is out of range")))?;
        let Some(e) = enrolments.iter().find(|e| e.scheme == scheme && e.to.is_none_or(|t| t >= from)) else {
            return Err(StoreError::invalid(
                "scheme",
                format!("the worker is not in the {} from {from}: nothing to leave", scheme.as_str()),
            ));
        };
        if e.from >= from {
            return Err(StoreError::invalid(
                "from",
                format!("the {} enrolment only begins in {}: leave from a later month", scheme.as_str(), e.from),
            ));
        }
        if scheme == Scheme::EmployeePension {
            const CLOSED: &str = "SELECT MAX(month) FROM journal_entries WHERE worker_id = $1 AND kind = 'month_close'";
            let closed: Option<i32> = Sql::new(CLOSED).bind(worker.0).scalar(self.db()).await?;
            if closed.is_some_and(|c| c >= month_code(from)) {
                let c = closed.and_then(crate::ids::month_from_code).map(|m| m.to_string()).unwrap_or_default();
                return Err(StoreError::invalid("from", format!("{c} is already closed and billed: leave from the month after it")));
            }
            let (allowed, _) = params
                .lookup(&params.national.choice.leave_with_arrears, from.first_day(), |v| v.to_string())
                .map_err(|e| StoreError::invalid("from", e.to_string()))?;
            if !*allowed {
                let l = self.read_workers(worker.0, worker.0).await?;
                let a = l.arrears(worker);
                if a.arrears_fen > 0 {
                    let months: Vec<String> = a.unpaid.iter().map(|u| u.month.to_string()).collect();
                    return Err(StoreError::invalid(
                        "scheme",
                        format!(
                            "{} fen is unpaid for {}: pay or back-pay these months before leaving the employee pension",
                            a.arrears_fen,
                            months.join(", ")
                        ),
                    ));
                }
            }
        }
        self.end_enrolment(e.id, last).await
    }

    /// The worker's own record for the pension estimate: months paid, the personal account and
    /// the average contribution index (each year's bases against the region's benefit base
    /// in force that year; a year without one leaves the index unknown).
    pub async fn own_record(
        &self,
        scenario: &flexpension_rules::Scenario<'_>,
        worker: WorkerId,
    ) -> Result<flexpension_rules::estimate::OwnRecord> {
        let l = self.read_workers(worker.0, worker.0).await?;
        let p = scenario.params;
        let mut wages = std::collections::BTreeMap::new();
        for y in 1990..=self.this_month().year() {
            if let Some(d) = chrono::NaiveDate::from_ymd_opt(y, 1, 1)
                && let Ok((v, _)) = p.lookup(&scenario.region.benefit_base, d, |_| String::new())
            {
                wages.insert(y, *v);
            }
        }
        let r = l.contribution_record(worker, &wages);
        Ok(flexpension_rules::estimate::OwnRecord {
            months_paid: r.months_paid,
            balance_fen: r.personal_account_fen,
            avg_contribution_index: r.avg_contribution_index,
        })
    }

    /// The worker's closed months not paid in full, oldest first, with what is still owed.
    pub async fn unpaid_months(&self, worker: WorkerId) -> Result<Vec<(YearMonth, Fen)>> {
        let l = self.read_workers(worker.0, worker.0).await?;
        Ok(l.arrears(worker).unpaid.iter().map(|u| (u.month, u.owed_fen)).collect())
    }

    /// The worker's income over all platforms in `month` and the months before it, newest
    /// first (`n` months; a month without income is 0): what the sustained income test reads.
    pub async fn recent_incomes(&self, worker: WorkerId, month: YearMonth, n: u32) -> Result<Vec<Fen>> {
        let first = month.add_months(-i64::from(n.saturating_sub(1))).unwrap_or(month);
        const SQL: &str = "SELECT month, CAST(SUM(income_fen) AS BIGINT) FROM month_income \
            WHERE worker_id = $1 AND month >= $2 AND month <= $3 GROUP BY month";
        let rows: Vec<(i32, i64)> =
            Sql::new(SQL).bind(worker.0).bind(month_code(first)).bind(month_code(month)).fetch_all(self.db()).await?;
        Ok((0..n)
            .map(|i| {
                let m = month.add_months(-i64::from(i)).map(month_code);
                rows.iter().find(|r| Some(r.0) == m).map_or(0, |r| r.1)
            })
            .collect())
    }
}
