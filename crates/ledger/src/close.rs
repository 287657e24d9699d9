//! Month close as a function: (month, workers' incomes and enrolment, rules) -> close entries.

use crate::entry::{Due, Entry, close_postings};
use crate::error::LedgerError;
use crate::ids::{EntryId, Subject, WorkerId};
use flexpension_rules::contribution::compute;
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, MonthRules, YearMonth};

/// One worker's month as the close sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerMonth {
    pub worker: WorkerId,
    /// Verified income from all platforms in the month.
    pub income_fen: Fen,
    /// The base the worker declared; `None` means the region's lower limit.
    pub declared_base_fen: Option<Fen>,
    /// Enrolled in the employee basic pension (职工基本养老保险) this month.
    pub enrolled: bool,
}

/// The close entries of `month`: one per enrolled worker, in input order, each with the
/// deterministic id `worker/close/month/0`. Pure: posting the result twice changes nothing
/// (the second post finds the same ids). Refuses the whole batch, before producing anything,
/// on an invalid amount, a worker listed twice or rules for another month.
pub fn close_entries(month: YearMonth, workers: &[WorkerMonth], rules: &MonthRules) -> Result<Vec<Entry>, LedgerError> {
    if rules.month != month {
        return Err(LedgerError::WrongMonth { month, rules: rules.month });
    }
    check_distinct(month, workers)?;
    let mut out = Vec::with_capacity(workers.len());
    for w in workers.iter().filter(|w| w.enrolled) {
        out.push(close_entry(month, w, rules, 0, month)?);
    }
    Ok(out)
}

/// The close of one worker's month at correction number `rev`, booked in `period` (the month
/// itself when first closed, the month of the correction after).
pub(crate) fn close_entry(
    month: YearMonth,
    w: &WorkerMonth,
    rules: &MonthRules,
    rev: u32,
    period: YearMonth,
) -> Result<Entry, LedgerError> {
    close_entry_granted(month, w, rules, rev, period, None)
}

/// `close_entry` with the subsidy limited to `grant_fen` when given (what the provincial
/// special fund grants, `crate::fund`); the worker owes the rest.
pub(crate) fn close_entry_granted(
    month: YearMonth,
    w: &WorkerMonth,
    rules: &MonthRules,
    rev: u32,
    period: YearMonth,
    grant_fen: Option<Fen>,
) -> Result<Entry, LedgerError> {
    let input = |field, reason: &str| LedgerError::Input { worker: w.worker, field, reason: reason.to_string() };
    if !(0..=MAX_FEN).contains(&w.income_fen) {
        return Err(input("income_fen", "must be between 0 and 10,000,000,000 yuan"));
    }
    if w.declared_base_fen.is_some_and(|b| !(1..=MAX_FEN).contains(&b)) {
        return Err(input("declared_base_fen", "must be more than 0 and at most 10,000,000,000 yuan"));
    }
    let mut due = Due::new(w.income_fen, &compute(rules, w.income_fen, w.declared_base_fen));
    if let Some(g) = grant_fen {
        due = crate::fund::granted(due, g);
    }
    let id = EntryId::new(w.worker, Subject::Close { month, rev });
    Entry::new(id, period, None, close_postings(id, &due).to_vec(), Some(due))
}

/// A worker listed twice would be billed twice under one id; refuse it. Sorted input (the
/// store's order) is checked in one pass, anything else by sorting a copy of the ids.
fn check_distinct(month: YearMonth, workers: &[WorkerMonth]) -> Result<(), LedgerError> {
    let dup = |worker| Err(LedgerError::DuplicateWorker { worker, month });
    if workers.windows(2).all(|p| p[0].worker < p[1].worker) {
        return Ok(());
    }
    let mut ids: Vec<WorkerId> = workers.iter().map(|w| w.worker).collect();
    ids.sort_unstable();
    match ids.windows(2).find(|p| p[0] == p[1]) {
        Some(p) => dup(p[0]),
        None => Ok(()),
    }
}
