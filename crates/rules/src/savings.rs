//! The worker's own choices, as rules (the paper's 5.1-5.2): the room a pension savings account
//! (个人养老储蓄账户) deposit may use, its taxes, which unpaid months may still be paid (补缴)
//! and with what surcharge, and the sustained income test (持续性收入). Each explains itself
//! and names the parameters it used.

use crate::explain::{Explained, Explainer};
use crate::money::{Fen, yuan};
use crate::params::{ParamError, Params};
use crate::time::YearMonth;
use chrono::NaiveDate;
use serde::Serialize;

/// How much of a year's occasional income may still be deposited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SavingsRoom {
    pub year: i32,
    pub occasional_income_fen: Fen,
    /// The most the year's income allows in all (its share, half-up to the fen).
    pub limit_fen: Fen,
    pub deposited_fen: Fen,
    /// What is left: `limit - deposited`, never below 0.
    pub room_fen: Fen,
}

/// What a deposit means for income tax now and at withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SavingsTax {
    pub deposit_fen: Fen,
    /// Occasional income tax not paid now: the deposit is deducted before tax.
    pub tax_saved_now_fen: Fen,
    /// The tax due when the money is taken out (or used).
    pub tax_at_withdrawal_fen: Fen,
    /// `saved - at withdrawal`: what the worker keeps.
    pub net_gain_fen: Fen,
}

/// A closed month not paid in full, and whether it may still be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BackPayMonth {
    pub month: YearMonth,
    pub owed_fen: Fen,
    /// Inside the back-payment window.
    pub payable: bool,
    /// The late-payment surcharge the law sets on it (0 for a flexible worker's own arrears).
    pub surcharge_fen: Fen,
}

/// The sustained income test's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SustainedIncome {
    pub months_with_income: u32,
    pub months_needed: u32,
    pub window_months: u32,
    pub threshold_fen: Fen,
    pub met: bool,
}

fn day(year: i32) -> Result<NaiveDate, ParamError> {
    NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| ParamError::Invalid {
        file: String::new(),
        key: "year".into(),
        problem: format!("{year} is out of range"),
    })
}

impl Params {
    /// The room left in `year`: its share of the occasional income, less what was deposited.
    pub fn savings_room(&self, year: i32, occasional_income_fen: Fen, deposited_fen: Fen) -> Result<Explained<SavingsRoom>, ParamError> {
        let mut ex = Explainer::new();
        let (share, u) = self.lookup(&self.national.choice.savings_occasional_share, day(year)?, |v| v.percent())?;
        ex.uses(u);
        let limit_fen = share.of(occasional_income_fen.max(0));
        let room_fen = (limit_fen - deposited_fen).max(0);
        let (pct, inc, lim, dep, room) =
            (share.percent(), yuan(occasional_income_fen), yuan(limit_fen), yuan(deposited_fen), yuan(room_fen));
        ex.step(
            format!("{year}年您申报的偶然所得共{inc}元，其中最多{pct}、即{lim}元可以在税前存入养老储蓄账户。"),
            format!("Your occasional income declared for {year} is {inc} yuan; up to {pct} of it, {lim} yuan, may go into the savings account before tax."),
        );
        ex.step(
            format!("今年已经存入{dep}元，还可以存{room}元。"),
            format!("You have deposited {dep} yuan this year, so {room} yuan more may go in."),
        );
        Ok(ex.finish(SavingsRoom { year, occasional_income_fen, limit_fen, deposited_fen, room_fen }))
    }

    /// The tax a deposit of `deposit_fen` from `year`'s occasional income saves now and owes at
    /// withdrawal (deferred tax), each rounded half-up to the fen.
    pub fn savings_tax(&self, year: i32, deposit_fen: Fen) -> Result<Explained<SavingsTax>, ParamError> {
        let mut ex = Explainer::new();
        let c = &self.national.choice;
        let (now_rate, u) = self.lookup(&c.savings_occasional_tax_rate, day(year)?, |v| v.percent())?;
        ex.uses(u);
        let (later_rate, u) = self.lookup(&c.savings_withdrawal_tax_rate, day(year)?, |v| v.percent())?;
        ex.uses(u);
        let saved = now_rate.of(deposit_fen);
        let later = later_rate.of(deposit_fen);
        let (d, s, l, n) = (yuan(deposit_fen), yuan(saved), yuan(later), yuan(saved - later));
        ex.step(
            format!("存入的{d}元不算入应税的偶然所得：按{}的税率，现在少交税{s}元。", now_rate.percent()),
            format!(
                "The {d} yuan deposited is taken off your taxable occasional income: at the {} rate you pay {s} yuan less tax now.",
                now_rate.percent()
            ),
        );
        ex.step(
            format!("这笔钱取出或用于缴费时，按{}单独计税，要交{l}元。", later_rate.percent()),
            format!("When the money is taken out or used for contributions it is taxed on its own at {}: {l} yuan.", later_rate.percent()),
        );
        ex.step(format!("前后相比，您少交税{n}元。"), format!("All told you pay {n} yuan less tax."));
        Ok(ex.finish(SavingsTax { deposit_fen, tax_saved_now_fen: saved, tax_at_withdrawal_fen: later, net_gain_fen: saved - later }))
    }

    /// The unpaid months (`(month, owed)`) as back-payment sees them in `now`: which may still
    /// be paid, and the surcharge on each.
    pub fn back_payment(&self, unpaid: &[(YearMonth, Fen)], now: YearMonth) -> Result<Explained<Vec<BackPayMonth>>, ParamError> {
        let mut ex = Explainer::new();
        let c = &self.national.choice;
        let (max, u) = self.lookup(&c.backpay_max_months, now.first_day(), |v| v.to_string())?;
        ex.uses(u);
        let (fee, u) = self.lookup(&c.backpay_late_fee_daily, now.first_day(), |v| v.percent())?;
        ex.uses(u);
        let oldest = now.add_months(-i64::from(*max));
        let out: Vec<BackPayMonth> = unpaid
            .iter()
            .map(|&(month, owed_fen)| {
                let payable = oldest.is_none_or(|o| month >= o);
                // Days from the first day of the month after the month owed to the first of this month.
                let days = month.add_months(1).map_or(0, |m| (now.first_day() - m.first_day()).num_days().max(0));
                let surcharge_fen = fee.of(owed_fen).saturating_mul(days);
                BackPayMonth { month, owed_fen, payable, surcharge_fen }
            })
            .collect();
        let first = oldest.map(|m| m.to_string()).unwrap_or_default();
        ex.step(
            format!("欠缴的月份可以在{max}个月内补缴：现在能补的最早是{first}。"),
            format!("A missed month may be paid within {max} months: the oldest you can still pay now is {first}."),
        );
        if fee.0 == 0 {
            ex.step(
                "您自己缴费，不是用人单位：补缴不加收滞纳金。",
                "You pay your own contributions and are not an employer: no late-payment surcharge is added.",
            );
        } else {
            ex.step(
                format!("补缴按每天{}加收滞纳金。", fee.percent()),
                format!("A surcharge of {} a day is added to a late month.", fee.percent()),
            );
        }
        Ok(ex.finish(out))
    }

    /// The sustained income test in `month` over the incomes of the months up to it
    /// (`incomes[i]` is the income `i` months before `month`; missing months count as none).
    pub fn sustained_income(&self, month: YearMonth, incomes: &[Fen]) -> Result<Explained<SustainedIncome>, ParamError> {
        let mut ex = Explainer::new();
        let c = &self.national.choice;
        let d = month.first_day();
        let (threshold, u) = self.lookup(&c.sustained_income_threshold, d, |v| yuan(*v))?;
        ex.uses(u);
        let (need, u) = self.lookup(&c.sustained_income_months, d, |v| v.to_string())?;
        ex.uses(u);
        let (window, u) = self.lookup(&c.sustained_income_window_months, d, |v| v.to_string())?;
        ex.uses(u);
        let n = incomes.iter().take(*window as usize).filter(|&&i| i >= *threshold).count() as u32;
        let met = n >= *need;
        let t = yuan(*threshold);
        ex.step(
            format!("截至{month}的{window}个月里，您有{n}个月收入不低于{t}元；需要至少{need}个月。"),
            format!(
                "In the {window} months up to {month} you had {n} months with at least {t} yuan of income; at least {need} are needed."
            ),
        );
        if met {
            ex.step("您有持续性收入，可以凭平台收入参保。", "Your income is sustained: you may enrol on your platform income.");
        } else {
            ex.step(
                format!("还差{}个月，暂时不能凭平台收入参保；您仍可以按灵活就业人员自己申报参保。", need - n),
                format!("{} more such months are needed before you can enrol on platform income; you may still enrol as a flexible worker on your own declaration.", need - n),
            );
        }
        Ok(ex.finish(SustainedIncome {
            months_with_income: n,
            months_needed: *need,
            window_months: *window,
            threshold_fen: *threshold,
            met,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Params {
        Params::embedded().unwrap()
    }

    #[test]
    fn room_is_twenty_percent_of_occasional_income_less_deposits() {
        let r = p().savings_room(2025, 1_000_001, 50_000).unwrap();
        assert_eq!(r.value.limit_fen, 200_000, "half-up: 200000.2 fen");
        assert_eq!(r.value.room_fen, 150_000);
        assert!(r.params.iter().any(|u| u.key == "savings.occasional_share"));
        let full = p().savings_room(2025, 100_000, 30_000).unwrap();
        assert_eq!(full.value.room_fen, 0);
    }

    #[test]
    fn tax_saved_now_and_deferred() {
        let t = p().savings_tax(2025, 100_000).unwrap().value;
        assert_eq!((t.tax_saved_now_fen, t.tax_at_withdrawal_fen, t.net_gain_fen), (20_000, 3_000, 17_000));
    }

    #[test]
    fn back_payment_window_and_no_surcharge_for_flexible_workers() {
        let now: YearMonth = "2026-06".parse().unwrap();
        let m = |s: &str| s.parse::<YearMonth>().unwrap();
        let r = p().back_payment(&[(m("2025-05"), 100), (m("2025-06"), 100), (m("2026-05"), 100)], now).unwrap().value;
        assert_eq!(r.iter().map(|b| b.payable).collect::<Vec<_>>(), [false, true, true]);
        assert!(r.iter().all(|b| b.surcharge_fen == 0));
    }

    #[test]
    fn sustained_income_needs_three_of_six_months() {
        let m: YearMonth = "2026-06".parse().unwrap();
        assert!(p().sustained_income(m, &[100_000, 0, 100_000, 0, 100_000, 0]).unwrap().value.met);
        let no = p().sustained_income(m, &[100_000, 0, 100_000, 0, 0, 0, 100_000]).unwrap();
        assert!(!no.value.met);
        assert!(no.steps.iter().any(|s| s.en.contains("more such months")));
    }
}
