//! Operations on the ledger. Each one builds its entries, posts them and returns the entries it
//! appended (a slice of the journal's tail, no copy), which is exactly what the store must
//! persist. Every operation ends by reconciling the worker's months with the money received
//! (`reconcile`). Inputs are checked before anything is posted; the only failure after that is
//! an overflowing balance (beyond 92 billion yuan), after which the ledger must be rebuilt from
//! the store.

use crate::close::{WorkerMonth, close_entries};
use crate::entry::{Entry, paid_postings, payment_postings};
use crate::error::LedgerError;
use crate::ids::{EntryId, EntryKind, Payer, Subject, WorkerId};
use crate::ledger::Ledger;
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, MonthRules, YearMonth};

/// Money received for a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub worker: WorkerId,
    pub payer: Payer,
    /// The payment's number for its payer (the store's key on the bank's or platform's own
    /// transaction reference): the same reference twice is one payment.
    pub reference: i64,
    pub amount_fen: Fen,
    /// The accounting month it was received in.
    pub period: YearMonth,
}

impl Ledger {
    /// Close `month` for the workers not closed for it yet; a worker whose month was ever
    /// closed is skipped, so closing again is a no-op (a changed income is a correction, see
    /// `correct_month`). Input errors refuse the whole batch before anything is posted.
    pub fn close_month(&mut self, month: YearMonth, workers: &[WorkerMonth], rules: &MonthRules) -> Result<&[Entry], LedgerError> {
        let open: Vec<WorkerMonth> = workers.iter().filter(|w| !self.was_closed(w.worker, month)).copied().collect();
        let closes = close_entries(month, &open, rules)?;
        self.post_closes(closes, month)
    }

    /// Post new closes, each worker's creditings brought in line at once; the entries appended.
    pub(crate) fn post_closes(&mut self, closes: Vec<Entry>, month: YearMonth) -> Result<&[Entry], LedgerError> {
        self.reserve(closes.len());
        let start = self.entries.len();
        for e in closes {
            let w = e.id().worker;
            self.post(e)?;
            self.reconcile_worker(w, month)?;
        }
        Ok(&self.entries[start..])
    }

    /// Record money received and credit whatever months it pays in full, oldest first; what is
    /// left waits as partial payment of the oldest unpaid month or as credit.
    pub fn pay(&mut self, p: &Payment) -> Result<&[Entry], LedgerError> {
        if !(1..=MAX_FEN).contains(&p.amount_fen) {
            return Err(LedgerError::Input {
                worker: p.worker,
                field: "amount_fen",
                reason: "must be more than 0 and at most 10,000,000,000 yuan".into(),
            });
        }
        let id = EntryId::new(p.worker, Subject::Payment { payer: p.payer, reference: p.reference });
        // The money pays the oldest month not paid in full: it cannot have been received before
        // that month existed (a repeat of a recorded payment is let through to be a no-op).
        if self.entry(&id).is_none()
            && let Some(first) = self.oldest_unpaid(p.worker)
            && p.period < first
        {
            return Err(LedgerError::Input {
                worker: p.worker,
                field: "period",
                reason: format!(
                    "money received in {} cannot pay {first}, the oldest month it pays: it is received in that month or later",
                    p.period
                ),
            });
        }
        if p.payer == Payer::Savings && self.entry(&id).is_none() {
            crate::savings::check_savings_cover(self, p.worker, p.amount_fen)?;
        }
        // One shape for every payment: a store derives it again from the amount (`payment_postings`).
        let postings = payment_postings(id, p.amount_fen).map(|x| x.to_vec()).unwrap_or_default();
        let e = Entry::new(id, p.period, None, postings, None)?;
        let start = self.entries.len();
        self.post(e)?;
        self.reconcile_worker(p.worker, p.period)?;
        Ok(&self.entries[start..])
    }

    /// Reverse a close, a payment or an interest credit, booked in `at`, and reconcile the
    /// worker. Creditings follow from closes and payments and are not reversed by hand.
    pub fn reverse(&mut self, id: &EntryId, at: YearMonth) -> Result<&[Entry], LedgerError> {
        let original = self.entry(id).ok_or(LedgerError::UnknownEntry { id: *id })?;
        match original.kind() {
            EntryKind::Reversal => {
                return Err(LedgerError::NotReversible { id: *id, reason: "it is a reversal: post a new entry instead" });
            }
            EntryKind::MonthPaid => {
                return Err(LedgerError::NotReversible { id: *id, reason: "creditings follow closes and payments: reverse one of those" });
            }
            _ => {}
        }
        if self.entry(&id.reversed()).is_some() {
            return Err(LedgerError::NotReversible { id: *id, reason: "it is already reversed" });
        }
        let rev = Entry::reversal_of(original, at)?;
        let start = self.entries.len();
        if let Subject::Close { month, .. } = id.subject {
            self.uncredit(id.worker, month, at)?;
        }
        self.post(rev)?;
        self.reconcile_worker(id.worker, at)?;
        Ok(&self.entries[start..])
    }

    /// Correct a closed month (a late earning, a wrong base, enrolment withdrawn): reverse the
    /// live close and post the new one, booked in `at`. Nothing happens when the figures are
    /// unchanged.
    pub fn correct_month(&mut self, wm: &WorkerMonth, rules: &MonthRules, at: YearMonth) -> Result<&[Entry], LedgerError> {
        self.correct_month_granted(wm, rules, at, None)
    }

    /// Bring the worker's creditings in line with the money received: the closed months are
    /// paid oldest first, a month is credited (实缴) once paid in full, and a crediting that no
    /// longer holds (its close was corrected, a payment was reversed, an older month was closed
    /// late) is reversed. The result depends only on the live closes and the total received,
    /// never on the order things happened in. Returns the entries appended (often none).
    pub fn reconcile(&mut self, worker: WorkerId, at: YearMonth) -> Result<&[Entry], LedgerError> {
        let start = self.entries.len();
        self.reconcile_worker(worker, at)?;
        Ok(&self.entries[start..])
    }

    pub(crate) fn reconcile_worker(&mut self, worker: WorkerId, at: YearMonth) -> Result<(), LedgerError> {
        let Some(book) = self.books.get(&worker) else { return Ok(()) };
        let due = |i: usize| self.entries[i].due().map_or(0, |d| d.net_fen);
        let total_due: Fen = book.months.iter().filter_map(|m| m.close).map(due).sum();
        let mut left = total_due - book.receivable_fen;
        let (mut stale, mut fresh) = (Vec::new(), Vec::new());
        let mut covered = true;
        for m in &book.months {
            let target = match m.close {
                Some(c) if covered && due(c) <= left => {
                    left -= due(c);
                    true
                }
                Some(_) => {
                    covered = false;
                    false
                }
                None => false,
            };
            match (m.paid, target) {
                (Some(_), true) => {}
                (Some(_), false) => stale.push(m.month),
                (None, true) => fresh.push(m.month),
                (None, false) => {}
            }
        }
        for month in stale.into_iter().rev() {
            self.uncredit(worker, month, at)?;
        }
        for month in fresh {
            self.credit(worker, month, at)?;
        }
        Ok(())
    }

    /// Credit a month paid in full: deferred net and subsidy to the personal account and pool,
    /// booked in `at` but never before the month itself (money held as credit pays a month
    /// when it closes, and earns interest from then).
    fn credit(&mut self, worker: WorkerId, month: YearMonth, at: YearMonth) -> Result<(), LedgerError> {
        let at = at.max(month);
        let Some(mb) = self.books.get(&worker).and_then(|b| b.month(month)).copied() else { return Ok(()) };
        let Some(close) = mb.close.map(|i| &self.entries[i]) else { return Ok(()) };
        let id = EntryId::new(worker, Subject::MonthPaid { month, seq: mb.paids });
        let postings = close.due().map(|d| paid_postings(id, d).to_vec()).unwrap_or_default();
        let e = Entry::new(id, at, Some(*close.id()), postings, None)?;
        self.post(e).map(drop)
    }

    /// Reverse the month's live crediting, if any.
    pub(crate) fn uncredit(&mut self, worker: WorkerId, month: YearMonth, at: YearMonth) -> Result<(), LedgerError> {
        let paid = self.books.get(&worker).and_then(|b| b.month(month)).and_then(|m| m.paid);
        match paid {
            Some(i) => {
                let rev = Entry::reversal_of(&self.entries[i], at)?;
                self.post(rev).map(drop)
            }
            None => Ok(()),
        }
    }

    /// The oldest closed month of the worker not yet paid in full.
    pub(crate) fn oldest_unpaid(&self, worker: WorkerId) -> Option<YearMonth> {
        self.books.get(&worker)?.months.iter().find(|m| m.close.is_some() && m.paid.is_none()).map(|m| m.month)
    }

    pub(crate) fn was_closed(&self, worker: WorkerId, month: YearMonth) -> bool {
        self.books.get(&worker).and_then(|b| b.month(month)).is_some_and(|m| m.closes > 0)
    }
}
