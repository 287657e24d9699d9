//! The ledger on the store (docs/JOURNAL.md), on both backends: month close, payments, reopen, interest,
//! reports; balances equal the postings (stored, or derived from the dues); closes and payments racing on the same workers
//! end where the serial order ends; SQLite and PostgreSQL give identical reports.

mod common;

use common::ledger::*;
use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_store::*;

/// `n` workers enrolled from September, with income in each month from two platforms.
async fn setup(ctx: &Ctx, n: u32) -> Fixture {
    let f = fixture(&ctx.store, n).await;
    // Incomes across the brackets: some workers earn nothing in a month.
    enrol_with_income(&ctx.store, &f, n as usize, |i, k| (i * 1700 + k * 2300) % 9000, 50).await;
    f
}

fn pay(w: &Worker, reference: i64, amount_fen: i64) -> Payment {
    Payment { worker: w.id, payer: Payer::SelfPaid, reference, amount_fen, period: ym("2025-12") }
}

pub mod cases {
    use super::*;

    pub async fn close_pay_report(ctx: Ctx) {
        let f = setup(&ctx, 6).await;
        let s = &ctx.store;
        let opts = CloseOptions::new(ym("2025-12"));
        let r = s.close_month(&zj(), ym("2025-09"), &opts).await.expect("settle");
        assert!(!r.already_closed);
        assert_eq!((r.workers, r.entries), (6, 6));
        assert_eq!(r.close.as_ref().map(|c| c.policy.as_str()), Some(zj().policy.name.as_str()));
        // Closing again is a no-op.
        let again = s.close_month(&zj(), ym("2025-09"), &opts).await.expect("settle again");
        assert!(again.already_closed);
        assert_eq!(again.entries, 0);

        // The report's contribution equals the rules engine's per-worker results summed.
        let (rules, _) = zj().month_rules(ym("2025-09")).expect("rules");
        let incomes = s.enrolled_incomes(ym("2025-09")).await.expect("incomes");
        let want: i64 = incomes.iter().map(|(_, i)| flexpension_rules::contribution::compute(&rules, *i, None).contribution_fen).sum();
        let rep = s.month_report(ym("2025-09")).await.expect("report");
        assert_eq!(rep.workers, 6);
        assert_eq!(rep.contribution_fen, want);
        assert_eq!(rep.contribution_fen, rep.subsidy_fen + rep.paid_fen + rep.arrears_fen);
        assert_eq!(rep.paid_fen, 0);
        assert_eq!(rep.trial_balance_fen, 0);

        // A payment credits the month; a retry with the same reference changes nothing.
        let w0 = &f.workers[0].1;
        let st = s.worker_statement(w0.id, 3).await.expect("statement");
        let due = st.months[0].due_fen;
        let p = s.pay(&pay(w0, 1, due)).await.expect("pay");
        assert_eq!((p.duplicate, p.credited_months.clone(), p.arrears_fen), (false, vec![ym("2025-09")], 0));
        let retry = s.pay(&pay(w0, 1, due)).await.expect("retry");
        assert!(retry.duplicate);
        assert!(matches!(s.pay(&pay(w0, 1, due + 1)).await, Err(StoreError::Exists { .. })));
        let st = s.worker_statement(w0.id, 3).await.expect("statement");
        assert_eq!((st.months_paid, st.months[0].paid_fen, st.months[0].due_fen), (1, due, 0));
        assert!(st.personal_account_fen > 0);
        assert_eq!(st.status, flexpension_ledger::Status::Current);
        let rep = s.month_report(ym("2025-09")).await.expect("report");
        assert_eq!(rep.paid_fen, due);

        // Two more months: a worker who never pays is in arrears, then lapses at 3.
        for m in ["2025-10", "2025-11"] {
            s.close_month(&zj(), ym(m), &opts).await.expect("settle");
        }
        let w1 = &f.workers[1].1;
        let st = s.worker_statement(w1.id, 3).await.expect("statement");
        assert!(matches!(st.status, flexpension_ledger::Status::Lapsed { months: 3, .. }), "{st:?}");

        // Reopen under the paper's policy: figures corrected by reversal and a new entry.
        let paper = PARAMS.scenario("zj", Some("paper"), None).expect("paper");
        let before = s.month_report(ym("2025-10")).await.expect("report");
        let re = s.close_month(&paper, ym("2025-10"), &CloseOptions { reopen: true, policy_given: true, ..opts }).await.expect("reclose");
        assert_eq!(re.close.as_ref().map(|c| (c.action.as_str(), c.run)), Some(("reclose", 2)));
        let after = s.month_report(ym("2025-10")).await.expect("report");
        assert_eq!(after.workers, before.workers);
        assert_eq!(after.trial_balance_fen, 0);

        // Interest at year end; twice is once.
        let i1 = s.credit_interest(2025, &PARAMS, None).await.expect("interest");
        let i2 = s.credit_interest(2025, &PARAMS, None).await.expect("interest again");
        assert_eq!(i2.workers, 0);
        assert!(i1.workers <= 1);
        assert_balanced(&ctx.store, &f).await;

        // The journal is append-only.
        let c = ctx.clone();
        let caught = tokio::spawn(async move { c.sql("UPDATE journal_postings SET amount_fen = 0").await }).await;
        assert!(caught.is_err(), "an UPDATE of the journal must fail");

        let pw = s.platform_workers(f.a.id, ym("2025-09"), 3).await.expect("platform workers");
        assert!(!pw.is_empty());
        let t = s.region_month_totals(ym("2025-09")).await.expect("totals");
        assert_eq!(t.report, s.month_report(ym("2025-09")).await.expect("report"));
    }

    /// Closes and payments racing on the same workers end in the serial result.
    pub async fn races_end_in_serial_result(ctx: Ctx) {
        let f = setup(&ctx, 8).await;
        let s = ctx.store.clone();
        let opts = CloseOptions { chunk_workers: 3, ..CloseOptions::new(ym("2025-12")) };
        let mut tasks = Vec::new();
        for m in MONTHS {
            for _ in 0..2 {
                let s = s.clone();
                tasks.push(tokio::spawn(async move {
                    // Two closes of one month may race on the run number of the record; the
                    // journal itself is what must be right.
                    let _ = s.close_month(&zj(), ym(m), &opts).await;
                }));
            }
        }
        for (i, (_, w)) in f.workers.iter().enumerate() {
            for k in 0..4 {
                let s = s.clone();
                let p = pay(w, k, 5_000 + 1_000 * i as i64);
                tasks.push(tokio::spawn(async move {
                    s.pay(&p).await.expect("pay");
                    // A retry racing with everything else.
                    s.pay(&p).await.expect("pay retry");
                }));
            }
        }
        for t in tasks {
            t.await.expect("task");
        }
        // Closes of months missed by a racing record are completed now (no-op if all closed).
        for m in MONTHS {
            s.close_month(&zj(), ym(m), &CloseOptions { reopen: true, ..opts }).await.expect("settle");
        }
        // The serial result: the same closes and payments in one order on a pure ledger.
        let (mut l, mut serial_received) = (flexpension_ledger::Ledger::new(), 0i64);
        for m in MONTHS {
            let (rules, _) = zj().month_rules(ym(m)).expect("rules");
            let wms: Vec<flexpension_ledger::WorkerMonth> = s
                .enrolled_incomes(ym(m))
                .await
                .expect("incomes")
                .into_iter()
                .map(|(w, income_fen)| flexpension_ledger::WorkerMonth {
                    worker: WorkerId(w),
                    income_fen,
                    declared_base_fen: None,
                    enrolled: true,
                })
                .collect();
            l.close_month(ym(m), &wms, &rules).expect("close");
        }
        for (i, (_, w)) in f.workers.iter().enumerate() {
            for k in 0..4 {
                l.pay(&pay(w, k, 5_000 + 1_000 * i as i64)).expect("pay");
                serial_received += 5_000 + 1_000 * i as i64;
            }
        }
        for (_, w) in &f.workers {
            let st = s.worker_statement(w.id, 3).await.expect("statement");
            assert_eq!(st.personal_account_fen, l.personal_account_fen(w.id), "worker {}", w.id);
            assert_eq!(st.arrears_fen, l.arrears(w.id).arrears_fen);
            assert_eq!(st.credit_fen, l.arrears(w.id).credit_fen);
        }
        let stored: i64 =
            ctx.store.account_balances().await.expect("balances").iter().filter(|(a, _)| a == "clearing/self").map(|(_, v)| *v).sum();
        assert_eq!(stored, serial_received);
        assert_balanced(&ctx.store, &f).await;
    }

    /// A close's, a crediting's and a payment's postings are not stored (they follow from the
    /// dues and the amount); entries stored with them, as the journal once wrote them, read the
    /// same and balance the same.
    pub async fn postings_derived_or_stored(ctx: Ctx) {
        let f = setup(&ctx, 4).await;
        let s = &ctx.store;
        s.close_month(&zj(), ym("2025-09"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        let w0 = &f.workers[0].1;
        let due = s.worker_statement(w0.id, 3).await.expect("statement").months[0].due_fen;
        assert_eq!(s.pay(&pay(w0, 1, due)).await.expect("pay").credited_months, vec![ym("2025-09")]);
        // No line is stored: the payment keeps its amount instead.
        let count = "SELECT COUNT(*) FROM journal_postings";
        assert_eq!(ctx.scalar(count).await, 0);
        assert_eq!(ctx.scalar("SELECT CAST(SUM(amount_fen) AS BIGINT) FROM journal_entries WHERE kind = 'payment'").await, due);
        let entries = s.worker_entries(w0.id).await.expect("entries");
        use flexpension_ledger::EntryKind::{MonthClose, MonthPaid, Payment};
        let derived: Vec<_> = entries.iter().filter(|e| matches!(e.kind(), MonthClose | MonthPaid)).collect();
        assert_eq!(derived.len(), 2);
        let paid = entries.iter().find(|e| e.kind() == Payment).expect("the payment");
        assert_eq!(paid.postings().iter().map(|p| p.amount_fen).collect::<Vec<_>>(), [due, -due], "derived on reading");
        assert!(derived.iter().all(|e| !e.postings().is_empty()), "derived on reading: {derived:?}");
        let balances = s.account_balances().await.expect("balances");
        assert!(balances.iter().any(|(a, v)| *a == format!("pa/{}", w0.id) && *v < 0), "{balances:?}");
        assert_balanced(&ctx.store, &f).await;
        // The same entries with their lines stored.
        let mut lines = 0;
        for e in &derived {
            for (line, p) in e.postings().iter().enumerate() {
                let sql = format!(
                    "INSERT INTO journal_postings (worker_id, entry_id, line, account, amount_fen) VALUES ({}, '{}', {line}, '{}', {})",
                    w0.id.0,
                    e.id(),
                    p.account,
                    p.amount_fen
                );
                ctx.sql(&sql).await;
                lines += 1;
            }
        }
        assert_eq!(ctx.scalar(count).await, lines);
        assert_eq!(s.worker_entries(w0.id).await.expect("entries"), entries);
        assert_eq!(s.account_balances().await.expect("balances"), balances);
        assert_balanced(&ctx.store, &f).await;
        // A retried payment still writes nothing.
        assert!(s.pay(&pay(w0, 1, due)).await.expect("retry").duplicate);
        assert_eq!(ctx.scalar(count).await, lines);
        // A payment as the journal once wrote it: no amount on its row, its two lines stored.
        let w = w0.id.0;
        let seq = ctx.scalar(&format!("SELECT CAST(MAX(seq) + 1 AS BIGINT) FROM journal_entries WHERE worker_id = {w}")).await;
        ctx.sql(&format!(
            "INSERT INTO journal_entries (worker_id, entry_id, seq, kind, period) VALUES ({w}, '{w}/payment/self/77', {seq}, 'payment', 202510)"
        ))
        .await;
        for (line, (account, fen)) in [("clearing/self".to_string(), 500), (format!("receivable/{w}"), -500)].into_iter().enumerate() {
            let sql = format!(
                "INSERT INTO journal_postings (worker_id, entry_id, line, account, amount_fen) VALUES ({w}, '{w}/payment/self/77', {line}, '{account}', {fen})"
            );
            ctx.sql(&sql).await;
        }
        let old = s.worker_entries(w0.id).await.expect("entries");
        assert_eq!(old.len(), entries.len() + 1);
        assert_eq!(old.last().map(|e| e.postings().iter().map(|p| p.amount_fen).collect::<Vec<_>>()), Some(vec![500, -500]));
        let l = assert_balanced(&ctx.store, &f).await;
        assert_eq!(l.arrears(w0.id).credit_fen, 500, "the old payment counts once, as credit");
    }
}

// Each case on each backend: `sqlite::case` and `postgres::case`.
mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn close_pay_report() {
        run(Kind::Sqlite, cases::close_pay_report).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn races_end_in_serial_result() {
        run(Kind::Sqlite, cases::races_end_in_serial_result).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postings_derived_or_stored() {
        run(Kind::Sqlite, cases::postings_derived_or_stored).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn close_pay_report() {
        run(Kind::Postgres, cases::close_pay_report).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn races_end_in_serial_result() {
        run(Kind::Postgres, cases::races_end_in_serial_result).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postings_derived_or_stored() {
        run(Kind::Postgres, cases::postings_derived_or_stored).await;
    }
}

/// The same closes and payments on SQLite and PostgreSQL give identical reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backends_agree() {
    let mut reports = Vec::new();
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let Some(ctx) = Ctx::new(kind).await else { return };
        let f = setup(&ctx, 5).await;
        let opts = CloseOptions::new(ym("2025-12"));
        let mut got = Vec::new();
        for m in MONTHS {
            ctx.store.close_month(&zj(), ym(m), &opts).await.expect("settle");
        }
        ctx.store.pay(&pay(&f.workers[2].1, 7, 150_000)).await.expect("pay");
        for m in MONTHS {
            got.push(ctx.store.month_report(ym(m)).await.expect("report"));
        }
        got.push(flexpension_ledger::MonthReport {
            trial_balance_fen: ctx.store.account_balances().await.expect("b").len() as i64,
            ..Default::default()
        });
        reports.push(got);
        ctx.cleanup().await;
    }
    assert_eq!(reports[0], reports[1]);
}
