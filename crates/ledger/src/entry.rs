//! Journal entries: an id, the accounting month it is booked in, a reference and postings that
//! sum to zero. An entry that does not balance cannot be built.

use crate::error::LedgerError;
use crate::ids::{Account, EntryId, EntryKind, Subject};
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Contribution, Fen, YearMonth};
use serde::{Deserialize, Serialize};

/// The most lines an entry may have: every kind needs at most 4, and the bound lets the ledger
/// work on the stack.
pub const MAX_POSTINGS: usize = 8;

/// One line of an entry: positive is a debit, negative a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: Account,
    pub amount_fen: Fen,
}

impl Posting {
    pub fn debit(account: Account, amount_fen: Fen) -> Posting {
        Posting { account, amount_fen }
    }
    pub fn credit(account: Account, amount_fen: Fen) -> Posting {
        Posting { account, amount_fen: -amount_fen }
    }
}

/// A closed month's figures from the rules engine, kept on the close entry: the receivable
/// posts only the net, and crediting the month later needs the split and the subsidy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub income_fen: Fen,
    pub base_fen: Fen,
    pub contribution_fen: Fen,
    pub personal_account_fen: Fen,
    pub pooling_fen: Fen,
    pub subsidy_fen: Fen,
    pub net_fen: Fen,
}

impl Due {
    pub fn new(income_fen: Fen, c: &Contribution) -> Due {
        Due {
            income_fen,
            base_fen: c.base_fen,
            contribution_fen: c.contribution_fen,
            personal_account_fen: c.personal_account_fen,
            pooling_fen: c.pooling_fen,
            subsidy_fen: c.subsidy_fen,
            net_fen: c.net_fen,
        }
    }

    /// The parts must add up and be within range; a stored record is checked before use.
    fn check(&self) -> Result<(), String> {
        let all = [
            self.income_fen,
            self.base_fen,
            self.contribution_fen,
            self.personal_account_fen,
            self.pooling_fen,
            self.subsidy_fen,
            self.net_fen,
        ];
        if all.iter().any(|v| !(0..=MAX_FEN).contains(v)) {
            return Err("due amounts must be between 0 and the largest amount".into());
        }
        if self.personal_account_fen + self.pooling_fen != self.contribution_fen || self.net_fen + self.subsidy_fen != self.contribution_fen
        {
            return Err("due parts do not add up to the contribution".into());
        }
        Ok(())
    }
}

/// An entry of the append-only journal. Fields are private so every entry in existence has
/// passed `Entry::new`'s checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "EntryRecord", try_from = "EntryRecord")]
pub struct Entry {
    id: EntryId,
    period: YearMonth,
    reference: Option<EntryId>,
    postings: Vec<Posting>,
    due: Option<Due>,
}

impl Entry {
    /// Build an entry; refuses one whose postings do not sum to zero, amounts beyond the
    /// largest accepted, accounts of another worker, or a shape its kind does not allow.
    /// Zero postings are dropped: they say nothing.
    pub fn new(
        id: EntryId,
        period: YearMonth,
        reference: Option<EntryId>,
        mut postings: Vec<Posting>,
        due: Option<Due>,
    ) -> Result<Entry, LedgerError> {
        let bad = |reason: &str| LedgerError::Malformed { id, reason: reason.to_string() };
        postings.retain(|p| p.amount_fen != 0);
        if postings.len() > MAX_POSTINGS {
            return Err(bad("more than 8 postings"));
        }
        let mut sum: i128 = 0;
        for p in &postings {
            if p.amount_fen.unsigned_abs() > MAX_FEN as u64 {
                return Err(bad("an amount is beyond the largest accepted"));
            }
            if p.account.worker().is_some_and(|w| w != id.worker) {
                return Err(bad("posts to another worker's account"));
            }
            sum += i128::from(p.amount_fen);
        }
        if sum != 0 {
            return Err(LedgerError::Unbalanced { id, sum_fen: sum });
        }
        match (id.kind(), reference, due) {
            (EntryKind::MonthClose, None, Some(d)) => {
                d.check().map_err(|r| bad(&r))?;
                if !same_postings(&postings, &close_postings(id, &d)) {
                    return Err(bad("a month close posts its net due to the receivable and deferred contributions, nothing else"));
                }
            }
            (EntryKind::MonthClose, ..) => return Err(bad("a month close carries its due and no reference")),
            (EntryKind::MonthPaid, Some(r), None) => match (id.subject, r.subject) {
                (Subject::MonthPaid { month, .. }, Subject::Close { month: m, .. })
                    if m == month && !r.reversal && r.worker == id.worker => {}
                _ => return Err(bad("a month paid must reference the close of the same month")),
            },
            (EntryKind::MonthPaid, ..) => return Err(bad("a month paid references its close and carries no due")),
            (EntryKind::Reversal, Some(r), None) if r == id.original() => {}
            (EntryKind::Reversal, ..) => return Err(bad("a reversal references the entry it reverses and nothing else")),
            (
                EntryKind::Payment | EntryKind::InterestCredit | EntryKind::TransferOut | EntryKind::TransferIn | EntryKind::SavingsDeposit,
                None,
                None,
            ) => {}
            (
                EntryKind::Payment | EntryKind::InterestCredit | EntryKind::TransferOut | EntryKind::TransferIn | EntryKind::SavingsDeposit,
                ..,
            ) => {
                return Err(bad("takes no reference and no due"));
            }
        }
        Ok(Entry { id, period, reference, postings, due })
    }

    /// The exact negation of `original`, booked in `period`, referencing it.
    pub fn reversal_of(original: &Entry, period: YearMonth) -> Result<Entry, LedgerError> {
        if original.id.reversal {
            return Err(LedgerError::NotReversible { id: original.id, reason: "it is a reversal: post a new entry instead" });
        }
        let postings = original.postings.iter().map(|p| Posting { account: p.account, amount_fen: -p.amount_fen }).collect();
        Entry::new(original.id.reversed(), period, Some(original.id), postings, None)
    }

    pub fn id(&self) -> &EntryId {
        &self.id
    }
    pub fn kind(&self) -> EntryKind {
        self.id.kind()
    }
    /// The accounting month the entry is booked in.
    pub fn period(&self) -> YearMonth {
        self.period
    }
    /// For a reversal, the entry it reverses; for a month paid, the close it credits.
    pub fn reference(&self) -> Option<&EntryId> {
        self.reference.as_ref()
    }
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }
    /// The rules engine's figures, on a month close.
    pub fn due(&self) -> Option<&Due> {
        self.due.as_ref()
    }
}

/// The postings of a month close: the worker owes the net, billed against deferred contributions.
/// They follow from the close's due (`Entry::new` refuses any others), so a store may keep them
/// unwritten and derive them when it reads the close back.
pub fn close_postings(id: EntryId, d: &Due) -> [Posting; 2] {
    let w = id.worker;
    [Posting::debit(Account::ContributionsReceivable(w), d.net_fen), Posting::credit(Account::DeferredContributions(w), d.net_fen)]
}

/// The postings of a month paid in full: the billed net and the subsidy become the personal
/// account's and the pooling fund's shares. They follow from the due of the close credited (the
/// ledger's check refuses any others), so a store may keep them unwritten, as for a close.
pub fn paid_postings(id: EntryId, d: &Due) -> [Posting; 4] {
    let w = id.worker;
    [
        Posting::debit(Account::DeferredContributions(w), d.net_fen),
        Posting::debit(Account::SubsidyFund, d.subsidy_fen),
        Posting::credit(Account::PersonalAccount(w), d.personal_account_fen),
        Posting::credit(Account::PoolingFund, d.pooling_fen),
    ]
}

/// The postings of a payment of `amount_fen`: the payer's clearing (or the worker's savings)
/// debited, the worker's receivable credited. The ledger's check refuses any others, so a store
/// may keep them unwritten and derive them from the amount. `None` for an id that is not a
/// payment (a payment's reversal keeps its own postings).
pub fn payment_postings(id: EntryId, amount_fen: Fen) -> Option<[Posting; 2]> {
    match id.subject {
        Subject::Payment { payer, .. } if !id.reversal => Some([
            Posting::debit(crate::savings::payer_account(payer, id.worker), amount_fen),
            Posting::credit(Account::ContributionsReceivable(id.worker), amount_fen),
        ]),
        _ => None,
    }
}

/// Do `actual` postings equal `expected` once its zero lines are dropped (as `Entry::new` does)?
pub(crate) fn same_postings(actual: &[Posting], expected: &[Posting]) -> bool {
    actual.iter().eq(expected.iter().filter(|p| p.amount_fen != 0))
}

/// The stored shape of an entry (JSON, or the store's columns); read back through `Entry::new`.
#[derive(Serialize, Deserialize)]
struct EntryRecord {
    id: EntryId,
    kind: EntryKind,
    period: String,
    reference: Option<EntryId>,
    postings: Vec<Posting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due: Option<Due>,
}

impl From<Entry> for EntryRecord {
    fn from(e: Entry) -> Self {
        EntryRecord { id: e.id, kind: e.id.kind(), period: e.period.to_string(), reference: e.reference, postings: e.postings, due: e.due }
    }
}

impl TryFrom<EntryRecord> for Entry {
    type Error = String;
    fn try_from(r: EntryRecord) -> Result<Self, Self::Error> {
        if r.kind != r.id.kind() {
            return Err(format!("entry {}: kind {:?} does not match its id", r.id, r.kind));
        }
        let period: YearMonth = r.period.parse().map_err(|e: flexpension_rules::time::BadMonth| e.to_string())?;
        Entry::new(r.id, period, r.reference, r.postings, r.due).map_err(|e| e.to_string())
    }
}
