//! The month close with the subsidy the provincial special fund grants: the same close as
//! `Ledger::close_month` and `Ledger::correct_month`, with each worker's subsidy limited to a
//! grant decided by the store (which holds the city's balance). The worker owes what the fund
//! does not pay; the close entry's due says so, and its postings follow from it as always.

use crate::close::{WorkerMonth, close_entry_granted};
use crate::entry::{Due, Entry};
use crate::error::LedgerError;
use crate::ids::{EntryId, Subject, WorkerId};
use crate::ledger::Ledger;
use flexpension_rules::{Fen, MonthRules, YearMonth};
use std::collections::HashMap;

/// `due` with its subsidy limited to `grant_fen`: the worker's net rises by what is cut.
pub fn granted(due: Due, grant_fen: Fen) -> Due {
    let subsidy_fen = due.subsidy_fen.min(grant_fen.max(0));
    Due { subsidy_fen, net_fen: due.contribution_fen - subsidy_fen, ..due }
}

impl Ledger {
    /// `close_month` with the subsidies limited to `grants` (a worker missing from it gets the
    /// rules' subsidy in full, as without a fund).
    pub fn close_month_granted(
        &mut self,
        month: YearMonth,
        workers: &[WorkerMonth],
        rules: &MonthRules,
        grants: &HashMap<WorkerId, Fen>,
    ) -> Result<&[Entry], LedgerError> {
        if rules.month != month {
            return Err(LedgerError::WrongMonth { month, rules: rules.month });
        }
        let mut closes = Vec::with_capacity(workers.len());
        for w in workers.iter().filter(|w| w.enrolled && !self.was_closed(w.worker, month)) {
            closes.push(close_entry_granted(month, w, rules, 0, month, grants.get(&w.worker).copied())?);
        }
        self.post_closes(closes, month)
    }

    /// `correct_month` with the subsidy limited to `grant_fen`.
    pub fn correct_month_granted(
        &mut self,
        wm: &WorkerMonth,
        rules: &MonthRules,
        at: YearMonth,
        grant_fen: Option<Fen>,
    ) -> Result<&[Entry], LedgerError> {
        let (w, month) = (wm.worker, rules.month);
        let mb = self
            .books
            .get(&w)
            .and_then(|b| b.month(month))
            .copied()
            .filter(|b| b.closes > 0)
            .ok_or(LedgerError::NotClosed { worker: w, month })?;
        let live = mb.close.map(|i| &self.entries[i]);
        let new = if wm.enrolled { Some(close_entry_granted(month, wm, rules, mb.closes, at, grant_fen)?) } else { None };
        let start = self.entries.len();
        if live.and_then(Entry::due) == new.as_ref().and_then(Entry::due) {
            return Ok(&self.entries[start..]);
        }
        let reversal = live.map(|e| Entry::reversal_of(e, at)).transpose()?;
        self.uncredit(w, month, at)?;
        if let Some(r) = reversal {
            self.post(r)?;
        }
        if let Some(new) = new {
            self.post(new)?;
        }
        self.reconcile_worker(w, at)?;
        Ok(&self.entries[start..])
    }

    /// The live close's due of a worker-month, if closed.
    pub fn live_due(&self, worker: WorkerId, month: YearMonth) -> Option<&Due> {
        let mb = self.books.get(&worker)?.month(month)?;
        self.entries[mb.close?].due()
    }

    /// Has the worker's month a live crediting (paid in full)?
    pub fn month_credited(&self, worker: WorkerId, month: YearMonth) -> bool {
        self.books.get(&worker).and_then(|b| b.month(month)).is_some_and(|m| m.paid.is_some())
    }

    /// The first close's id of a worker-month.
    pub fn first_close(worker: WorkerId, month: YearMonth) -> EntryId {
        EntryId::new(worker, Subject::Close { month, rev: 0 })
    }
}
