//! The pension savings account (个人养老储蓄账户, the paper's section 5.2): a worker deposits
//! part of the year's occasional income, and spends it only on their own contributions —
//! arrears months, or the difference a higher base makes. Both are journal entries:
//!
//! | event | postings |
//! |---|---|
//! | deposit (`SavingsDeposit`) | Dr `SavingsHeld` amount / Cr `Savings(w)` amount |
//! | payment from savings (`Payment`, payer `Savings`) | Dr `Savings(w)` amount / Cr `ContributionsReceivable(w)` amount |
//!
//! The room a deposit may use (a share of the year's occasional income) is the rules core's and
//! the store's to check; the ledger refuses what no rule can allow: a non-positive amount and a
//! payment beyond the balance.

use crate::entry::{Entry, Posting};
use crate::error::LedgerError;
use crate::ids::{Account, EntryId, Payer, Subject, WorkerId};
use crate::ledger::Ledger;
use flexpension_rules::money::MAX_FEN;
use flexpension_rules::{Fen, YearMonth};

/// A deposit into a worker's savings account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavingsDeposit {
    pub worker: WorkerId,
    /// The year of the occasional income the deposit comes from.
    pub year: i32,
    /// The deposit's number for the worker (idempotency key).
    pub reference: i64,
    pub amount_fen: Fen,
    /// The accounting month it was received in.
    pub period: YearMonth,
}

/// The account a payer's money comes from: the payer's bank clearing, or the worker's own
/// savings account.
pub(crate) fn payer_account(payer: Payer, worker: WorkerId) -> Account {
    match payer {
        Payer::Savings => Account::Savings(worker),
        p => Account::Clearing(p),
    }
}

/// A payment from savings may not take more than the account holds.
pub(crate) fn check_savings_cover(l: &Ledger, worker: WorkerId, amount_fen: Fen) -> Result<(), LedgerError> {
    let balance = l.savings_fen(worker);
    if amount_fen > balance {
        return Err(LedgerError::Input {
            worker,
            field: "amount_fen",
            reason: format!("the savings account holds {balance} fen, less than the {amount_fen} fen to pay"),
        });
    }
    Ok(())
}

impl Ledger {
    /// What the worker's savings account holds (its credit balance, as a positive amount).
    pub fn savings_fen(&self, worker: WorkerId) -> Fen {
        -self.balance_fen(&Account::Savings(worker))
    }

    /// What the worker has deposited from `year`'s occasional income (live deposits: a
    /// reversed one no longer counts).
    pub fn savings_deposited_fen(&self, worker: WorkerId, year: i32) -> Fen {
        self.entries()
            .iter()
            .filter(|e| e.id().worker == worker && matches!(e.id().subject, Subject::SavingsDeposit { year: y, .. } if y == year))
            .flat_map(|e| e.postings())
            .filter(|p| p.account == Account::Savings(worker))
            .map(|p| -p.amount_fen)
            .sum()
    }

    /// The deposits the worker ever made (their count numbers the next one).
    pub fn savings_deposits(&self, worker: WorkerId) -> usize {
        self.entries()
            .iter()
            .filter(|e| e.id().worker == worker && !e.id().reversal && matches!(e.id().subject, Subject::SavingsDeposit { .. }))
            .count()
    }

    /// The payments the worker's savings ever made (their count numbers the next one).
    pub fn savings_payments(&self, worker: WorkerId) -> usize {
        self.entries()
            .iter()
            .filter(|e| {
                e.id().worker == worker && !e.id().reversal && matches!(e.id().subject, Subject::Payment { payer: Payer::Savings, .. })
            })
            .count()
    }

    /// Deposit into the savings account. A repeat of a recorded deposit (same reference and
    /// amount) is a no-op; the same reference with another amount is a conflict.
    pub fn deposit_savings(&mut self, d: &SavingsDeposit) -> Result<&[Entry], LedgerError> {
        if !(1..=MAX_FEN).contains(&d.amount_fen) {
            return Err(LedgerError::Input {
                worker: d.worker,
                field: "amount_fen",
                reason: "must be more than 0 and at most 10,000,000,000 yuan".into(),
            });
        }
        let id = EntryId::new(d.worker, Subject::SavingsDeposit { year: d.year, reference: d.reference });
        let postings = vec![Posting::debit(Account::SavingsHeld, d.amount_fen), Posting::credit(Account::Savings(d.worker), d.amount_fen)];
        let e = Entry::new(id, d.period, None, postings, None)?;
        let start = self.entries.len();
        self.post(e)?;
        Ok(&self.entries[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Payment;

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    #[test]
    fn deposit_then_pay_from_savings_moves_the_money_and_balances() {
        let mut l = Ledger::new();
        let w = WorkerId(7);
        let d = SavingsDeposit { worker: w, year: 2025, reference: 1, amount_fen: 50_000, period: ym("2025-06") };
        assert_eq!(l.deposit_savings(&d).unwrap().len(), 1);
        assert_eq!(l.deposit_savings(&d).unwrap().len(), 0, "a repeat is a no-op");
        assert_eq!(l.savings_fen(w), 50_000);
        assert_eq!(l.savings_deposited_fen(w, 2025), 50_000);
        assert_eq!(l.balance_fen(&Account::SavingsHeld), 50_000);
        let over = Payment { worker: w, payer: Payer::Savings, reference: 1, amount_fen: 50_001, period: ym("2025-06") };
        let e = l.pay(&over).unwrap_err();
        assert!(e.to_string().contains("savings account holds"), "{e}");
        let ok = Payment { amount_fen: 20_000, ..over };
        l.pay(&ok).unwrap();
        assert_eq!(l.savings_fen(w), 30_000);
        assert_eq!(l.balance_fen(&Account::ContributionsReceivable(w)), -20_000);
        assert_eq!(l.trial_balance_fen(), 0);
        assert_eq!(l.savings_payments(w), 1);
        let conflict = SavingsDeposit { amount_fen: 1, ..d };
        assert!(matches!(l.deposit_savings(&conflict), Err(LedgerError::Conflict { .. })));
        let zero = SavingsDeposit { amount_fen: 0, reference: 2, ..d };
        assert!(l.deposit_savings(&zero).unwrap_err().to_string().contains("amount_fen"));
    }
}
