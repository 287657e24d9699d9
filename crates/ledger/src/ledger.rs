//! The in-memory ledger: the journal plus what is derived from it (balances, and per worker which
//! months are closed and credited). Nothing here is stored state of its own: `from_entries`
//! rebuilds all of it, so the journal stays the only truth.

use crate::check::{Effect, check, new_balances, new_pa_year};
use crate::entry::Entry;
use crate::error::LedgerError;
use crate::idmap::{Books, EntryIndex};
use crate::ids::{Account, EntryId, WorkerId};
use flexpension_rules::{Fen, YearMonth};
use std::collections::BTreeMap;

/// One contribution month of a worker: which close is live, which crediting is live, and how
/// many of each were ever posted (the next revision or sequence number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MonthBook {
    pub month: YearMonth,
    pub close: Option<usize>,
    pub closes: u32,
    pub paid: Option<usize>,
    pub paids: u32,
}

/// One calendar year of a worker's personal account: contributions credited in the year (by
/// booking month), the year's interest (by the year it is for, so a late reversal of it still
/// counts against that year), and the live interest entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct YearBook {
    pub year: i32,
    pub contributions_fen: Fen,
    pub interest_fen: Fen,
    pub interest: Option<usize>,
    pub interests: u32,
}

/// Everything derived for one worker: the balances of the worker's three accounts (signed,
/// debit positive) and the month and year books, both kept sorted.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkerBook {
    pub personal_account_fen: Fen,
    pub receivable_fen: Fen,
    pub deferred_fen: Fen,
    /// The pension savings account (个人养老储蓄账户), signed like the others.
    pub savings_fen: Fen,
    pub months: Vec<MonthBook>,
    pub years: Vec<YearBook>,
}

impl WorkerBook {
    pub fn month(&self, month: YearMonth) -> Option<&MonthBook> {
        self.months.binary_search_by_key(&month, |m| m.month).ok().map(|i| &self.months[i])
    }
    pub(crate) fn month_mut(&mut self, month: YearMonth) -> &mut MonthBook {
        let i = match self.months.binary_search_by_key(&month, |m| m.month) {
            Ok(i) => i,
            Err(i) => {
                // Most workers have one month in memory at a time: no room for four.
                if self.months.capacity() == 0 {
                    self.months.reserve_exact(1);
                }
                self.months.insert(i, MonthBook { month, close: None, closes: 0, paid: None, paids: 0 });
                i
            }
        };
        &mut self.months[i]
    }
    pub fn year(&self, year: i32) -> Option<&YearBook> {
        self.years.binary_search_by_key(&year, |y| y.year).ok().map(|i| &self.years[i])
    }
    pub(crate) fn year_mut(&mut self, year: i32) -> &mut YearBook {
        let i = match self.years.binary_search_by_key(&year, |y| y.year) {
            Ok(i) => i,
            Err(i) => {
                self.years.insert(i, YearBook { year, contributions_fen: 0, interest_fen: 0, interest: None, interests: 0 });
                i
            }
        };
        &mut self.years[i]
    }
    pub(crate) fn get(&self, a: &Account) -> Option<Fen> {
        match a {
            Account::PersonalAccount(_) => Some(self.personal_account_fen),
            Account::ContributionsReceivable(_) => Some(self.receivable_fen),
            Account::DeferredContributions(_) => Some(self.deferred_fen),
            Account::Savings(_) => Some(self.savings_fen),
            _ => None,
        }
    }
    pub(crate) fn slot(&mut self, a: &Account) -> Option<&mut Fen> {
        match a {
            Account::PersonalAccount(_) => Some(&mut self.personal_account_fen),
            Account::ContributionsReceivable(_) => Some(&mut self.receivable_fen),
            Account::DeferredContributions(_) => Some(&mut self.deferred_fen),
            Account::Savings(_) => Some(&mut self.savings_fen),
            _ => None,
        }
    }
}

/// The journal and its derived views. Build it from stored entries with `from_entries` (in the
/// order they were appended), or start empty and post.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub(crate) entries: Vec<Entry>,
    index: EntryIndex,
    pub(crate) books: Books,
    fund: BTreeMap<Account, Fen>,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Replay stored entries in their append order; refuses the first one that does not fit.
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Result<Ledger, LedgerError> {
        let mut l = Ledger::new();
        let entries = entries.into_iter();
        let n = entries.size_hint().0;
        l.entries.reserve(n);
        l.index.reserve(n);
        for e in entries {
            l.post(e)?;
        }
        Ok(l)
    }

    /// Append an entry. Returns `false` when an identical entry is already there (a repeat is a
    /// no-op) and an error when the id exists with other content, or the entry does not fit the
    /// ledger (a reversal of something absent or not exactly negated, a second live close of a
    /// month, a crediting that does not match its close, an overflowing balance). All or
    /// nothing: a refused entry changes nothing.
    pub fn post(&mut self, entry: Entry) -> Result<bool, LedgerError> {
        if let Some(i) = self.index.get(entry.id(), &self.entries) {
            return if self.entries[i] == entry { Ok(false) } else { Err(LedgerError::Conflict { id: *entry.id() }) };
        }
        let worker = entry.id().worker;
        let book = self.books.get(&worker);
        let effect = check(&self.entries, &self.index, book, &entry)?;
        let balances = new_balances(&self.fund, book, &entry)?;
        let pa_year = new_pa_year(book, &entry)?;
        let i = self.entries.len();
        let book = self.books.get_or_insert(worker);
        for &(a, v) in &balances.items[..balances.len] {
            match book.slot(&a) {
                Some(s) => *s = v,
                None => {
                    self.fund.insert(a, v);
                }
            }
        }
        if let Some((year, contributions, interest)) = pa_year {
            let y = book.year_mut(year);
            (y.contributions_fen, y.interest_fen) = (contributions, interest);
        }
        match effect {
            Effect::None => {}
            Effect::Close(m, live) => {
                let mb = book.month_mut(m);
                mb.close = live.then_some(i);
                mb.closes += u32::from(live);
            }
            Effect::Paid(m, live) => {
                let mb = book.month_mut(m);
                mb.paid = live.then_some(i);
                mb.paids += u32::from(live);
            }
            Effect::Interest(y, live) => {
                let yb = book.year_mut(y);
                yb.interest = live.then_some(i);
                yb.interests += u32::from(live);
            }
        }
        self.index.insert(*entry.id(), i);
        self.entries.push(entry);
        Ok(true)
    }

    /// Make room for `n` more entries of as many workers (a month close knows how many it
    /// brings); growing a table of a million one step at a time costs more than the close.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
        self.index.reserve(n);
        self.books.reserve(n);
    }

    /// Every entry, in append order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, id: &EntryId) -> Option<&Entry> {
        self.index.get(id, &self.entries).map(|i| &self.entries[i])
    }

    /// Debits minus credits of one account (0 for an account never posted to).
    pub fn balance_fen(&self, account: &Account) -> Fen {
        match account.worker() {
            Some(w) => self.books.get(&w).map_or(0, |b| match account {
                Account::PersonalAccount(_) => b.personal_account_fen,
                Account::ContributionsReceivable(_) => b.receivable_fen,
                Account::Savings(_) => b.savings_fen,
                _ => b.deferred_fen,
            }),
            None => self.fund.get(account).copied().unwrap_or(0),
        }
    }

    /// Every account with a non-zero balance, in account order.
    pub fn balances(&self) -> Vec<(Account, Fen)> {
        let mut out: Vec<(Account, Fen)> = self.fund.iter().map(|(a, v)| (*a, *v)).collect();
        for (w, b) in self.books.iter() {
            out.push((Account::PersonalAccount(*w), b.personal_account_fen));
            out.push((Account::ContributionsReceivable(*w), b.receivable_fen));
            out.push((Account::DeferredContributions(*w), b.deferred_fen));
            out.push((Account::Savings(*w), b.savings_fen));
        }
        out.retain(|(_, v)| *v != 0);
        out.sort_unstable();
        out
    }

    /// The sum of every balance, i.e. of every posting ever made: always 0.
    pub fn trial_balance_fen(&self) -> i128 {
        let fund: i128 = self.fund.values().map(|v| i128::from(*v)).sum();
        let workers: i128 = self
            .books
            .iter()
            .map(|(_, b)| {
                i128::from(b.personal_account_fen) + i128::from(b.receivable_fen) + i128::from(b.deferred_fen) + i128::from(b.savings_fen)
            })
            .sum();
        fund + workers
    }

    /// What the worker's personal account holds (its credit balance, as a positive amount).
    pub fn personal_account_fen(&self, worker: WorkerId) -> Fen {
        -self.balance_fen(&Account::PersonalAccount(worker))
    }

    /// The workers with any entry, in id order.
    pub fn workers(&self) -> Vec<WorkerId> {
        let mut w: Vec<WorkerId> = self.books.iter().map(|(w, _)| *w).collect();
        w.sort_unstable();
        w
    }
}
