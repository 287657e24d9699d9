//! The month report: the figures of `flexpension report month --json`.

use crate::ledger::Ledger;
use crate::record::allocation;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;

/// A contribution month across all workers. The field names are a contract of the CLI's JSON.
/// Amounts are of the month's live closes: `contribution_fen = subsidy_fen + paid_fen +
/// arrears_fen`, where `paid_fen` is what the workers have paid towards the month (money is
/// applied oldest month first) and the subsidy is the share the subsidy fund bears, paid out as
/// each month is paid in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct MonthReport {
    pub workers: u64,
    pub income_fen: Fen,
    pub contribution_fen: Fen,
    pub subsidy_fen: Fen,
    pub paid_fen: Fen,
    pub arrears_fen: Fen,
    /// The sum of every posting in the ledger: 0 unless something is badly wrong.
    pub trial_balance_fen: Fen,
}

impl Ledger {
    pub fn month_report(&self, month: YearMonth) -> MonthReport {
        let mut r = MonthReport::default();
        for (_, book) in self.books.iter() {
            let Some(due) = book.month(month).and_then(|m| m.close).and_then(|i| self.entries[i].due()) else { continue };
            let paid = allocation(self, book).find(|a| a.0 == month).map_or(0, |a| a.2);
            r.workers += 1;
            r.income_fen += due.income_fen;
            r.contribution_fen += due.contribution_fen;
            r.subsidy_fen += due.subsidy_fen;
            r.paid_fen += paid;
            r.arrears_fen += due.net_fen - paid;
        }
        // Saturates only if the ledger is broken beyond i64, which the report should then show.
        r.trial_balance_fen = Fen::try_from(self.trial_balance_fen()).unwrap_or(Fen::MAX);
        r
    }
}
