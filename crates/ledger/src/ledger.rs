//! The in-memory ledger: the journal plus what is derived from it (balances, and per worker which
//! months are closed and credited). Nothing here is stored state of its own: `from_entries`
//! rebuilds all of it, so the journal stays the only truth.

use crate::entry::{Entry, MAX_POSTINGS, paid_postings, same_postings};
use crate::error::LedgerError;
use crate::ids::{Account, EntryId, Subject, WorkerId};
use flexpension_rules::{Fen, YearMonth};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

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
    pub months: Vec<MonthBook>,
    pub years: Vec<YearBook>,
}

impl WorkerBook {
    pub fn month(&self, month: YearMonth) -> Option<&MonthBook> {
        self.months.binary_search_by_key(&month, |m| m.month).ok().map(|i| &self.months[i])
    }
    fn month_mut(&mut self, month: YearMonth) -> &mut MonthBook {
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
    fn year_mut(&mut self, year: i32) -> &mut YearBook {
        let i = match self.years.binary_search_by_key(&year, |y| y.year) {
            Ok(i) => i,
            Err(i) => {
                self.years.insert(i, YearBook { year, contributions_fen: 0, interest_fen: 0, interest: None, interests: 0 });
                i
            }
        };
        &mut self.years[i]
    }
    fn get(&self, a: &Account) -> Option<Fen> {
        match a {
            Account::PersonalAccount(_) => Some(self.personal_account_fen),
            Account::ContributionsReceivable(_) => Some(self.receivable_fen),
            Account::DeferredContributions(_) => Some(self.deferred_fen),
            _ => None,
        }
    }
    fn slot(&mut self, a: &Account) -> Option<&mut Fen> {
        match a {
            Account::PersonalAccount(_) => Some(&mut self.personal_account_fen),
            Account::ContributionsReceivable(_) => Some(&mut self.receivable_fen),
            Account::DeferredContributions(_) => Some(&mut self.deferred_fen),
            _ => None,
        }
    }
}

/// How posting an entry changes the month and year books.
#[derive(Debug, Clone, Copy)]
enum Effect {
    None,
    Close(YearMonth, bool),
    Paid(YearMonth, bool),
    Interest(i32, bool),
}

/// The journal and its derived views. Build it from stored entries with `from_entries` (in the
/// order they were appended), or start empty and post.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub(crate) entries: Vec<Entry>,
    index: IdMap<EntryId, usize>,
    pub(crate) books: IdMap<WorkerId, WorkerBook>,
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
        if let Some(&i) = self.index.get(entry.id()) {
            return if self.entries[i] == entry { Ok(false) } else { Err(LedgerError::Conflict { id: *entry.id() }) };
        }
        let worker = entry.id().worker;
        let book = self.books.get(&worker);
        let effect = check(&self.entries, &self.index, book, &entry)?;
        let balances = new_balances(&self.fund, book, &entry)?;
        let pa_year = new_pa_year(book, &entry)?;
        let i = self.entries.len();
        let book = self.books.entry(worker).or_default();
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
        self.books.reserve(n.saturating_sub(self.books.len()));
    }

    /// Every entry, in append order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, id: &EntryId) -> Option<&Entry> {
        self.index.get(id).map(|&i| &self.entries[i])
    }

    /// Debits minus credits of one account (0 for an account never posted to).
    pub fn balance_fen(&self, account: &Account) -> Fen {
        match account.worker() {
            Some(w) => self.books.get(&w).map_or(0, |b| match account {
                Account::PersonalAccount(_) => b.personal_account_fen,
                Account::ContributionsReceivable(_) => b.receivable_fen,
                _ => b.deferred_fen,
            }),
            None => self.fund.get(account).copied().unwrap_or(0),
        }
    }

    /// Every account with a non-zero balance, in account order.
    pub fn balances(&self) -> Vec<(Account, Fen)> {
        let mut out: Vec<(Account, Fen)> = self.fund.iter().map(|(a, v)| (*a, *v)).collect();
        for (w, b) in &self.books {
            out.push((Account::PersonalAccount(*w), b.personal_account_fen));
            out.push((Account::ContributionsReceivable(*w), b.receivable_fen));
            out.push((Account::DeferredContributions(*w), b.deferred_fen));
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
            .values()
            .map(|b| i128::from(b.personal_account_fen) + i128::from(b.receivable_fen) + i128::from(b.deferred_fen))
            .sum();
        fund + workers
    }

    /// What the worker's personal account holds (its credit balance, as a positive amount).
    pub fn personal_account_fen(&self, worker: WorkerId) -> Fen {
        -self.balance_fen(&Account::PersonalAccount(worker))
    }

    /// The workers with any entry, in id order.
    pub fn workers(&self) -> Vec<WorkerId> {
        let mut w: Vec<WorkerId> = self.books.keys().copied().collect();
        w.sort_unstable();
        w
    }
}

/// Does the entry fit what is already there, and how does it change the worker's books?
fn check(entries: &[Entry], index: &IdMap<EntryId, usize>, book: Option<&WorkerBook>, e: &Entry) -> Result<Effect, LedgerError> {
    let id = *e.id();
    let bad = |reason: &str| Err(LedgerError::Malformed { id, reason: reason.to_string() });
    let month = |m| book.and_then(|b| b.month(m)).copied();
    if id.reversal {
        let oi = *index.get(&id.original()).ok_or(LedgerError::UnknownEntry { id: id.original() })?;
        let original = entries[oi].postings();
        let negated = original.len() == e.postings().len()
            && original.iter().zip(e.postings()).all(|(o, r)| o.account == r.account && o.amount_fen == -r.amount_fen);
        if !negated {
            return bad("a reversal must negate the original exactly");
        }
        return Ok(match id.subject {
            Subject::Close { month: m, .. } if month(m).is_some_and(|b| b.paid.is_some()) => {
                return bad("the month is credited: reverse its crediting before its close");
            }
            Subject::Close { month, .. } => Effect::Close(month, false),
            Subject::MonthPaid { month, .. } => Effect::Paid(month, false),
            Subject::Interest { year, .. } => Effect::Interest(year, false),
            Subject::Payment { .. } => Effect::None,
        });
    }
    match id.subject {
        Subject::Close { month: m, rev } => {
            let mb = month(m);
            if mb.is_some_and(|b| b.close.is_some()) {
                return bad("the month already has a live close: reverse it first");
            }
            if rev != mb.map_or(0, |b| b.closes) {
                return bad("close revisions must follow each other");
            }
            Ok(Effect::Close(m, true))
        }
        Subject::MonthPaid { month: m, seq } => {
            let mb = month(m);
            let close = mb.and_then(|b| b.close).map(|i| &entries[i]);
            let Some(close) = close.filter(|c| Some(c.id()) == e.reference()) else {
                return bad("a month paid must credit the month's live close");
            };
            if mb.is_some_and(|b| b.paid.is_some()) || seq != mb.map_or(0, |b| b.paids) {
                return bad("the month is already credited, or the sequence is out of order");
            }
            if !close.due().is_some_and(|d| same_postings(e.postings(), &paid_postings(id, d))) {
                return bad("a month paid must credit exactly its close's split and subsidy");
            }
            Ok(Effect::Paid(m, true))
        }
        Subject::Interest { year, seq } => {
            let yb = book.and_then(|b| b.year(year));
            if yb.is_some_and(|y| y.interest.is_some()) || seq != yb.map_or(0, |y| y.interests) {
                return bad("the year's interest is already credited, or the sequence is out of order");
            }
            if e.period().year() != year {
                return bad("interest for a year is booked in that year");
            }
            if e.postings().iter().any(|p| !matches!(p.account, Account::InterestExpense | Account::PersonalAccount(_))) {
                return bad("interest moves only between interest expense and the personal account");
            }
            Ok(Effect::Interest(year, true))
        }
        Subject::Payment { payer, .. } => match e.postings() {
            [d, c]
                if d.account == Account::Clearing(payer)
                    && c.account == Account::ContributionsReceivable(id.worker)
                    && d.amount_fen > 0 =>
            {
                Ok(Effect::None)
            }
            _ => bad("a payment debits its payer's clearing and credits the worker's receivable"),
        },
    }
}

/// The new balance of every account the entry touches, or the account that would overflow.
/// On the stack: an entry has at most `MAX_POSTINGS` lines.
fn new_balances(fund: &BTreeMap<Account, Fen>, book: Option<&WorkerBook>, e: &Entry) -> Result<Balances, LedgerError> {
    let mut out = Balances { items: [(Account::PoolingFund, 0); MAX_POSTINGS], len: 0 };
    for p in e.postings() {
        let i = match out.items[..out.len].iter().position(|(a, _)| *a == p.account) {
            Some(i) => i,
            None => {
                let now = match book.and_then(|b| b.get(&p.account)) {
                    Some(v) => v,
                    None => fund.get(&p.account).copied().unwrap_or(0),
                };
                let slot = out.items.get_mut(out.len).ok_or(LedgerError::Malformed { id: *e.id(), reason: "too many postings".into() })?;
                *slot = (p.account, now);
                out.len += 1;
                out.len - 1
            }
        };
        out.items[i].1 = out.items[i].1.checked_add(p.amount_fen).ok_or(LedgerError::Overflow { account: p.account })?;
    }
    Ok(out)
}

struct Balances {
    items: [(Account, Fen); MAX_POSTINGS],
    len: usize,
}

/// The personal account's new credits for the entry's year: (year, contributions, interest).
fn new_pa_year(book: Option<&WorkerBook>, e: &Entry) -> Result<Option<(i32, Fen, Fen)>, LedgerError> {
    let pa = Account::PersonalAccount(e.id().worker);
    let credit: Fen = e.postings().iter().filter(|p| p.account == pa).map(|p| -p.amount_fen).sum();
    if credit == 0 {
        return Ok(None);
    }
    let overflow = || LedgerError::Overflow { account: pa };
    // A reversal's subject is its original's, so reversed interest stays that year's interest.
    let at = |year| book.and_then(|b| b.year(year)).map_or((0, 0), |y| (y.contributions_fen, y.interest_fen));
    Ok(Some(match e.id().subject {
        Subject::Interest { year, .. } => {
            let (c, i) = at(year);
            (year, c, i.checked_add(credit).ok_or_else(overflow)?)
        }
        _ => {
            let year = e.period().year();
            let (c, i) = at(year);
            (year, c.checked_add(credit).ok_or_else(overflow)?, i)
        }
    }))
}

/// A fast hasher for the store's surrogate ids (sequential numbers nobody outside chooses);
/// SipHash's protection against chosen keys is not needed and costs a third of a month close.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn write_i64(&mut self, v: i64) {
        self.add(v as u64);
    }
    fn write_i32(&mut self, v: i32) {
        self.add(u64::from(v as u32));
    }
    fn write_isize(&mut self, v: isize) {
        self.add(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
