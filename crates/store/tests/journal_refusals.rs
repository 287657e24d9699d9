//! What the ledger on the store refuses, on both backends: months not over and
//! closes out of order, payments received in the future or before the month they pay, a
//! reclose that would change the policy silently, references compared loosely, interest out of
//! order, payers and workers that do not exist or are not enrolled, billing past the statutory
//! retirement age; and the subsidy drawn in the month report. Each refusal names its field and
//! writes nothing.

mod common;

use common::ledger::*;
use common::*;
use flexpension_ledger::{Payer, Payment, PlatformId};
use flexpension_store::*;

/// `n` workers (born 1990) enrolled from September with income in each month; plus, when
/// `old`, one worker born in 1949 enrolled the same way.
async fn setup(ctx: &Ctx, n: u32, old: bool) -> (Fixture, Option<Worker>) {
    let s = &ctx.store;
    let mut f = fixture(s, n).await;
    let old = if old {
        let id = flexpension_testkit::worker_id(900, 1949..1950);
        let nw = NewWorker {
            id_number: id.clone(),
            name: flexpension_testkit::worker_name(900),
            phone: flexpension_testkit::phone(900),
            hukou_region: "zj".into(),
            home_grid: "g1".into(),
        };
        let w = s.add_worker(&nw).await.expect("old worker");
        f.workers.push((id, w.clone()));
        Some(w)
    } else {
        None
    };
    let all = f.workers.len();
    enrol_with_income(s, &f, all, |i, k| 2000 + (i * 1700 + k * 2300) % 6000, usize::MAX).await;
    (f, old)
}

async fn rows(ctx: &Ctx) -> (i64, i64, i64) {
    (
        ctx.scalar("SELECT COUNT(*) FROM journal_entries").await,
        ctx.scalar("SELECT COUNT(*) FROM journal_postings").await,
        ctx.scalar("SELECT COUNT(*) FROM month_closes").await,
    )
}

fn opts() -> CloseOptions {
    CloseOptions::new(ym("2025-12"))
}

fn pay(w: &Worker, reference: i64, amount_fen: i64, period: &str) -> Payment {
    Payment { worker: w.id, payer: Payer::SelfPaid, reference, amount_fen, period: ym(period) }
}

fn field(r: Result<impl std::fmt::Debug>) -> Option<&'static str> {
    match r {
        Err(e) => e.field(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

pub mod cases {
    use super::*;

    /// Item 1: a month not over cannot be closed; months close in order, without gaps.
    pub async fn future_and_out_of_order_closes(ctx: Ctx) {
        let (_f, _) = setup(&ctx, 3, false).await;
        let s = &ctx.store;
        let empty = rows(&ctx).await;
        assert_eq!(field(s.close_month(&zj(), ym("2099-12"), &opts()).await), Some("month"));
        assert_eq!(field(s.close_month(&zj(), s.this_month(), &opts()).await), Some("month"), "this month is not over");
        assert_eq!(rows(&ctx).await, empty, "nothing written");
        s.close_month(&zj(), ym("2025-10"), &opts()).await.expect("the first close may be any past month");
        let one = rows(&ctx).await;
        // A gap after the last closed month, and one before the first.
        assert_eq!(field(s.close_month(&zj(), ym("2025-12"), &opts()).await), Some("month"));
        assert_eq!(field(s.close_month(&zj(), ym("2025-08"), &opts()).await), Some("month"));
        assert_eq!(rows(&ctx).await, one, "nothing written");
        // Next to the closed months: back-filling the one before, then the one after.
        s.close_month(&zj(), ym("2025-09"), &opts()).await.expect("the month before");
        s.close_month(&zj(), ym("2025-11"), &opts()).await.expect("the month after");
        // Corrections cannot be booked in the future either.
        let future_at = CloseOptions { reopen: true, ..CloseOptions::new(ym("2099-01")) };
        assert_eq!(field(s.close_month(&zj(), ym("2025-09"), &future_at).await), Some("at"));
    }

    /// Item 2: money is received neither in the future nor before the month it pays.
    pub async fn payments_received_in_impossible_months(ctx: Ctx) {
        let (f, _) = setup(&ctx, 2, false).await;
        let s = &ctx.store;
        for m in MONTHS {
            s.close_month(&zj(), ym(m), &opts()).await.expect("close");
        }
        let w = &f.workers[0].1;
        let before = rows(&ctx).await;
        assert_eq!(field(s.pay(&pay(w, 1, 10_000, "2099-12")).await), Some("period"));
        assert_eq!(field(s.pay(&pay(w, 2, 10_000, "2024-06")).await), Some("period"), "before 2025-09, the month it pays");
        assert_eq!(field(s.pay(&pay(w, 3, 10_000, "2025-08")).await), Some("period"));
        assert_eq!(rows(&ctx).await, before, "nothing written");
        // Received in the oldest unpaid month or later: booked, and its crediting too.
        let st = s.worker_statement(w.id, 3).await.expect("statement");
        let r = s.pay(&pay(w, 4, st.months[0].due_fen, "2025-09")).await.expect("pay");
        assert_eq!(r.credited_months, vec![ym("2025-09")]);
        // Now the oldest unpaid month is 2025-10: money received in 2025-09 cannot pay it.
        assert_eq!(field(s.pay(&pay(w, 5, 10_000, "2025-09")).await), Some("period"));
        s.pay(&pay(w, 5, 10_000, "2025-10")).await.expect("received in the month it pays");
    }

    /// Item 3: a reclose without a policy keeps the month's recorded policy, and says so.
    pub async fn reclose_keeps_the_recorded_policy(ctx: Ctx) {
        let (_f, _) = setup(&ctx, 4, false).await;
        let s = &ctx.store;
        let paper = PARAMS.scenario("zj", Some("paper"), None).expect("paper");
        assert_ne!(paper.policy.name, zj().policy.name, "the region's default is not the paper's");
        let given = CloseOptions { policy_given: true, ..opts() };
        s.close_month(&paper, ym("2025-09"), &given).await.expect("close under paper");
        let before = s.month_report(ym("2025-09")).await.expect("report");
        let n = rows(&ctx).await;
        // The region's default scenario, no policy named: the month stays under paper.
        let re = s.close_month(&zj(), ym("2025-09"), &CloseOptions { reopen: true, ..opts() }).await.expect("reclose");
        assert!(re.policy_kept);
        assert_eq!(re.policy, paper.policy.name);
        assert_eq!(re.close.as_ref().map(|c| c.policy.as_str()), Some(paper.policy.name.as_str()));
        assert_eq!(s.month_report(ym("2025-09")).await.expect("report"), before, "figures unchanged");
        assert_eq!(rows(&ctx).await.0, n.0, "no journal entry written");
        // Named explicitly, the policy changes.
        let re = s.close_month(&zj(), ym("2025-09"), &CloseOptions { reopen: true, ..given }).await.expect("reclose");
        assert!(!re.policy_kept);
        assert_eq!(re.policy, zj().policy.name);
        assert_ne!(s.month_report(ym("2025-09")).await.expect("report").subsidy_fen, before.subsidy_fen);
    }

    /// Item 4: references are opaque strings compared exactly: "7" and "007" are two payments.
    pub async fn references_compared_exactly(ctx: Ctx) {
        let (f, _) = setup(&ctx, 1, false).await;
        let s = &ctx.store;
        s.close_month(&zj(), ym("2025-09"), &opts()).await.expect("close");
        let w = &f.workers[0].1;
        let seven = payment_reference("7").expect("7");
        let oh_seven = payment_reference("007").expect("007");
        assert_ne!(seven, oh_seven);
        assert!(!s.pay(&pay(w, seven, 1_000, "2025-10")).await.expect("7").duplicate);
        assert!(!s.pay(&pay(w, oh_seven, 1_000, "2025-10")).await.expect("007").duplicate, "007 is another payment");
        assert!(s.pay(&pay(w, oh_seven, 1_000, "2025-10")).await.expect("007 again").duplicate);
        let received = ctx.store.account_balances().await.expect("balances");
        assert!(received.contains(&("clearing/self".to_string(), 2_000)), "{received:?}");
    }

    /// Item 5: interest for a year after a later year's is refused whole.
    pub async fn interest_years_in_order(ctx: Ctx) {
        let (f, _) = setup(&ctx, 2, false).await;
        let s = &ctx.store;
        s.close_month(&zj(), ym("2025-09"), &opts()).await.expect("close");
        let w = &f.workers[0].1;
        let due = s.worker_statement(w.id, 3).await.expect("statement").months[0].due_fen;
        s.pay(&pay(w, 1, due, "2025-09")).await.expect("pay");
        let r = s.credit_interest(2026, &PARAMS, Some(flexpension_rules::Dec6(20_000))).await.expect("2026 at an assumed rate");
        assert_eq!(r.workers, 1);
        let n = rows(&ctx).await;
        assert_eq!(field(s.credit_interest(2025, &PARAMS, None).await), Some("year"));
        assert_eq!(rows(&ctx).await, n, "nothing written");
    }

    /// Item 6: the month report gives the subsidy drawn on payment next to the subsidy billed.
    pub async fn subsidy_paid_in_the_report(ctx: Ctx) {
        let (f, _) = setup(&ctx, 6, false).await;
        let s = &ctx.store;
        let paper = PARAMS.scenario("zj", Some("paper"), None).expect("paper");
        s.close_month(&paper, ym("2025-09"), &opts()).await.expect("close");
        let rep = s.month_report(ym("2025-09")).await.expect("report");
        assert!(rep.subsidy_fen > 0, "the paper's policy subsidises these incomes: {rep:?}");
        assert_eq!(rep.subsidy_paid_fen, 0, "nothing drawn before payment");
        let mut want = 0;
        for (_, w) in f.workers.iter().take(3) {
            let st = s.worker_statement(w.id, 3).await.expect("statement");
            s.pay(&pay(w, 1, st.months[0].due_fen, "2025-09")).await.expect("pay");
            want += st.months[0].subsidy_fen;
        }
        let rep = s.month_report(ym("2025-09")).await.expect("report");
        assert_eq!(rep.subsidy_paid_fen, want);
        let drawn: i64 = s.account_balances().await.expect("b").iter().filter(|(a, _)| a == "subsidy").map(|(_, v)| *v).sum();
        assert_eq!(drawn, want, "the subsidy fund's draws");
    }

    /// Item 7: unknown payers and workers not enrolled are refused; a worker past the statutory
    /// retirement age who did not insure before it is not billed.
    pub async fn payers_enrolment_and_retirement_age(ctx: Ctx) {
        let (f, old) = setup(&ctx, 2, true).await;
        let s = &ctx.store;
        let old = old.expect("old worker");
        let r = s.close_month(&zj(), ym("2025-09"), &opts()).await.expect("close");
        assert_eq!(r.past_retirement, 1);
        assert_eq!(r.workers, 3);
        assert!(s.worker_entries(old.id).await.expect("entries").is_empty(), "the worker born in 1949 is not billed");
        let w = &f.workers[0].1;
        let before = rows(&ctx).await;
        let unknown = Payment { payer: Payer::Platform(PlatformId(999)), ..pay(w, 1, 1_000, "2025-10") };
        assert_eq!(field(s.pay(&unknown).await), Some("payer"));
        let known = Payment { payer: Payer::Platform(f.a.id), ..pay(w, 1, 1_000, "2025-10") };
        // A worker registered but never enrolled in the employee pension.
        let nw = NewWorker {
            id_number: worker_id_number(500),
            name: flexpension_testkit::worker_name(500),
            phone: flexpension_testkit::phone(500),
            hukou_region: "zj".into(),
            home_grid: "g1".into(),
        };
        let stranger = s.add_worker(&nw).await.expect("worker");
        assert_eq!(field(s.pay(&pay(&stranger, 1, 1_000, "2025-10")).await), Some("worker"));
        assert_eq!(rows(&ctx).await, before, "nothing written");
        s.pay(&known).await.expect("a registered platform pays");
    }
}

// Each case on each backend.
mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn future_and_out_of_order_closes() {
        run(Kind::Sqlite, cases::future_and_out_of_order_closes).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payments_received_in_impossible_months() {
        run(Kind::Sqlite, cases::payments_received_in_impossible_months).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reclose_keeps_the_recorded_policy() {
        run(Kind::Sqlite, cases::reclose_keeps_the_recorded_policy).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn references_compared_exactly() {
        run(Kind::Sqlite, cases::references_compared_exactly).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn interest_years_in_order() {
        run(Kind::Sqlite, cases::interest_years_in_order).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn subsidy_paid_in_the_report() {
        run(Kind::Sqlite, cases::subsidy_paid_in_the_report).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payers_enrolment_and_retirement_age() {
        run(Kind::Sqlite, cases::payers_enrolment_and_retirement_age).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn future_and_out_of_order_closes() {
        run(Kind::Postgres, cases::future_and_out_of_order_closes).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payments_received_in_impossible_months() {
        run(Kind::Postgres, cases::payments_received_in_impossible_months).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reclose_keeps_the_recorded_policy() {
        run(Kind::Postgres, cases::reclose_keeps_the_recorded_policy).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn references_compared_exactly() {
        run(Kind::Postgres, cases::references_compared_exactly).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn interest_years_in_order() {
        run(Kind::Postgres, cases::interest_years_in_order).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn subsidy_paid_in_the_report() {
        run(Kind::Postgres, cases::subsidy_paid_in_the_report).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn payers_enrolment_and_retirement_age() {
        run(Kind::Postgres, cases::payers_enrolment_and_retirement_age).await;
    }
}
