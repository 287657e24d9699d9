//! When a platform's bill falls due and what of it is overdue (section 5.4 of the paper:
//! arrears and reminders for platforms as for workers). The bill of a month (contract shares,
//! injury premiums, union dues) falls due on a day of the following month, a dated region
//! parameter (`platform_bill_due_day`); whatever of it is still unpaid after that day is
//! overdue (逾期), counted in days from the due day. Pure: balances and today come in as
//! arguments, so a page works it out afresh on every read.

use crate::explain::{Explained, Explainer, ParamUse};
use crate::money::{Fen, yuan};
use crate::params::{ParamError, Params};
use crate::time::YearMonth;
use chrono::NaiveDate;
use serde::Serialize;

/// The latest due day a region may set: every month has it.
pub const MAX_DUE_DAY: u32 = 28;

/// A due day as a region file gives it: a whole day of the month, 1 to 28.
pub(crate) fn due_day(v: &toml::Value) -> Result<u32, String> {
    v.as_integer()
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| (1..=MAX_DUE_DAY).contains(d))
        .ok_or_else(|| format!("must be a day of the month from 1 to {MAX_DUE_DAY} (every month has it), not {v}"))
}

/// A month's bill on a day: when it falls due and how late it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillDue {
    pub month: YearMonth,
    pub due_on: NaiveDate,
    /// What of the month's bill is unpaid.
    pub outstanding_fen: Fen,
    /// Something is unpaid and the due day has passed.
    pub overdue: bool,
    /// Days since the due day while overdue; 0 otherwise.
    pub days_overdue: i64,
}

impl Params {
    /// The day a platform's bill for `month` falls due in `region`: the parameter's day of the
    /// following month (the value in force on the first day of that month), and its use.
    pub fn platform_bill_due(&self, region: &str, month: YearMonth) -> Result<(NaiveDate, ParamUse), ParamError> {
        let r = self.region(region)?;
        let next = month.add_months(1).ok_or_else(|| ParamError::NoValue {
            file: r.platform_bill_due_day.file.clone(),
            key: r.platform_bill_due_day.key.clone(),
            date: month.first_day(),
            problem: "the month after is out of range".into(),
        })?;
        let (day, u) = self.lookup(&r.platform_bill_due_day, next.first_day(), |d| d.to_string())?;
        // Valid: the day is 1 to 28, checked when loaded.
        let due = NaiveDate::from_ymd_opt(next.year(), next.month(), *day).unwrap_or(next.first_day());
        Ok((due, u))
    }

    /// Where a platform's bill for `month` stands on `today`, `outstanding_fen` being what of it
    /// is unpaid: its due day, whether it is overdue and by how many days, explained.
    pub fn platform_bill_status(
        &self,
        region: &str,
        month: YearMonth,
        outstanding_fen: Fen,
        today: NaiveDate,
    ) -> Result<Explained<BillDue>, ParamError> {
        let (due_on, u) = self.platform_bill_due(region, month)?;
        let day = u.value.clone();
        let mut ex = Explainer::new();
        ex.uses(u);
        ex.step(
            format!("{month}的账单在次月{day}日到期，即{due_on}。"),
            format!("The bill for {month} falls due on day {day} of the following month: {due_on}."),
        );
        let overdue = outstanding_fen > 0 && today > due_on;
        let days_overdue = if overdue { (today - due_on).num_days() } else { 0 };
        let owed = yuan(outstanding_fen);
        if outstanding_fen <= 0 {
            ex.step("这个月的账单已经缴清。", "The month's bill is paid in full.");
        } else if overdue {
            ex.step(
                format!("到期后仍有{owed}元未缴，截至{today}已逾期{days_overdue}天。"),
                format!("{owed} yuan is still unpaid after the due day: {days_overdue} days overdue on {today}."),
            );
        } else {
            ex.step(
                format!("还有{owed}元未缴，{due_on}前缴清即不算逾期。"),
                format!("{owed} yuan is unpaid; paid by {due_on}, it is not overdue."),
            );
        }
        Ok(ex.finish(BillDue { month, due_on, outstanding_fen, overdue, days_overdue }))
    }
}

/// The overdue months among a platform's unpaid ones ((month, outstanding)), oldest first, with
/// the parameters used (each once).
pub fn overdue_months(
    params: &Params,
    region: &str,
    unpaid: &[(YearMonth, Fen)],
    today: NaiveDate,
) -> Result<(Vec<BillDue>, Vec<ParamUse>), ParamError> {
    let mut months = Vec::new();
    let mut uses: Vec<ParamUse> = Vec::new();
    let mut sorted = unpaid.to_vec();
    sorted.sort_by_key(|u| u.0);
    for (month, outstanding) in sorted {
        let e = params.platform_bill_status(region, month, outstanding, today)?;
        for u in e.params {
            if !uses.iter().any(|x| x.key == u.key && x.effective_from == u.effective_from) {
                uses.push(u);
            }
        }
        if e.value.overdue {
            months.push(e.value);
        }
    }
    Ok((months, uses))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        s.parse().expect("month")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_bill_falls_due_in_the_next_month_and_is_late_only_after() {
        let p = Params::embedded().expect("params");
        let (due, u) = p.platform_bill_due("zj", ym("2025-09")).expect("due");
        assert_eq!(due, day("2025-10-15"));
        assert_eq!((u.key.as_str(), u.source.as_str()), ("platform_bill_due_day", "DESIGN"));
        assert_eq!(p.platform_bill_due("zj", ym("2025-12")).expect("december").0, day("2026-01-15"));
        let status = |today: &str, owed| p.platform_bill_status("zj", ym("2025-09"), owed, day(today)).expect("status");
        let before = status("2025-10-14", 500);
        assert!(!before.value.overdue && before.value.days_overdue == 0, "{before:?}");
        assert!(!status("2025-10-15", 500).value.overdue, "paid on the due day is on time");
        let after = status("2025-10-16", 500);
        assert_eq!((after.value.overdue, after.value.days_overdue), (true, 1));
        assert!(after.steps.iter().any(|s| s.en.contains("1 days overdue") && s.zh.contains("逾期1天")), "{:?}", after.steps);
        assert!(after.warnings.iter().any(|w| w.en.contains("this system's own choice")), "a design value says so: {:?}", after.warnings);
        let paid = status("2026-03-01", 0);
        assert!(!paid.value.overdue && paid.steps.iter().any(|s| s.en.contains("paid in full")));

        let (late, uses) = overdue_months(&p, "zj", &[(ym("2025-10"), 300), (ym("2025-09"), 200), (ym("2025-11"), 100)], day("2025-11-20"))
            .expect("overdue");
        assert_eq!(
            late.iter().map(|b| (b.month.to_string(), b.days_overdue)).collect::<Vec<_>>(),
            [("2025-09".into(), 36), ("2025-10".into(), 5)]
        );
        assert_eq!(uses.len(), 1);
    }

    #[test]
    fn a_region_file_with_a_bad_due_day_is_refused() {
        let files: Vec<(String, String)> = crate::params::EMBEDDED
            .iter()
            .map(|(n, t)| (n.to_string(), if *n == "regions/ah.toml" { t.replace("value = 15", "value = 31") } else { t.to_string() }))
            .collect();
        let e = Params::load(&files).expect_err("refused").to_string();
        assert!(e.contains("regions/ah.toml") && e.contains("platform_bill_due_day") && e.contains("1 to 28"), "{e}");
    }

    #[test]
    fn a_due_day_is_a_day_every_month_has() {
        assert_eq!(due_day(&toml::Value::Integer(15)), Ok(15));
        for bad in [toml::Value::Integer(0), toml::Value::Integer(29), toml::Value::String("15".into())] {
            assert!(due_day(&bad).is_err(), "{bad}");
        }
    }
}
