//! Identifiers: workers, platforms, the chart of accounts and journal entry ids. Every key that
//! belongs to a worker carries the worker id, so the store can shard by worker; ids print as
//! short path-like strings ("42/close/2025-03/0", "pa/42") and parse back.

use flexpension_rules::YearMonth;
use std::fmt;
use std::str::FromStr;

/// A flexible worker (灵活就业人员), by the store's worker number (a BIGINT). The one worker id
/// of every crate: the store re-exports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct WorkerId(pub i64);

/// A platform (平台企业), by the store's platform number. The one platform id of every crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct PlatformId(pub i64);

/// Who handed the money over: the worker, or a platform that withheld and remitted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Payer {
    SelfPaid,
    Platform(PlatformId),
    /// The worker's own pension savings account (个人养老储蓄账户): money moved from it to pay
    /// arrears months or a higher base.
    Savings,
}

/// An insurance region's code (`zj`, `ah`): 2 to 8 lowercase ASCII letters, kept inline so
/// accounts stay `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode([u8; 8]);

impl RegionCode {
    /// The code, or `None` when it is not 2 to 8 lowercase ASCII letters.
    pub fn new(code: &str) -> Option<RegionCode> {
        if !(2..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut b = [0u8; 8];
        b[..code.len()].copy_from_slice(code.as_bytes());
        Some(RegionCode(b))
    }
    pub fn as_str(&self) -> &str {
        let n = self.0.iter().position(|b| *b == 0).unwrap_or(8);
        std::str::from_utf8(&self.0[..n]).unwrap_or("")
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

/// The chart of accounts. Amounts are signed: a debit is positive, a credit negative, so every
/// balance is "debits minus credits" and the trial balance is a plain sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Account {
    /// 个人账户: what the fund owes the worker (a credit balance). Credited on payment (实缴).
    PersonalAccount(WorkerId),
    /// 应收个人缴费: what the worker owes (debit); a credit balance is money held as credit.
    ContributionsReceivable(WorkerId),
    /// 待记账缴费: contributions billed for months not yet paid in full (credit balance); the
    /// other side of the receivable until a month is paid and credited.
    DeferredContributions(WorkerId),
    /// 统筹基金.
    PoolingFund,
    /// 专项基金补贴: pays its share of each month as the month is paid (a debit balance = spent).
    SubsidyFund,
    /// Bank clearing (收入户) for money received, by payer.
    Clearing(Payer),
    /// 个人账户记账利息: the cost of the credited interest.
    InterestExpense,
    /// 跨统筹区清算: money moved to (credit) or received from (debit) another insurance region
    /// in a transfer (转移接续); across both regions' ledgers the two sides cancel.
    InterRegion(RegionCode),
    /// 个人养老储蓄账户: what the worker has saved (a credit balance), deposited from occasional
    /// income and spent only on their own contributions.
    Savings(WorkerId),
    /// The money deposited into savings accounts, held by the agency (a debit balance).
    SavingsHeld,
}

impl Account {
    /// The worker whose shard the account lives in; `None` for the fund-wide accounts.
    pub fn worker(&self) -> Option<WorkerId> {
        match self {
            Account::PersonalAccount(w) | Account::ContributionsReceivable(w) | Account::DeferredContributions(w) | Account::Savings(w) => {
                Some(*w)
            }
            _ => None,
        }
    }
}

/// What an entry is about; with the worker and the reversal flag it makes the entry's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// The close of a contribution month; `rev` counts corrections (0 = the first close).
    Close { month: YearMonth, rev: u32 },
    /// Money received; `reference` numbers the payment for its payer (idempotency key).
    Payment { payer: Payer, reference: i64 },
    /// A month paid in full and credited; `seq` counts re-creditings after reversals.
    MonthPaid { month: YearMonth, seq: u32 },
    /// A year's credited interest; `seq` counts re-creditings after reversals.
    Interest { year: i32, seq: u32 },
    /// A transfer to another region (`inbound` false: the funds leave) or from one (`inbound`
    /// true: they arrive); `reference` numbers the transfer (idempotency key).
    Transfer { reference: i64, inbound: bool },
    /// A deposit into the worker's pension savings account from the year's occasional income;
    /// `reference` numbers the deposit (idempotency key).
    SavingsDeposit { year: i32, reference: i64 },
}

/// What kind of entry: the subject's kind, or `Reversal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    MonthClose,
    Payment,
    MonthPaid,
    InterestCredit,
    TransferOut,
    TransferIn,
    Reversal,
    SavingsDeposit,
}

impl Subject {
    pub fn kind(&self) -> EntryKind {
        match self {
            Subject::Close { .. } => EntryKind::MonthClose,
            Subject::Payment { .. } => EntryKind::Payment,
            Subject::MonthPaid { .. } => EntryKind::MonthPaid,
            Subject::Interest { .. } => EntryKind::InterestCredit,
            Subject::Transfer { inbound: false, .. } => EntryKind::TransferOut,
            Subject::Transfer { inbound: true, .. } => EntryKind::TransferIn,
            Subject::SavingsDeposit { .. } => EntryKind::SavingsDeposit,
        }
    }
}

/// A journal entry's id, deterministic from what the entry is: posting the same operation twice
/// gives the same id, which is how repeats become no-ops. The reversal of an entry has the
/// entry's id with `reversal` set, so nothing can be reversed twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId {
    pub worker: WorkerId,
    pub subject: Subject,
    pub reversal: bool,
}

impl EntryId {
    pub fn new(worker: WorkerId, subject: Subject) -> EntryId {
        EntryId { worker, subject, reversal: false }
    }
    pub fn kind(&self) -> EntryKind {
        if self.reversal { EntryKind::Reversal } else { self.subject.kind() }
    }
    /// The id of this entry's reversal.
    pub fn reversed(&self) -> EntryId {
        EntryId { reversal: true, ..*self }
    }
    /// The id of the entry a reversal undoes (itself when not a reversal).
    pub fn original(&self) -> EntryId {
        EntryId { reversal: false, ..*self }
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for PlatformId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for Payer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payer::SelfPaid => f.write_str("self"),
            Payer::Platform(p) => write!(f, "platform/{}", p.0),
            Payer::Savings => f.write_str("savings"),
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Account::PersonalAccount(w) => write!(f, "pa/{w}"),
            Account::ContributionsReceivable(w) => write!(f, "receivable/{w}"),
            Account::DeferredContributions(w) => write!(f, "deferred/{w}"),
            Account::PoolingFund => f.write_str("pooling"),
            Account::SubsidyFund => f.write_str("subsidy"),
            Account::Clearing(p) => write!(f, "clearing/{p}"),
            Account::InterestExpense => f.write_str("interest"),
            Account::InterRegion(r) => write!(f, "region/{}", r.as_str()),
            Account::Savings(w) => write!(f, "savings/{w}"),
            Account::SavingsHeld => f.write_str("savings-held"),
        }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.worker;
        match self.subject {
            Subject::Close { month, rev } => write!(f, "{w}/close/{month}/{rev}")?,
            Subject::Payment { payer, reference } => write!(f, "{w}/payment/{payer}/{reference}")?,
            Subject::MonthPaid { month, seq } => write!(f, "{w}/paid/{month}/{seq}")?,
            Subject::Interest { year, seq } => write!(f, "{w}/interest/{year}/{seq}")?,
            Subject::Transfer { reference, inbound: false } => write!(f, "{w}/transfer-out/{reference}")?,
            Subject::Transfer { reference, inbound: true } => write!(f, "{w}/transfer-in/{reference}")?,
            Subject::SavingsDeposit { year, reference } => write!(f, "{w}/savings-deposit/{year}/{reference}")?,
        }
        if self.reversal { f.write_str("/reversal") } else { Ok(()) }
    }
}

/// A text that is not an account or entry id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid {1}")]
pub struct BadId(pub String, pub &'static str);

fn num<T: FromStr>(s: Option<&str>) -> Option<T> {
    s.and_then(|s| s.parse().ok())
}

fn payer(parts: &[&str]) -> Option<(Payer, usize)> {
    match parts {
        ["self", ..] => Some((Payer::SelfPaid, 1)),
        ["platform", p, ..] => Some((Payer::Platform(PlatformId(p.parse().ok()?)), 2)),
        ["savings", ..] => Some((Payer::Savings, 1)),
        _ => None,
    }
}

impl FromStr for Account {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let w = || num(parts.get(1).copied()).map(WorkerId).filter(|_| parts.len() == 2);
        let a = match parts[0] {
            "pa" => w().map(Account::PersonalAccount),
            "receivable" => w().map(Account::ContributionsReceivable),
            "deferred" => w().map(Account::DeferredContributions),
            "savings" => w().map(Account::Savings),
            "savings-held" if parts.len() == 1 => Some(Account::SavingsHeld),
            "pooling" if parts.len() == 1 => Some(Account::PoolingFund),
            "subsidy" if parts.len() == 1 => Some(Account::SubsidyFund),
            "interest" if parts.len() == 1 => Some(Account::InterestExpense),
            "region" if parts.len() == 2 => parts.get(1).and_then(|c| RegionCode::new(c)).map(Account::InterRegion),
            "clearing" => payer(&parts[1..]).filter(|(_, n)| parts.len() == n + 1).map(|(p, _)| Account::Clearing(p)),
            _ => None,
        };
        a.ok_or_else(|| BadId(s.to_string(), "account"))
    }
}

impl FromStr for EntryId {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadId(s.to_string(), "entry id");
        let mut parts: Vec<&str> = s.split('/').collect();
        let reversal = parts.last() == Some(&"reversal");
        if reversal {
            parts.pop();
        }
        let worker = WorkerId(num(parts.first().copied()).ok_or_else(bad)?);
        let month = |i: usize| parts.get(i).and_then(|m| m.parse::<YearMonth>().ok());
        let subject = match parts.get(1).copied() {
            Some("close") if parts.len() == 4 => {
                Subject::Close { month: month(2).ok_or_else(bad)?, rev: num(parts.get(3).copied()).ok_or_else(bad)? }
            }
            Some("paid") if parts.len() == 4 => {
                Subject::MonthPaid { month: month(2).ok_or_else(bad)?, seq: num(parts.get(3).copied()).ok_or_else(bad)? }
            }
            Some("interest") if parts.len() == 4 => {
                Subject::Interest { year: num(parts.get(2).copied()).ok_or_else(bad)?, seq: num(parts.get(3).copied()).ok_or_else(bad)? }
            }
            Some("savings-deposit") if parts.len() == 4 => Subject::SavingsDeposit {
                year: num(parts.get(2).copied()).ok_or_else(bad)?,
                reference: num(parts.get(3).copied()).ok_or_else(bad)?,
            },
            Some(t @ ("transfer-out" | "transfer-in")) if parts.len() == 3 => {
                Subject::Transfer { reference: num(parts.get(2).copied()).ok_or_else(bad)?, inbound: t == "transfer-in" }
            }
            Some("payment") => {
                let (payer, n) = payer(&parts[2..]).ok_or_else(bad)?;
                if parts.len() != 3 + n {
                    return Err(bad());
                }
                Subject::Payment { payer, reference: num(parts.get(2 + n).copied()).ok_or_else(bad)? }
            }
            _ => return Err(bad()),
        };
        Ok(EntryId { worker, subject, reversal })
    }
}

/// Accounts and entry ids travel as their strings (the store's keys).
macro_rules! serde_as_string {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_as_string!(Account);
serde_as_string!(EntryId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_parse_back() {
        let m = YearMonth::new(2025, 3).unwrap();
        let w = WorkerId(42);
        let ids = [
            EntryId::new(w, Subject::Close { month: m, rev: 0 }),
            EntryId::new(w, Subject::Payment { payer: Payer::SelfPaid, reference: 9001 }),
            EntryId::new(w, Subject::Payment { payer: Payer::Platform(PlatformId(7)), reference: 1 }).reversed(),
            EntryId::new(w, Subject::MonthPaid { month: m, seq: 2 }),
            EntryId::new(w, Subject::Interest { year: 2025, seq: 0 }),
            EntryId::new(w, Subject::Transfer { reference: 77, inbound: false }),
            EntryId::new(w, Subject::Transfer { reference: 78, inbound: true }).reversed(),
            EntryId::new(w, Subject::SavingsDeposit { year: 2026, reference: 3 }),
            EntryId::new(w, Subject::Payment { payer: Payer::Savings, reference: 2 }),
        ];
        let texts: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        assert_eq!(texts[0], "42/close/2025-03/0");
        assert_eq!(texts[2], "42/payment/platform/7/1/reversal");
        for (id, t) in ids.iter().zip(&texts) {
            assert_eq!(t.parse::<EntryId>().as_ref(), Ok(id), "{t}");
        }
        for bad in ["", "x/close/2025-03/0", "42/close/2025-13/0", "42/payment/bank/1", "42/paid/2025-03", "42/close/2025-03/0/x"] {
            assert!(bad.parse::<EntryId>().is_err(), "{bad}");
        }
        let accounts = [
            Account::PersonalAccount(w),
            Account::ContributionsReceivable(w),
            Account::DeferredContributions(w),
            Account::PoolingFund,
            Account::SubsidyFund,
            Account::Clearing(Payer::SelfPaid),
            Account::Clearing(Payer::Platform(PlatformId(7))),
            Account::InterestExpense,
            Account::InterRegion(RegionCode::new("ah").unwrap()),
            Account::Savings(w),
            Account::SavingsHeld,
        ];
        for a in accounts {
            assert_eq!(a.to_string().parse::<Account>(), Ok(a));
        }
        assert_eq!(texts[6], "42/transfer-in/78/reversal");
        assert_eq!(texts[7], "42/savings-deposit/2026/3");
        assert_eq!(texts[8], "42/payment/savings/2");
        assert!(RegionCode::new("A").is_none() && RegionCode::new("toolongcode").is_none());
        for bad in
            ["region", "region/AH", "region/a", "pa", "pa/x", "pa/1/2", "pooling/1", "clearing", "clearing/platform", "clearing/self/1"]
        {
            assert!(bad.parse::<Account>().is_err(), "{bad}");
        }
    }
}
