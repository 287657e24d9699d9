//! The worker's own choices on the store, on both backends: a chosen base billed by the close
//! (and the close's postings still derived from its stored due), leaving a scheme, the pension
//! savings account (declare, room, deposit, pay arrears from it), and every refusal naming its
//! field with nothing written.

mod common;

use common::ledger::*;
use common::*;
use flexpension_store::*;
use std::sync::Arc;

fn at(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).expect("time").timestamp_micros()
}

fn field<T: std::fmt::Debug>(r: Result<T>) -> &'static str {
    match r {
        Err(e) => e.field().unwrap_or_else(|| panic!("no field: {e}")),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

async fn counts(ctx: &Ctx) -> (i64, i64, i64, i64) {
    (
        ctx.scalar("SELECT COUNT(*) FROM journal_entries").await,
        ctx.scalar("SELECT COUNT(*) FROM base_choices").await,
        ctx.scalar("SELECT COUNT(*) FROM occasional_income").await,
        ctx.scalar("SELECT COUNT(*) FROM enrolments WHERE to_month IS NOT NULL").await,
    )
}

async fn base_of(ctx: &Ctx, w: &Worker, month: i32) -> i64 {
    ctx.scalar(&format!("SELECT base_fen FROM journal_entries WHERE worker_id = {} AND kind = 'month_close' AND month = {month}", w.id.0))
        .await
}

async fn choices(kind: Kind) {
    let clock = Arc::new(FixedClock::new(at("2025-09-15T12:00:00+08:00")));
    let Some(ctx) = Ctx::with_options(kind, OpenOptions { clock: clock.clone(), ..OpenOptions::default() }).await else { return };
    let s = &ctx.store;
    let f = fixture(s, 3).await;
    enrol_with_income(s, &f, 2, |i, k| 3000 + i * 500 + k * 700, usize::MAX).await;
    let (w0, w1, w2) = (&f.workers[0].1, &f.workers[1].1, &f.workers[2].1);
    let p = &*PARAMS;

    // The base: refusals first, nothing written.
    let before = counts(&ctx).await;
    assert_eq!(field(s.choose_base(&zj(), w0.id, ym("2025-10"), 10_000).await), "base_fen");
    assert_eq!(field(s.choose_base(&zj(), w0.id, ym("2025-10"), 999_999_900).await), "base_fen");
    assert_eq!(field(s.choose_base(&zj(), w0.id, ym("2025-08"), 800_000).await), "from");
    assert_eq!(field(s.choose_base(&zj(), w2.id, ym("2025-10"), 800_000).await), "from", "not enrolled");
    assert_eq!(counts(&ctx).await, before);
    let c = s.choose_base(&zj(), w0.id, ym("2025-10"), 800_000).await.expect("choose");
    assert!(c.lower_fen < 800_000 && 800_000 < c.upper_fen, "{c:?}");
    assert_eq!(s.chosen_base(w0.id, ym("2025-09")).await.unwrap(), None);
    assert_eq!(s.chosen_base(w0.id, ym("2025-11")).await.unwrap(), Some(800_000));

    // The close bills it from its month on; the other worker stays on the lower limit.
    clock.set(at("2025-12-15T12:00:00+08:00"));
    for m in MONTHS {
        s.close_month(&zj(), ym(m), &CloseOptions::new(ym("2025-12"))).await.expect("close");
    }
    let lower = base_of(&ctx, w1, 202509).await;
    assert_eq!(base_of(&ctx, w0, 202509).await, lower);
    assert_eq!(base_of(&ctx, w0, 202510).await, 800_000);
    assert_eq!(base_of(&ctx, w0, 202511).await, 800_000);
    assert_eq!(base_of(&ctx, w1, 202511).await, lower);
    // Read back (postings derived from the stored due) the journal still balances.
    let r = s.month_report(ym("2025-10")).await.expect("report");
    assert_eq!(r.trial_balance_fen, 0);
    assert_eq!(field(s.choose_base(&zj(), w0.id, ym("2025-11"), 900_000).await), "from", "closed");

    // Combinations: one basic pension at a time, explained.
    let res = NewEnrolment { worker: w0.id, scheme: Scheme::ResidentsPension, from: ym("2025-12"), to: None, basis: Basis::PlatformIncome };
    let e = s.enrol(&res).await.unwrap_err();
    assert_eq!(e.field(), Some("scheme"));
    assert!(e.to_string().contains("one basic pension at a time"), "{e}");

    // Leaving with arrears is refused; a closed month cannot be left.
    let before = counts(&ctx).await;
    assert_eq!(field(s.leave_scheme(p, w0.id, Scheme::EmployeePension, ym("2025-12")).await), "scheme");
    assert_eq!(field(s.leave_scheme(p, w0.id, Scheme::Medical, ym("2025-12")).await), "scheme", "not in it");
    assert_eq!(field(s.leave_scheme(p, w1.id, Scheme::EmployeePension, ym("2025-11")).await), "from", "closed");

    // Savings: no room before a declaration; over the room refused; nothing written.
    assert_eq!(field(s.deposit_savings(p, w0.id, 2025, 10_000, None).await), "amount_fen");
    assert_eq!(field(s.declare_occasional(p, w0.id, 2027, None, 10_000).await), "year");
    assert_eq!(counts(&ctx).await, before);
    let st = s.declare_occasional(p, w0.id, 2025, None, 10_000_000).await.expect("declare");
    assert_eq!((st.limit_fen, st.room_fen, st.balance_fen), (2_000_000, 2_000_000, 0));
    let before = counts(&ctx).await;
    let e = s.deposit_savings(p, w0.id, 2025, 2_000_001, None).await.unwrap_err();
    assert_eq!(e.field(), Some("amount_fen"));
    assert!(e.to_string().contains("20000.00"), "the room is named: {e}");
    assert_eq!(counts(&ctx).await, before);
    let st = s.deposit_savings(p, w0.id, 2025, 1_500_000, Some(1)).await.expect("deposit");
    assert_eq!((st.balance_fen, st.room_fen, st.duplicate), (1_500_000, 500_000, false));
    let again = s.deposit_savings(p, w0.id, 2025, 1_500_000, Some(1)).await.expect("retry");
    assert_eq!((again.balance_fen, again.duplicate), (1_500_000, true), "a retry writes nothing");
    // A platform's declaration adds to the worker's; lowering below the deposits is refused.
    let st = s.declare_occasional(p, w0.id, 2025, Some(f.a.id.0), 1_000_000).await.expect("platform declares");
    assert_eq!(st.occasional_income_fen, 11_000_000);
    // On the platform API, by reference: it replaces that platform's figure; the same reference
    // again writes nothing; with other data it is refused; another platform's worker is not found.
    let st = s.declare_occasional_by_platform(p, f.a.id, w0.id, 2025, 2_000_000, "R-1").await.expect("by reference");
    assert_eq!((st.occasional_income_fen, st.duplicate), (12_000_000, false));
    let before = counts(&ctx).await;
    let logged = ctx.scalar("SELECT COUNT(*) FROM log_entries").await;
    let again = s.declare_occasional_by_platform(p, f.a.id, w0.id, 2025, 2_000_000, "R-1").await.expect("again");
    assert_eq!((again.occasional_income_fen, again.duplicate), (12_000_000, true));
    let e = s.declare_occasional_by_platform(p, f.a.id, w0.id, 2025, 3_000_000, "R-1").await.unwrap_err();
    assert!(matches!(e, StoreError::Exists { .. }), "{e}");
    let e = s.declare_occasional_by_platform(p, f.b.id, w0.id, 2025, 3_000_000, "R-2").await.unwrap_err();
    assert!(matches!(e, StoreError::NotFound { .. }), "not B's worker: {e}");
    assert_eq!(field(s.declare_occasional_by_platform(p, f.a.id, w0.id, 2025, 3_000_000, " R").await), "reference");
    assert_eq!(field(s.declare_occasional_by_platform(p, f.a.id, w0.id, 2025, -1, "R-3").await), "occasional_fen");
    assert_eq!(counts(&ctx).await, before);
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM log_entries").await, logged, "nothing logged");
    assert_eq!(ctx.scalar("SELECT COUNT(*) FROM occasional_references").await, 1);
    assert_eq!(field(s.declare_occasional(p, w0.id, 2025, None, 5_000_000).await), "occasional_fen");

    // Paying a month from savings pays the older ones first.
    let before = counts(&ctx).await;
    assert_eq!(field(s.pay_from_savings(p, w0.id, ym("2025-12")).await), "month", "not owed");
    assert_eq!(counts(&ctx).await, before);
    let pr = s.pay_from_savings(p, w0.id, ym("2025-10")).await.expect("pay from savings");
    assert_eq!(pr.credited_months, vec![ym("2025-09"), ym("2025-10")]);
    let st = s.savings_status(p, w0.id, 2025).await.expect("status");
    assert_eq!(st.balance_fen, 1_500_000 - pr.amount_fen);
    assert_eq!(st.history.iter().map(|m| m.amount_fen).sum::<i64>(), st.balance_fen, "balance = its journal sum");
    assert_eq!(st.history.len(), 2);
    assert_eq!(field(s.pay_from_savings(p, w0.id, ym("2025-10")).await), "month", "paid already");
    let pr = s.pay_from_savings(p, w0.id, ym("2025-11")).await.expect("the last month");
    assert_eq!(pr.arrears_fen, 0);
    assert_eq!(s.month_report(ym("2025-11")).await.expect("report").trial_balance_fen, 0);
    // Now nothing is owed: leaving is allowed, from the first month not closed.
    let e = s.leave_scheme(p, w0.id, Scheme::EmployeePension, ym("2025-12")).await.expect("leave");
    assert_eq!(e.to, Some(ym("2025-11")));
    // More than the account holds is refused.
    let st = s.declare_occasional(p, w1.id, 2025, None, 100_000).await.expect("declare");
    assert_eq!(st.room_fen, 20_000);
    s.deposit_savings(p, w1.id, 2025, 20_000, None).await.expect("small deposit");
    let e = s.pay_from_savings(p, w1.id, ym("2025-09")).await.unwrap_err();
    assert_eq!(e.field(), Some("month"));
    assert!(e.to_string().contains("holds 200.00"), "{e}");
    ctx.cleanup().await;
}

#[tokio::test]
async fn choices_sqlite() {
    choices(Kind::Sqlite).await;
}

#[tokio::test]
async fn choices_postgres() {
    choices(Kind::Postgres).await;
}
