//! The month report: the figures of `flexpension report month --json`.

use crate::ledger::Ledger;
use crate::record::allocation;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;

/// A contribution month across all workers. The field names are a contract of the CLI's JSON.
/// Amounts are of the month's live closes: `contribution_fen = subsidy_fen + paid_fen +
/// arrears_fen`, where `paid_fen` is what the workers have paid towards the month (money is
/// applied oldest month first) and `subsidy_fen` is the share the subsidy fund bears (billed),
/// paid out as each month is paid in full: `subsidy_paid_fen` is what it has paid so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
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
        let mut r = MonthReport::default();
        for (_, book) in self.books.iter() {
            let Some(mb) = book.month(month) else { continue };
            let Some(due) = mb.close.and_then(|i| self.entries[i].due()) else { continue };
            let paid = allocation(self, book).find(|a| a.0 == month).map_or(0, |a| a.2);
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
        // Saturates only if the ledger is broken beyond i64, which the report should then show.
        r.trial_balance_fen = Fen::try_from(self.trial_balance_fen()).unwrap_or(Fen::MAX);
        r
    }
}
