//! Property test of the worker's choices on the ledger: any sequence of closes (with chosen
//! bases), savings deposits, payments from savings and ordinary payments keeps every balance —
//! personal accounts, the funds, the savings accounts — equal to the sum of its postings in the
//! journal, the trial balance at zero, no savings account overdrawn, and the ledger rebuilt from
//! its entries equal to itself.

use flexpension_ledger::*;
use flexpension_rules::{Fen, MonthRules, Params, YearMonth};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;

fn ym(m: u32) -> YearMonth {
    YearMonth::new(2025, m).expect("month")
}

fn rules(month: u32) -> &'static MonthRules {
    static R: OnceLock<Vec<MonthRules>> = OnceLock::new();
    let all = R.get_or_init(|| {
        let p = Params::embedded().expect("params");
        let s = p.scenario("zj", None, None).expect("scenario");
        (1..=6).map(|m| s.month_rules(ym(m)).expect("rules").0).collect()
    });
    &all[month as usize - 1]
}

#[derive(Debug, Clone)]
enum Op {
    /// Close month m for a worker, with a chosen base or none.
    Close(u32, i64, Fen, Option<Fen>),
    Deposit(i64, Fen),
    PaySavings(i64, Fen),
    Pay(i64, Fen),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u32..=6, 1i64..=3, 0i64..1_000_000, prop::option::of(400_000i64..2_200_000)).prop_map(|(m, w, i, b)| Op::Close(m, w, i, b)),
        (1i64..=3, 1i64..300_000).prop_map(|(w, a)| Op::Deposit(w, a)),
        (1i64..=3, 1i64..300_000).prop_map(|(w, a)| Op::PaySavings(w, a)),
        (1i64..=3, 1i64..300_000).prop_map(|(w, a)| Op::Pay(w, a)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn balances_equal_journal_sums(ops in prop::collection::vec(op(), 0..40)) {
        let mut l = Ledger::new();
        let period = ym(6);
        for (i, o) in ops.into_iter().enumerate() {
            let n = i as i64 + 1;
            let r = match o {
                Op::Close(m, w, income_fen, base) => {
                    let wm = WorkerMonth { worker: WorkerId(w), income_fen, declared_base_fen: base, enrolled: true };
                    l.close_month(ym(m), &[wm], rules(m)).map(|_| ())
                }
                Op::Deposit(w, amount_fen) => {
                    l.deposit_savings(&SavingsDeposit { worker: WorkerId(w), year: 2025, reference: n, amount_fen, period }).map(|_| ())
                }
                Op::PaySavings(w, amount_fen) => {
                    let before = l.savings_fen(WorkerId(w));
                    let r = l.pay(&Payment { worker: WorkerId(w), payer: Payer::Savings, reference: n, amount_fen, period }).map(|_| ());
                    prop_assert_eq!(r.is_err(), amount_fen > before, "a payment from savings is refused exactly when over the balance");
                    r
                }
                Op::Pay(w, amount_fen) => {
                    l.pay(&Payment { worker: WorkerId(w), payer: Payer::SelfPaid, reference: n, amount_fen, period }).map(|_| ())
                }
            };
            let _ = r;
            // Every account's balance is the sum of its postings.
            let mut sums: BTreeMap<Account, i128> = BTreeMap::new();
            for e in l.entries() {
                for p in e.postings() {
                    *sums.entry(p.account).or_default() += i128::from(p.amount_fen);
                }
            }
            for (a, s) in &sums {
                prop_assert_eq!(i128::from(l.balance_fen(a)), *s, "account {}", a);
            }
            prop_assert_eq!(l.trial_balance_fen(), 0);
            for w in 1..=3 {
                prop_assert!(l.savings_fen(WorkerId(w)) >= 0, "savings overdrawn");
            }
        }
        let again = Ledger::from_entries(l.entries().iter().cloned()).expect("rebuild");
        prop_assert_eq!(again.balances(), l.balances());
    }
}
