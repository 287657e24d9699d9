//! What the store refuses before the ledger sees it, because it needs the clock, the registry
//! or the record of closes: months that are not over, closes out of order, money received in
//! the future, from a platform that does not exist, or for a worker never enrolled; and who is
//! past the statutory retirement age (延缴). Every refusal names its field; nothing is written.

use crate::backend::Sql;
use crate::ids::month_code;
use crate::{Result, StoreError};
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::params::Category;
use flexpension_rules::{Params, YearMonth};
use std::collections::HashMap;

impl crate::Store {
    /// This month in China (UTC+8, no daylight saving), by the store's clock.
    pub fn this_month(&self) -> YearMonth {
        let secs = self.now_us().div_euclid(1_000_000) + 8 * 3600;
        let date = chrono::DateTime::from_timestamp(secs, 0).map(|d| d.date_naive()).unwrap_or_default();
        YearMonth::of_date(date)
    }

    /// A month closes once it is over, and months close in order: next to the months already
    /// closed (after the last or, back-filling, before the first), never leaving a gap.
    /// `reclose`: the month is closed already (no order to check).
    pub(crate) async fn check_close(&self, month: YearMonth, at: YearMonth, reclose: bool) -> Result<()> {
        let now = self.this_month();
        if month >= now {
            return Err(StoreError::invalid(
                "month",
                format!("{month} is not over (this month is {now}): a month is closed once it has ended"),
            ));
        }
        if at > now {
            return Err(StoreError::invalid("at", format!("corrections cannot be booked in {at}, after this month ({now})")));
        }
        if reclose {
            return Ok(());
        }
        let closed: Vec<i32> = Sql::new("SELECT DISTINCT month FROM month_closes ORDER BY month").scalars(self.db()).await?;
        let is_closed = |m: Option<YearMonth>| m.is_some_and(|m| closed.binary_search(&month_code(m)).is_ok());
        let code = month_code(month);
        if closed.first().is_some_and(|&f| f < code) && !is_closed(month.add_months(-1)) {
            let prev = month.add_months(-1).map(|m| m.to_string()).unwrap_or_default();
            return Err(StoreError::invalid(
                "month",
                format!("{prev} is not closed: months close in order, so close {prev} before {month}"),
            ));
        }
        if closed.last().is_some_and(|&l| l > code) && !is_closed(month.add_months(1)) {
            let next = month.add_months(1).map(|m| m.to_string()).unwrap_or_default();
            return Err(StoreError::invalid(
                "month",
                format!("{next} is not closed but a later month is: months close without gaps, so {month} cannot be closed now"),
            ));
        }
        Ok(())
    }

    /// Money is received in a month that has begun, from a payer the registry knows, for a
    /// worker enrolled in the employee pension by then (else it would only sit as credit).
    pub(crate) async fn check_payment(&self, p: &Payment) -> Result<()> {
        let now = self.this_month();
        if p.period > now {
            return Err(StoreError::invalid("period", format!("{} is in the future (this month is {now})", p.period)));
        }
        if let Payer::Platform(id) = p.payer {
            let n: i64 = Sql::new("SELECT COUNT(*) FROM platforms WHERE id = $1").bind(id.0).scalar(self.db()).await?;
            if n == 0 {
                return Err(StoreError::invalid("payer", format!("platform {} is not registered", id.0)));
            }
        }
        const SQL: &str = "SELECT MIN(from_month) FROM enrolments WHERE worker_id = $1 AND scheme = 'employee_pension'";
        let from: Option<i32> = Sql::new(SQL).bind(p.worker.0).scalar(self.db()).await?;
        match from {
            None => {
                return Err(StoreError::invalid(
                    "worker",
                    "the worker is not enrolled in the employee pension: there is nothing for the money to pay",
                ));
            }
            Some(from) if from > month_code(p.period) => {
                let from = crate::ids::month_from_code(from).map(|m| m.to_string()).unwrap_or_default();
                return Err(StoreError::invalid(
                    "period",
                    format!("money received in {} is before the worker's enrolment in the employee pension ({from})", p.period),
                ));
            }
            Some(_) => {}
        }
        Ok(())
    }
}

/// When a worker reaches the statutory retirement age, and what 延缴 allows after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AgeLimit {
    /// The statutory retirement month: months from it on are past the age.
    pub retire: YearMonth,
    /// Past the age a worker short of the minimum goes on paying until reached (延长缴费).
    pub continue_until_months: Option<u32>,
}

/// Retirement months by (birth month, sex), resolved once per distinct pair for a close.
pub(crate) struct AgeLimits<'p> {
    params: &'p Params,
    female: Category,
    month: YearMonth,
    continued: bool,
    cache: HashMap<(i32, bool), Option<AgeLimit>>,
}

impl<'p> AgeLimits<'p> {
    /// The rules in force in `month` for `region` (which original age applies to women).
    pub fn new(params: &'p Params, region: &flexpension_rules::params::Region, month: YearMonth) -> Result<AgeLimits<'p>> {
        let day = month.first_day();
        let bad = |e: flexpension_rules::params::ParamError| StoreError::invalid("month", e.to_string());
        let (female, _) = params.lookup(&region.female_flexible_category, day, |c| c.as_str().into()).map_err(bad)?;
        let (continued, _) = params.lookup(&params.national.continued_contribution_until_min_years, day, |v| v.to_string()).map_err(bad)?;
        Ok(AgeLimits { params, female: *female, month, continued: *continued, cache: HashMap::new() })
    }

    /// The limit of a worker born in `birth` (a month code), female or not; `None` when the
    /// rules give none (a birth month they cannot place).
    pub fn of(&mut self, birth: i32, female: bool) -> Option<AgeLimit> {
        let (params, cat, day, continued) =
            (self.params, if female { self.female } else { Category::Male }, self.month.first_day(), self.continued);
        *self.cache.entry((birth, female)).or_insert_with(|| {
            let b = crate::ids::month_from_code(birth)?;
            let r = params.retirement(b, cat, day).ok()?.value;
            Some(AgeLimit { retire: r.retirement_month, continue_until_months: continued.then_some(r.min_contribution_months) })
        })
    }
}
