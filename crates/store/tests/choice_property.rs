//! Property of the worker's choices on the store, small sizes, both backends: after any sequence
//! of base choices, month closes, savings deposits, payments from savings and ordinary payments
//! (refusals writing nothing), the stored balances — personal accounts, the funds, the savings
//! accounts — equal the ledger replayed from the stored entries, the trial balance is 0, and
//! each close billed the base chosen for its month (else the lower limit).

mod common;

use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::YearMonth;
use flexpension_store::*;
use proptest::prelude::*;

const MONTHS: [&str; 3] = ["2025-09", "2025-10", "2025-11"];

#[derive(Debug, Clone)]
enum Op {
    Choose(usize, i64),
    Close,
    Deposit(usize, i64),
    UseSavings(usize, usize),
    Pay(usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..2, 4000i64..30_000).prop_map(|(w, b)| Op::Choose(w, b)),
        Just(Op::Close),
        (0usize..2, 1i64..12_000).prop_map(|(w, y)| Op::Deposit(w, y)),
        (0usize..2, 0usize..3).prop_map(|(w, m)| Op::UseSavings(w, m)),
        (0usize..2, 1i64..2_000).prop_map(|(w, y)| Op::Pay(w, y)),
    ]
}

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

fn at(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).expect("time").timestamp_micros()
}

async fn rows(ctx: &Ctx) -> (i64, i64, i64) {
    (
        ctx.scalar("SELECT COUNT(*) FROM journal_entries").await,
        ctx.scalar("SELECT COUNT(*) FROM journal_postings").await,
        ctx.scalar("SELECT COUNT(*) FROM base_choices").await,
    )
}

async fn check(kind: Kind, ops: Vec<Op>) {
    run_clocked(kind, at("2025-09-10T12:00:00+08:00"), move |ctx, clock| async move {
        let s = &ctx.store;
        let f = fixture(s, 2).await;
        common::ledger::enrol_with_income(s, &f, 2, |i, k| 2000 + i * 2500 + k * 900, usize::MAX).await;
        for (_, w) in &f.workers {
            s.declare_occasional(&PARAMS, w.id, 2025, None, 10_000_000).await.expect("declare");
        }
        let mut closed = 0usize;
        for (n, op) in ops.iter().enumerate() {
            let before = rows(&ctx).await;
            let refused = match *op {
                Op::Choose(w, yuan) => s.choose_base(&zj(), f.workers[w].1.id, s.this_month(), yuan * 100).await.err(),
                Op::Close => {
                    let Some(m) = MONTHS.get(closed) else { continue };
                    let next = ym(m).add_months(1).expect("month");
                    clock.set(at(&format!("{next}-15T12:00:00+08:00")));
                    s.close_month(&zj(), ym(m), &CloseOptions::new(next)).await.expect("close");
                    closed += 1;
                    None
                }
                Op::Deposit(w, yuan) => s.deposit_savings(&PARAMS, f.workers[w].1.id, 2025, yuan * 100, None).await.err(),
                Op::UseSavings(w, m) => s.pay_from_savings(&PARAMS, f.workers[w].1.id, ym(MONTHS[m])).await.err(),
                Op::Pay(w, yuan) => {
                    let p = Payment {
                        worker: f.workers[w].1.id,
                        payer: Payer::SelfPaid,
                        reference: n as i64,
                        amount_fen: yuan * 100,
                        period: s.this_month(),
                    };
                    s.pay(&p).await.err()
                }
            };
            if let Some(e) = refused {
                assert!(e.field().is_some(), "a refusal names its field: {e}");
                assert_eq!(rows(&ctx).await, before, "a refusal writes nothing: {op:?} {e}");
            }
        }
        // Balances: stored = the ledger replayed from the stored entries; sum 0.
        let l = common::ledger::assert_balanced(s, &f).await;
        for (_, w) in &f.workers {
            let st = s.savings_status(&PARAMS, w.id, 2025).await.expect("status");
            assert_eq!(st.balance_fen, l.savings_fen(w.id));
            assert_eq!(st.history.iter().map(|h| h.amount_fen).sum::<i64>(), st.balance_fen);
            assert!(st.balance_fen >= 0 && st.deposited_fen <= st.limit_fen, "{st:?}");
            // Each close billed the base chosen for its month, else the lower limit.
            for m in MONTHS.iter().take(closed) {
                let (rules, _) = zj().month_rules(ym(m)).expect("rules");
                let chosen = s.chosen_base(w.id, ym(m)).await.expect("chosen");
                let want = chosen.unwrap_or(rules.base_lower_fen).clamp(rules.base_lower_fen, rules.base_upper_fen);
                let code = m.replace('-', "");
                let sql = format!(
                    "SELECT base_fen FROM journal_entries WHERE worker_id = {} AND kind = 'month_close' AND month = {code}",
                    w.id.0
                );
                assert_eq!(ctx.scalar(&sql).await, want, "{m}");
            }
        }
    })
    .await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_choice_properties(ops in prop::collection::vec(op(), 1..14)) {
        runtime().block_on(check(Kind::Sqlite, ops));
    }

    #[test]
    fn postgres_choice_properties(ops in prop::collection::vec(op(), 1..14)) {
        runtime().block_on(check(Kind::Postgres, ops));
    }
}
