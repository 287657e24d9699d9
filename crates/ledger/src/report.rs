//! The month report: the figures of `flexpension report month --json`.

use crate::ids::WorkerId;
use crate::ledger::Ledger;
use crate::record::allocation;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;

/// A contribution month across all workers. The field names are a contract of the CLI's JSON.
/// Amounts are of the month's live closes: `contribution_fen = subsidy_fen + paid_fen +
/// arrears_fen`, where `paid_fen` is what the workers have paid towards the month (money is
/// applied oldest month first) and `subsidy_fen` is the share the subsidy fund bears (billed),
/// paid out as each month is paid in full: `subsidy_paid_fen` is what it has paid so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, derive_more::AddAssign)]
pub struct MonthReport {
    pub workers: u64,
    pub income_fen: Fen,
    pub contribution_fen: Fen,
    /// The subsidy fund's share of the month's contributions (billed: drawn as each worker's
    /// month is paid in full).
    pub subsidy_fen: Fen,
    /// The part of `subsidy_fen` drawn so far: the subsidy of the months paid in full.
    pub subsidy_paid_fen: Fen,
    pub paid_fen: Fen,
    pub arrears_fen: Fen,
    /// The sum of every posting in the ledger: 0 unless something is badly wrong.
    pub trial_balance_fen: Fen,
}

impl Ledger {
    pub fn month_report(&self, month: YearMonth) -> MonthReport {
        let mut r = self.month_reports(&[month], u32::MAX, |_| true).into_iter().next().map(|m| m.report).unwrap_or_default();
        // Saturates only if the ledger is broken beyond i64, which the report should then show.
        r.trial_balance_fen = Fen::try_from(self.trial_balance_fen()).unwrap_or(Fen::MAX);
        r
    }

    /// The report of each of `months` over the workers `keep` admits (trial balance left 0), and
    /// how many of them were lapsed at each month's end: billed that month or before, with at
    /// least `lapse_after_months` months up to it not paid in full by the money received so far.
    /// One pass over each worker's book for all the months.
    pub fn month_reports(&self, months: &[YearMonth], lapse_after_months: u32, keep: impl Fn(WorkerId) -> bool) -> Vec<MonthFigures> {
        let mut out: Vec<MonthFigures> =
            months.iter().map(|&month| MonthFigures { month, report: MonthReport::default(), lapsed: 0 }).collect();
        for (w, book) in self.books.iter() {
            if !keep(*w) {
                continue;
            }
            let alloc: Vec<(YearMonth, Fen, Fen)> = allocation(self, book).collect();
            for f in out.iter_mut() {
                let month = f.month;
                let unpaid = alloc.iter().filter(|a| a.0 <= month && a.2 < a.1).count();
                if unpaid > 0 && u32::try_from(unpaid).unwrap_or(u32::MAX) >= lapse_after_months {
                    f.lapsed += 1;
                }
                let Some(mb) = book.month(month) else { continue };
                let Some(due) = mb.close.and_then(|i| self.entries[i].due()) else { continue };
                let paid = alloc.iter().find(|a| a.0 == month).map_or(0, |a| a.2);
                let r = &mut f.report;
                r.workers += 1;
                r.income_fen += due.income_fen;
                r.contribution_fen += due.contribution_fen;
                r.subsidy_fen += due.subsidy_fen;
                if mb.paid.is_some() {
                    r.subsidy_paid_fen += due.subsidy_fen;
                }
                r.paid_fen += paid;
                r.arrears_fen += due.net_fen - paid;
            }
        }
        out
    }
}

/// One month of [`Ledger::month_reports`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthFigures {
    pub month: YearMonth,
    pub report: MonthReport,
    /// Workers lapsed at the month's end (see [`Ledger::month_reports`]).
    pub lapsed: u64,
}
