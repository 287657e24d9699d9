//! Properties of the journal on the store, small sizes, both backends: after random closes,
//! reopens (with a policy named or not), payments, closes of months not over (refused, nothing
//! written) and year-end interest in any year order (a year after a later one refused, nothing
//! written), the balances equal the sums of the stored postings (and the ledger
//! replayed from the stored entries), closing a closed month again changes nothing, and each
//! month's contribution equals the rules engine's per-worker results summed, and the risk
//! monitor's standings (closed, unpaid and paid months, read without the ledger) are the
//! ledger's.

mod common;

use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::YearMonth;
use flexpension_rules::contribution::compute;
use flexpension_store::*;
use proptest::prelude::*;

const MONTHS: [&str; 2] = ["2025-09", "2025-10"];

#[derive(Debug, Clone)]
enum Op {
    Close(usize),
    /// Reclose under the paper's policy (`Some(true)`), the region's (`Some(false)`), or with
    /// no policy named (`None`: the month keeps its recorded one).
    Reopen(usize, Option<bool>),
    Pay {
        worker: usize,
        yuan: i64,
        reference: i64,
    },
    /// A month that is not over: refused.
    Future(i64),
    Interest(i32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..MONTHS.len()).prop_map(Op::Close),
        (0..MONTHS.len(), prop::option::of(any::<bool>())).prop_map(|(m, paper)| Op::Reopen(m, paper)),
        (0usize..3, 1i64..2_000, 0i64..4).prop_map(|(worker, yuan, reference)| Op::Pay { worker, yuan, reference }),
        (0i64..900).prop_map(Op::Future),
        (2025i32..=2026).prop_map(Op::Interest),
    ]
}

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

async fn journal_rows(ctx: &Ctx) -> (i64, i64) {
    (ctx.scalar("SELECT COUNT(*) FROM journal_entries").await, ctx.scalar("SELECT COUNT(*) FROM journal_postings").await)
}

async fn check(kind: Kind, incomes: Vec<[u16; 2]>, ops: Vec<Op>) {
    run(kind, move |ctx| async move {
        let s = &ctx.store;
        let f = fixture(s, 3).await;
        let mut rows = Vec::new();
        for (i, (idn, w)) in f.workers.iter().enumerate() {
            let e =
                NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
            s.enrol(&e).await.expect("enrol");
            for (k, m) in MONTHS.iter().enumerate() {
                if incomes[i][k] > 0 {
                    rows.push([
                        format!("o{i}-{k}"),
                        idn.clone(),
                        format!("{}", u32::from(incomes[i][k]) * 3),
                        format!("{m}-05T10:00:00+08:00"),
                    ]);
                }
            }
        }
        let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], "ride_hailing", "g1"]).collect();
        if !refs.is_empty() {
            s.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &IngestOptions::request(now(), None))
                .await
                .expect("ingest");
        }
        let paper = PARAMS.scenario("zj", Some("paper"), None).expect("paper");
        let opts = CloseOptions { chunk_workers: 2, ..CloseOptions::new(ym("2025-12")) };
        for op in &ops {
            match *op {
                Op::Close(m) => {
                    s.close_month(&zj(), ym(MONTHS[m]), &opts).await.expect("close");
                    // Closing a closed month again changes nothing.
                    let before = journal_rows(&ctx).await;
                    let again = s.close_month(&zj(), ym(MONTHS[m]), &opts).await.expect("close again");
                    assert!(again.already_closed);
                    assert_eq!(journal_rows(&ctx).await, before);
                }
                Op::Reopen(m, p) => {
                    let current = zj();
                    let sc = if p == Some(true) { &paper } else { &current };
                    let recorded = s.month_close(ym(MONTHS[m])).await.expect("record").map(|c| c.policy);
                    let o = CloseOptions { reopen: true, policy_given: p.is_some(), ..opts };
                    let r = s.close_month(sc, ym(MONTHS[m]), &o).await.expect("reopen");
                    match (p, recorded) {
                        (None, Some(policy)) => assert!(r.policy_kept && r.policy == policy, "{r:?}"),
                        _ => assert_eq!(r.policy, sc.policy.name),
                    }
                }
                Op::Future(k) => {
                    let month = s.this_month().add_months(k).expect("month");
                    let before = journal_rows(&ctx).await;
                    let e = s.close_month(&zj(), month, &opts).await.expect_err("a month not over");
                    assert_eq!(e.field(), Some("month"));
                    assert_eq!(journal_rows(&ctx).await, before);
                }
                Op::Interest(year) => {
                    let before = journal_rows(&ctx).await;
                    let later = ctx
                        .scalar(&format!("SELECT COUNT(*) FROM journal_entries WHERE kind = 'interest_credit' AND period > {year}12"))
                        .await;
                    let r = s.credit_interest(year, &PARAMS, Some(flexpension_rules::Dec6(15_000))).await;
                    if later > 0 {
                        assert_eq!(r.expect_err("a year after a later one").field(), Some("year"));
                        assert_eq!(journal_rows(&ctx).await, before);
                    } else {
                        r.expect("interest");
                    }
                }
                Op::Pay { worker, yuan, reference } => {
                    let p = Payment {
                        worker: f.workers[worker].1.id,
                        payer: Payer::SelfPaid,
                        reference,
                        amount_fen: yuan * 100,
                        period: ym("2025-12"),
                    };
                    // The same reference with another amount is refused; that is fine here.
                    let _ = s.pay(&p).await;
                }
            }
        }
        // Balances: stored postings = the ledger replayed from stored entries; sum 0.
        let l = common::ledger::assert_balanced(s, &f).await;
        // The monitor's standings, one read over the journal, are the ledger's.
        let ids: Vec<i64> = f.workers.iter().map(|(_, w)| w.id.0).collect();
        let (lo, hi) = (ids.iter().min().copied().unwrap_or(0), ids.iter().max().copied().unwrap_or(0));
        let standings = s.monitor_standings(lo, hi).await.expect("standings");
        for (_, w) in &f.workers {
            let got = standings.get(&w.id).copied().unwrap_or_default();
            let uninsured = matches!(l.status(w.id, u32::MAX), flexpension_ledger::Status::Uninsured);
            let unpaid = if uninsured { 0 } else { l.arrears(w.id).unpaid.len() as u32 };
            assert_eq!(
                (got.closed_months == 0, got.unpaid_months, got.months_paid),
                (uninsured, unpaid, l.months_paid(w.id)),
                "{:?}",
                w.id
            );
        }
        // Contributions of each closed month = the rules engine per worker, summed, under the
        // policy that last closed it.
        for m in MONTHS {
            let Some(c) = s.month_close(ym(m)).await.expect("close record") else { continue };
            let sc = PARAMS.scenario("zj", Some(&c.policy), None).expect("scenario");
            let (rules, _) = sc.month_rules(ym(m)).expect("rules");
            let incomes = s.enrolled_incomes(ym(m)).await.expect("incomes");
            let want: i64 = incomes.iter().map(|(_, i)| compute(&rules, *i, None).contribution_fen).sum();
            let rep = s.month_report(ym(m)).await.expect("report");
            assert_eq!(rep.contribution_fen, want, "{m}");
            assert_eq!(rep.contribution_fen, rep.subsidy_fen + rep.paid_fen + rep.arrears_fen);
        }
    })
    .await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_journal_properties(incomes in prop::collection::vec([0u16..4000, 0u16..4000], 3), ops in prop::collection::vec(op(), 1..10)) {
        runtime().block_on(check(Kind::Sqlite, incomes, ops));
    }

    #[test]
    fn postgres_journal_properties(incomes in prop::collection::vec([0u16..4000, 0u16..4000], 3), ops in prop::collection::vec(op(), 1..10)) {
        runtime().block_on(check(Kind::Postgres, incomes, ops));
    }
}
