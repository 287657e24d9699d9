//! Year end: credit the year's interest (记账利息) to every personal account, computed by the
//! rules core's `Params::project_account` so the ledger and the estimates cannot disagree.

use crate::entry::{Entry, Posting};
use crate::error::LedgerError;
use crate::ids::{Account, EntryId, Subject};
use crate::ledger::Ledger;
use flexpension_rules::pension::AccountMonth;
use flexpension_rules::{Dec6, Explainer, Fen, Params, YearMonth};

impl Ledger {
    /// Credit `year`'s interest, booked in its December, by the annual method (年度计算法) of
    /// the personal-account rules (劳办发〔1997〕116号, source `LB1997-116` in params): the
    /// balance at the start of the year × r + the year's credits × r × 1.083 × ½ (parameter
    /// `new_contribution_interest_factor`), r the official credited rate (人社部发〔2017〕31号).
    /// A year without an official rate is an error unless `assumed_rate` is given. Workers
    /// already credited for the year are skipped, so running it again is a no-op. "The year's
    /// credits" are those booked in the year (实缴: a late payment counts in the year it came).
    /// Years are credited in order: a year is refused whole, before anything is posted, when a
    /// worker with money on the account that year has a later year's interest but never had
    /// this year's (the later year's opening balance would miss it). Entries booked in a year after its interest was credited
    /// earn interest from the next year on.
    pub fn credit_interest(&mut self, year: i32, params: &Params, assumed_rate: Option<Dec6>) -> Result<&[Entry], LedgerError> {
        let december = YearMonth::new(year, 12).ok_or(LedgerError::BadYear { year })?;
        // Fails here, before anything is posted, when the year has no rate and none is assumed.
        params.project_account(0, &[], december, assumed_rate, &mut Explainer::new())?;
        let mut credits = Vec::new();
        for w in self.workers() {
            let Some(book) = self.books.get(&w) else { continue };
            let yb = book.year(year);
            if yb.is_some_and(|y| y.interest.is_some()) {
                continue;
            }
            let opening: Fen = book.years.iter().take_while(|y| y.year < year).map(|y| y.contributions_fen + y.interest_fen).sum();
            let contributions = yb.map_or(0, |y| y.contributions_fen);
            if opening == 0 && contributions == 0 {
                continue;
            }
            // A year never credited, after a later year was: the later year's opening balance
            // lacks this year's interest. (A year whose interest was reversed may be credited
            // again: the later years were computed with it.)
            if yb.is_none_or(|y| y.interests == 0)
                && let Some(later) = book.years.iter().find(|y| y.year > year && y.interest.is_some())
            {
                return Err(LedgerError::InterestOrder { worker: w, year, later: later.year });
            }
            let history = [AccountMonth { month: december, personal_account_fen: contributions }];
            let p = params.project_account(opening, &history, december, assumed_rate, &mut Explainer::new())?;
            if p.interest_fen != 0 {
                credits.push((w, p.interest_fen, yb.map_or(0, |y| y.interests)));
            }
        }
        let start = self.entries.len();
        for (w, interest, seq) in credits {
            let id = EntryId::new(w, Subject::Interest { year, seq });
            let postings = vec![Posting::debit(Account::InterestExpense, interest), Posting::credit(Account::PersonalAccount(w), interest)];
            self.post(Entry::new(id, december, None, postings, None)?)?;
        }
        Ok(&self.entries[start..])
    }
}
