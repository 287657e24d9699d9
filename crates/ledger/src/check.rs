//! The checks an entry passes before it joins the ledger, and what it changes: the stored
//! journal is trusted only as far as these checks go.

use crate::entry::{Entry, MAX_POSTINGS, paid_postings, same_postings};
use crate::error::LedgerError;
use crate::idmap::EntryIndex;
use crate::ids::{Account, Subject};
use crate::ledger::WorkerBook;
use flexpension_rules::{Fen, YearMonth};
use std::collections::BTreeMap;

/// How posting an entry changes the month and year books.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Effect {
    None,
    Close(YearMonth, bool),
    Paid(YearMonth, bool),
    Interest(i32, bool),
}

/// Does the entry fit what is already there, and how does it change the worker's books?
pub(crate) fn check(entries: &[Entry], index: &EntryIndex, book: Option<&WorkerBook>, e: &Entry) -> Result<Effect, LedgerError> {
    let id = *e.id();
    let bad = |reason: &str| Err(LedgerError::Malformed { id, reason: reason.to_string() });
    let month = |m| book.and_then(|b| b.month(m)).copied();
    if id.reversal {
        let oi = index.get(&id.original(), entries).ok_or(LedgerError::UnknownEntry { id: id.original() })?;
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
            Subject::Payment { .. } | Subject::Transfer { .. } | Subject::SavingsDeposit { .. } => Effect::None,
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
                if d.account == crate::savings::payer_account(payer, id.worker)
                    && c.account == Account::ContributionsReceivable(id.worker)
                    && d.amount_fen > 0 =>
            {
                Ok(Effect::None)
            }
            _ => bad("a payment debits its payer's clearing (or the worker's savings) and credits the worker's receivable"),
        },
        Subject::SavingsDeposit { .. } => match e.postings() {
            [d, c] if d.account == Account::SavingsHeld && c.account == Account::Savings(id.worker) && d.amount_fen > 0 => Ok(Effect::None),
            _ => bad("a savings deposit debits the money held and credits the worker's savings account"),
        },
        Subject::Transfer { inbound, .. } => {
            // Out: the personal account and the pooling fund are debited (and the interest to
            // the transfer month, as interest expense), one region's clearing credited with the
            // sum; in: the mirror image, without interest.
            let sign = if inbound { -1 } else { 1 };
            let mut regions = 0;
            for p in e.postings() {
                match p.account {
                    Account::PersonalAccount(w) if w == id.worker && p.amount_fen * sign > 0 => {}
                    Account::PoolingFund if p.amount_fen * sign > 0 => {}
                    Account::InterestExpense if !inbound && p.amount_fen > 0 => {}
                    Account::InterRegion(_) if p.amount_fen * sign < 0 => regions += 1,
                    _ => return bad("a transfer moves the personal account and the pooling fund through one region's clearing"),
                }
            }
            if regions != 1 {
                return bad("a transfer goes through exactly one region's clearing");
            }
            Ok(Effect::None)
        }
    }
}

/// The new balance of every account the entry touches, or the account that would overflow.
/// On the stack: an entry has at most `MAX_POSTINGS` lines.
pub(crate) fn new_balances(fund: &BTreeMap<Account, Fen>, book: Option<&WorkerBook>, e: &Entry) -> Result<Balances, LedgerError> {
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

pub(crate) struct Balances {
    pub items: [(Account, Fen); MAX_POSTINGS],
    pub len: usize,
}

/// The personal account's new credits for the entry's year: (year, contributions, interest).
pub(crate) fn new_pa_year(book: Option<&WorkerBook>, e: &Entry) -> Result<Option<(i32, Fen, Fen)>, LedgerError> {
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
