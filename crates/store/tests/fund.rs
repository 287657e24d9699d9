//! The provincial special fund on the store, on both backends: appropriations and their
//! refusals, subsidies granted only with money (queue and pro-rate), drawn when the month is
//! paid, released from the queue by the next appropriation, never overspent under concurrent
//! closes, payments and appropriations, and the journal balanced after every operation.

mod common;

use common::ledger::*;
use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::fund::Shortfall;
use flexpension_rules::{Params, Scenario};
use flexpension_store::*;
use proptest::prelude::*;
use std::sync::{Arc, LazyLock};

/// A moment as the store's clock keeps it (microseconds since the epoch).
fn at_us(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).expect("time").timestamp_micros()
}

/// The paper's policy (a 50%/40%/30% subsidy by income band under 5000 yuan a month).
fn paper() -> Scenario<'static> {
    PARAMS.scenario("zj", Some("paper"), None).expect("paper")
}

/// The parameters with the shortfall policy pro-rate.
static PRORATE: LazyLock<Params> = LazyLock::new(|| {
    let mut p = Params::embedded().expect("params");
    for d in &mut p.national.fund.shortfall.items {
        d.value = Shortfall::Prorate;
    }
    p
});

async fn setup(ctx: &Ctx, n: u32) -> Fixture {
    let f = fixture(&ctx.store, n).await;
    // Everyone under 5000 yuan: everyone asks a subsidy.
    enrol_with_income(&ctx.store, &f, n as usize, |i, k| 1000 + (i * 700 + k * 300) % 3500, 50).await;
    f
}

async fn balanced(ctx: &Ctx) {
    assert_eq!(ctx.store.trial_balance().await.expect("trial"), 0);
    ctx.store.fund_check("zj").await.expect("fund books");
    let r = ctx.store.fund_report("zj", None).await.expect("report");
    assert_eq!(r.balance_fen, r.appropriated_fen - r.paid_fen - r.committed_fen);
    assert!(r.balance_fen >= 0, "{r:#?}");
    for (c, f) in &r.cities {
        assert!(f.balance_fen >= 0 && f.paid_fen + f.committed_fen <= f.appropriated_fen, "{c}: {f:?}");
    }
}

/// The due of a worker-month's live close.
async fn due_of(ctx: &Ctx, w: &Worker, month: &str) -> Option<flexpension_ledger::Due> {
    let es = ctx.store.worker_entries(w.id).await.expect("entries");
    let m = ym(month);
    es.iter()
        .rfind(|e| matches!(e.id().subject, flexpension_ledger::Subject::Close { month, .. } if month == m) && !e.id().reversal)
        .and_then(|e| e.due())
        .copied()
}

/// The subsidy of a worker-month's live close.
async fn subsidy(ctx: &Ctx, w: &Worker, month: &str) -> i64 {
    due_of(ctx, w, month).await.map_or(0, |d| d.subsidy_fen)
}

pub mod cases {
    use super::*;

    pub async fn appropriations_and_refusals(ctx: Ctx) {
        let _f = fixture(&ctx.store, 2).await;
        let s = &ctx.store;
        assert_eq!(s.fund_cities("zj").await.expect("cities"), vec!["g1".to_string(), "g2".to_string()]);
        assert_eq!(s.fund_years("zj").await.expect("years"), Vec::<i32>::new());
        let a = s.fund_appropriate("zj", 2025, Some("g1"), 100_000).await.expect("appropriate");
        assert_eq!(a.cities, vec![("g1".to_string(), 100_000)]);
        let a = s.fund_appropriate("zj", 2025, None, 100_001).await.expect("split");
        assert_eq!(a.cities, vec![("g1".to_string(), 50_001), ("g2".to_string(), 50_000)]);
        s.fund_appropriate("zj", 2027, Some("g2"), 1).await.expect("a later year");
        assert_eq!(s.fund_years("zj").await.expect("years"), vec![2025, 2027], "each year once, oldest first");
        assert_eq!(s.fund_years("xx").await.expect("years"), Vec::<i32>::new());
        let before = s.fund_report("zj", Some(2025)).await.expect("report");
        assert_eq!(before.appropriated_fen, 200_001);
        assert_eq!(before.balance_fen, 200_001);
        for (city, year, amount, field) in [
            (Some("zz"), 2025, 1, "city"),
            (Some("g1"), 2025, 0, "amount"),
            (Some("g1"), 2025, -5, "amount"),
            (Some("g1"), 2025, flexpension_rules::money::MAX_FEN + 1, "amount"),
            (Some("g1"), 1990, 1, "year"),
        ] {
            match s.fund_appropriate("zj", year, city, amount).await {
                Err(StoreError::Invalid { field: f, reason }) => assert_eq!(f, field, "{reason}"),
                other => panic!("{city:?} {year} {amount}: {other:?}"),
            }
        }
        assert!(matches!(s.fund_appropriate("xx", 2025, None, 1).await, Err(StoreError::NotFound { .. })));
        assert_eq!(s.fund_report("zj", Some(2025)).await.expect("report"), before, "nothing written by a refusal");
        balanced(&ctx).await;
    }

    /// No appropriation for the year: the close is as before the fund (the subsidy in full).
    pub async fn unbudgeted_year_closes_as_before(ctx: Ctx) {
        let f = setup(&ctx, 2).await;
        ctx.store.close_month(&paper(), ym("2025-09"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        assert!(subsidy(&ctx, &f.workers[0].1, "2025-09").await > 0);
        assert_eq!(ctx.store.fund_report("zj", None).await.expect("report").months, vec![]);
    }

    pub async fn queue_grants_only_money_and_releases_later(ctx: Ctx) {
        let f = setup(&ctx, 6).await;
        let s = &ctx.store;
        // g1 (workers 0, 2, 4) gets 300 yuan; g2 (workers 1, 3, 5) gets nothing but a token.
        s.fund_appropriate("zj", 2025, Some("g1"), 30_000).await.expect("g1");
        s.fund_appropriate("zj", 2025, Some("g2"), 1).await.expect("g2");
        let opts = CloseOptions::new(ym("2025-12"));
        s.close_month(&paper(), ym("2025-09"), &opts).await.expect("close");
        balanced(&ctx).await;
        let r = s.fund_report("zj", Some(2025)).await.expect("report");
        assert_eq!(r.paid_fen, 0, "nothing is paid before the worker pays");
        assert!(r.committed_fen <= 30_001 && r.queued_fen > 0, "{r:#?}");
        assert_eq!(r.cities["g2"].committed_fen, 1);
        // A worker of g2 owes nearly the whole contribution; the grant says why.
        let g = s.worker_fund_grants(f.workers[1].1.id.0).await.expect("grants");
        assert_eq!((g[0].granted_fen, g[0].policy.as_str()), (1, "queue"));
        assert_eq!(subsidy(&ctx, &f.workers[1].1, "2025-09").await, 1);
        let why = flexpension_rules::fund::explain_grant(
            &flexpension_rules::fund::Grant { requested_fen: g[0].requested_fen, granted_fen: 1, queued_fen: g[0].queued_fen },
            Shortfall::Queue,
            "g2",
            &[],
        );
        assert!(why.steps.iter().any(|t| t.en.contains("waits for the province's next appropriation")), "{why:?}");

        // Paying the month in full draws the grant: committed becomes paid, the balance stays.
        let w = &f.workers[0].1;
        let st = s.worker_statement(w.id, 3).await.expect("statement");
        let owed = st.arrears_fen;
        s.pay(&Payment { worker: w.id, payer: Payer::SelfPaid, reference: 1, amount_fen: owed, period: ym("2025-12") }).await.expect("pay");
        let r2 = s.fund_report("zj", Some(2025)).await.expect("report");
        assert!(r2.paid_fen > 0);
        assert_eq!(r2.balance_fen, r.balance_fen);
        assert_eq!(r2.paid_fen + r2.committed_fen, r.paid_fen + r.committed_fen);
        balanced(&ctx).await;

        // The next appropriation grants the queue, oldest month first.
        s.fund_appropriate("zj", 2025, Some("g2"), 1_000_000).await.expect("more");
        let (months, released) = s.fund_release_queue(&paper(), 2025, ym("2025-12")).await.expect("release");
        assert!(months >= 3 && released > 0, "{months} {released}");
        let r3 = s.fund_report("zj", Some(2025)).await.expect("report");
        assert_eq!(r3.cities["g2"].queued_fen, 0, "{r3:#?}");
        assert!(subsidy(&ctx, &f.workers[1].1, "2025-09").await > 1);
        balanced(&ctx).await;
        // Releasing again changes nothing.
        assert_eq!(s.fund_release_queue(&paper(), 2025, ym("2025-12")).await.expect("again"), (0, 0));
    }

    pub async fn prorate_cuts_everyone_alike(ctx: Ctx) {
        let f = setup(&ctx, 4).await;
        let s = &ctx.store;
        s.fund_appropriate("zj", 2025, None, 20_000).await.expect("appropriate");
        let sc = PRORATE.scenario("zj", Some("paper"), None).expect("paper");
        s.close_month(&sc, ym("2025-09"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        balanced(&ctx).await;
        let r = s.fund_report("zj", Some(2025)).await.expect("report");
        assert_eq!(r.queued_fen, 0);
        for (_, w) in &f.workers {
            let g = s.worker_fund_grants(w.id.0).await.expect("grants");
            assert_eq!(g[0].policy, "prorate");
            assert!(g[0].granted_fen < g[0].requested_fen, "{g:?}");
        }
        // Shares within a city are alike (to the fen): g1 holds workers 0 and 2.
        let a = s.worker_fund_grants(f.workers[0].1.id.0).await.expect("a")[0].clone();
        let b = s.worker_fund_grants(f.workers[2].1.id.0).await.expect("b")[0].clone();
        let ra = a.granted_fen as f64 / a.requested_fen as f64;
        let rb = b.granted_fen as f64 / b.requested_fen as f64;
        assert!((ra - rb).abs() < 0.01, "{a:?} {b:?}");
    }

    /// Closes of three months, payments and appropriations at once: the fund is never
    /// overspent and its books agree with the grants.
    pub async fn race(ctx: Ctx) {
        let f = setup(&ctx, 8).await;
        let s = ctx.store.clone();
        s.fund_appropriate("zj", 2025, None, 40_000).await.expect("appropriate");
        let mut tasks = Vec::new();
        // Months close in order: one task closes them one after another.
        let closer = s.clone();
        tasks.push(tokio::spawn(async move {
            for m in MONTHS {
                closer.close_month(&paper(), ym(m), &CloseOptions::new(ym("2025-12"))).await?;
            }
            Ok(())
        }));
        // Appropriations each followed by granting the queue (a reclose of queued months).
        for i in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.fund_appropriate("zj", 2025, None, 5_000 + i).await?;
                s.fund_release_queue(&paper(), 2025, ym("2025-12")).await.map(drop)
            }));
        }
        for (i, (_, w)) in f.workers.iter().enumerate() {
            let (s, w) = (s.clone(), w.id);
            tasks.push(tokio::spawn(async move {
                s.pay(&Payment { worker: w, payer: Payer::SelfPaid, reference: i as i64 + 1, amount_fen: 200_000, period: ym("2025-12") })
                    .await
                    .map(drop)
            }));
        }
        for t in tasks {
            t.await.expect("task").expect("operation");
        }
        balanced(&ctx).await;
        let r = s.fund_report("zj", Some(2025)).await.expect("report");
        assert_eq!(r.appropriated_fen, 40_000 + 4 * 5_000 + 6);
        assert!(r.paid_fen + r.committed_fen <= r.appropriated_fen);
        assert!(r.queued_fen > 0, "the fund was meant to run short: {r:#?}");
    }

    /// A month closed under a collective contract: the platform's share is in its bill and not
    /// in the worker's due; paying the bill clears it; a replayed payment changes nothing.
    pub async fn contract_share_billed_and_paid(ctx: Ctx) {
        let f = setup(&ctx, 4).await;
        let s = &ctx.store;
        let nc = NewContract {
            platform: f.a.id,
            union_name: "浙江省新就业形态劳动者工会联合会".into(),
            share_bp: 3000,
            from: ym("2025-09"),
            to: None,
            min_base_fen: None,
            supplementary: None,
        };
        let c = s.file_contract(&nc).await.expect("file");
        assert_eq!(c.state, "filed");
        // Not applied before approval: the overlap check counts filed ones too.
        match s.file_contract(&NewContract { from: ym("2025-11"), ..nc.clone() }).await {
            Err(StoreError::Invalid { field: "from", .. }) => {}
            other => panic!("overlap: {other:?}"),
        }
        for bad in [NewContract { share_bp: 10_001, ..nc.clone() }, NewContract { union_name: " ".into(), ..nc.clone() }] {
            assert!(matches!(s.file_contract(&bad).await, Err(StoreError::Invalid { .. })));
        }
        let long = NewContract { platform: f.b.id, supplementary: Some("险".repeat(MAX_SUPPLEMENTARY + 1)), ..nc.clone() };
        assert!(matches!(s.file_contract(&long).await, Err(StoreError::Invalid { field: "supplementary", .. })));
        assert_eq!(s.platform_contracts(f.a.id).await.expect("list").len(), 1, "nothing written by a refusal");
        // B's filing waits too; the agency's list has the waiting ones first, oldest first.
        let cb =
            s.file_contract(&NewContract { platform: f.b.id, supplementary: Some(" 意外伤害险 ".into()), ..nc.clone() }).await.expect("b");
        assert_eq!(cb.supplementary.as_deref(), Some("意外伤害险"));
        s.decide_contract(c.id, true, None).await.expect("approve");
        let all = s.contracts().await.expect("all");
        assert_eq!(all.iter().map(|c| (c.id, c.state.as_str())).collect::<Vec<_>>(), [(cb.id, "filed"), (c.id, "approved")]);
        assert!(all[1].decided_at_us.is_some_and(|d| d >= all[1].filed_at_us) && all[0].decided_at_us.is_none(), "{all:?}");
        s.decide_contract(cb.id, false, None).await.expect("withdraw b's");
        s.close_month(&paper(), ym("2025-09"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        assert_eq!(s.trial_balance().await.expect("trial"), 0);
        let bill = s.platform_bill(f.a.id, ym("2025-09")).await.expect("bill");
        assert!(bill.contract_share_fen > 0 && bill.injury_premium_fen > 0, "{bill:?}");
        assert_eq!(bill.active_workers, 4);
        assert_eq!(bill.union_dues_fen, 4 * 200);
        assert_eq!(bill.total_fen, bill.contract_share_fen + bill.injury_premium_fen + bill.union_dues_fen);
        assert_eq!(bill.union_payee.as_deref(), Some("浙江省新就业形态劳动者工会联合会"));
        // The worker owes the contribution less the subsidy and less the platform's share.
        let w = &f.workers[0].1;
        let es = s.worker_entries(w.id).await.expect("entries");
        let due = es.iter().find_map(|e| e.due().copied()).expect("close");
        let st = s.worker_statement(w.id, 3).await.expect("statement");
        let share = (due.contribution_fen * 3000 + 5000) / 10_000;
        assert_eq!(st.arrears_fen, due.net_fen - share, "{due:?}");
        // Over what the platform owes (this bill and the injury premiums of later months):
        // refused, nothing written.
        let owed = s.platform_outstanding(f.a.id).await.expect("owed");
        assert!(owed >= bill.total_fen);
        match s.platform_pay(f.a.id, owed + 1, "R1").await {
            Err(StoreError::Invalid { field: "amount", .. }) => {}
            other => panic!("over the bill: {other:?}"),
        }
        assert_eq!(s.platform_outstanding(f.a.id).await.expect("o"), owed);
        let r = s.platform_pay(f.a.id, bill.total_fen, "R1").await.expect("pay");
        assert!(!r.duplicate && r.outstanding_fen == owed - bill.total_fen, "{r:?}");
        let paid = s.platform_bill(f.a.id, ym("2025-09")).await.expect("bill");
        assert_eq!((paid.paid_fen, paid.outstanding_fen), (bill.total_fen, 0));
        let again = s.platform_pay(f.a.id, bill.total_fen, "R1").await.expect("replay");
        assert!(again.duplicate);
        assert_eq!(s.platform_bill(f.a.id, ym("2025-09")).await.expect("bill"), paid);
        assert!(matches!(s.platform_pay(f.a.id, 5, "R1").await, Err(StoreError::Exists { .. })));
        assert_eq!(s.platform_contributions_paid(f.a.id, 2025).await.expect("tax"), bill.contract_share_fen);
        // Withdrawn: the next close books no share.
        s.decide_contract(c.id, false, None).await.expect("withdraw");
        s.close_month(&paper(), ym("2025-10"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        let oct = s.platform_bill(f.a.id, ym("2025-10")).await.expect("bill");
        assert_eq!((oct.contract_share_fen, oct.union_dues_fen), (0, 0));
        assert_eq!(s.trial_balance().await.expect("trial"), 0);
    }

    /// A contract's minimum base: its active workers are billed on it (a higher chosen base
    /// stands, in a budgeted year too), and the platform pays what the raise adds besides its
    /// share of the contribution at the worker's own base: the worker pays no more than without
    /// the contract. Who decided is recorded.
    pub async fn contract_min_base(ctx: Ctx, clock: Arc<FixedClock>) {
        use flexpension_rules::contribution::compute;
        let f = setup(&ctx, 3).await;
        let s = &ctx.store;
        let (w0, w1) = (&f.workers[0].1, &f.workers[1].1);
        s.choose_base(&paper(), w1.id, ym("2025-10"), 800_000).await.expect("w1 chooses 8000 yuan");
        clock.set(at_us("2026-01-05T12:00:00+08:00"));
        s.fund_appropriate("zj", 2025, None, 100_000_000).await.expect("a budgeted year");
        let nc = NewContract {
            platform: f.a.id,
            union_name: "浙江省总工会".into(),
            share_bp: 1000,
            from: ym("2025-10"),
            to: None,
            min_base_fen: Some(600_000),
            supplementary: None,
        };
        let c = s.file_contract(&nc).await.expect("file");
        let c = s.decide_contract(c.id, true, Some(7)).await.expect("approve");
        assert_eq!((c.state.as_str(), c.decided_by), ("approved", Some(7)));
        for m in ["2025-09", "2025-10"] {
            s.close_month(&paper(), ym(m), &CloseOptions::new(ym("2025-12"))).await.expect("close");
            balanced(&ctx).await;
        }
        let (rules, _) = paper().month_rules(ym("2025-10")).expect("rules");
        let before = due_of(&ctx, w0, "2025-09").await.expect("september");
        assert_eq!(before.base_fen, rules.base_lower_fen, "no contract in September: the lower limit");
        let d0 = due_of(&ctx, w0, "2025-10").await.expect("w0");
        assert_eq!(d0.base_fen, 600_000, "raised to the contract's minimum");
        assert_eq!(due_of(&ctx, w1, "2025-10").await.expect("w1").base_fen, 800_000, "a higher chosen base stands");
        let own = compute(&rules, d0.income_fen, None);
        let raised = compute(&rules, d0.income_fen, Some(600_000));
        assert_eq!((d0.contribution_fen, d0.subsidy_fen), (raised.contribution_fen, raised.subsidy_fen), "the fund granted it all");
        let topup = raised.net_fen - own.net_fen;
        let share = (own.contribution_fen * 1000 + 5000) / 10_000;
        assert!(topup > 0 && share > 0, "{own:?} {raised:?}");
        let st = s.worker_statement(w0.id, 3).await.expect("statement");
        let oct = st.months.iter().find(|m| m.month == ym("2025-10")).expect("october");
        assert_eq!(oct.platform_fen, share + topup);
        assert_eq!(
            oct.net_fen - oct.platform_fen,
            own.net_fen - share,
            "the worker pays what they would without the minimum, less the share"
        );
        let shares = s.worker_contract_shares(w0.id.0).await.expect("shares");
        assert_eq!(shares.iter().map(|x| (x.amount_fen, x.topup_fen)).collect::<Vec<_>>(), [(share + topup, topup)]);
        let bill = s.platform_bill(f.a.id, ym("2025-10")).await.expect("bill");
        assert_eq!(bill.contract_workers, 3, "{bill:?}");
        assert!(bill.min_base_topup_fen >= topup && bill.min_base_topup_fen < bill.contract_share_fen, "{bill:?}");
        // Closing again changes nothing.
        let again = CloseOptions { reopen: true, ..CloseOptions::new(ym("2025-12")) };
        s.close_month(&paper(), ym("2025-10"), &again).await.expect("reclose");
        assert_eq!(s.platform_bill(f.a.id, ym("2025-10")).await.expect("bill"), bill);
        assert_eq!(due_of(&ctx, w0, "2025-10").await.expect("w0").base_fen, 600_000);
        balanced(&ctx).await;
    }

    /// A platform's bill is in arrears only after its due day (the 15th of the next month), by
    /// the days since; paying it clears the arrears; every platform is listed, the longest first.
    pub async fn arrears_after_the_due_day(ctx: Ctx) {
        let f = setup(&ctx, 4).await;
        let s = &ctx.store;
        let day = |d: &str| d.parse::<chrono::NaiveDate>().expect("day");
        let arrears = |today: &str, p: Option<PlatformId>| {
            let today = day(today);
            async move { s.platform_arrears(&PARAMS, "zj", p, today).await.expect("arrears") }
        };
        let unpaid = s.platform_unpaid_months(Some(f.a.id)).await.expect("unpaid");
        assert!(!unpaid.is_empty() && unpaid.iter().all(|u| u.0 == f.a.id.0 && u.2 > 0), "{unpaid:?}");
        let (first, owed) = (unpaid[0].1, unpaid[0].2);
        let bill = s.platform_bill(f.a.id, first).await.expect("bill");
        assert_eq!(bill.outstanding_fen, owed);
        let due = PARAMS.platform_bill_due("zj", first).expect("due").0;
        let before = due.pred_opt().expect("day before").to_string();
        assert!(arrears(&before, Some(f.a.id)).await.is_empty(), "not overdue before the due day");
        assert!(arrears(&due.to_string(), Some(f.a.id)).await.is_empty(), "nor on it");
        let after = due.succ_opt().expect("day after").to_string();
        let a = arrears(&after, Some(f.a.id)).await;
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].platform, a[0].months[0].month, a[0].months[0].days_overdue, a[0].months[0].outstanding_fen),
            (f.a.id.0, first, 1, owed)
        );
        assert_eq!(a[0].arrears_fen, owed, "only the first month is overdue the day after its due day");
        assert_eq!(a[0].uses[0].key, "platform_bill_due_day");
        // Both platforms (B's premiums too), the longest overdue first.
        let late = (due + chrono::Days::new(400)).to_string();
        let all = arrears(&late, None).await;
        assert!(all.iter().any(|x| x.platform == f.a.id.0), "{all:?}");
        assert!(all.windows(2).all(|w| w[0].longest_days() >= w[1].longest_days()));
        // Paid: cleared at once, nothing stored to undo.
        let total: i64 = s.platform_unpaid_months(Some(f.a.id)).await.expect("unpaid").iter().map(|u| u.2).sum();
        assert_eq!(total, s.platform_outstanding(f.a.id).await.expect("outstanding"));
        s.platform_pay(f.a.id, owed, "ARREARS-1").await.expect("pay the first month");
        assert!(arrears(&after, Some(f.a.id)).await.is_empty(), "the first month paid");
        s.platform_pay(f.a.id, total - owed, "ARREARS-2").await.expect("pay the rest");
        assert!(arrears(&late, Some(f.a.id)).await.is_empty() && s.platform_unpaid_months(Some(f.a.id)).await.expect("u").is_empty());
    }
}

// Each case on each backend.
mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appropriations_and_refusals() {
        run(Kind::Sqlite, cases::appropriations_and_refusals).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unbudgeted_year_closes_as_before() {
        run(Kind::Sqlite, cases::unbudgeted_year_closes_as_before).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queue_grants_only_money_and_releases_later() {
        run(Kind::Sqlite, cases::queue_grants_only_money_and_releases_later).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn prorate_cuts_everyone_alike() {
        run(Kind::Sqlite, cases::prorate_cuts_everyone_alike).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn race() {
        run(Kind::Sqlite, cases::race).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn contract_share_billed_and_paid() {
        run(Kind::Sqlite, cases::contract_share_billed_and_paid).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn contract_min_base() {
        let clock = Arc::new(FixedClock::new(at_us("2025-09-15T12:00:00+08:00")));
        let opts = OpenOptions { clock: clock.clone(), ..OpenOptions::default() };
        run_with(Kind::Sqlite, opts, |ctx| cases::contract_min_base(ctx, clock)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn arrears_after_the_due_day() {
        run(Kind::Sqlite, cases::arrears_after_the_due_day).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appropriations_and_refusals() {
        run(Kind::Postgres, cases::appropriations_and_refusals).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unbudgeted_year_closes_as_before() {
        run(Kind::Postgres, cases::unbudgeted_year_closes_as_before).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queue_grants_only_money_and_releases_later() {
        run(Kind::Postgres, cases::queue_grants_only_money_and_releases_later).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn prorate_cuts_everyone_alike() {
        run(Kind::Postgres, cases::prorate_cuts_everyone_alike).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn race() {
        run(Kind::Postgres, cases::race).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn contract_share_billed_and_paid() {
        run(Kind::Postgres, cases::contract_share_billed_and_paid).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn contract_min_base() {
        let clock = Arc::new(FixedClock::new(at_us("2025-09-15T12:00:00+08:00")));
        let opts = OpenOptions { clock: clock.clone(), ..OpenOptions::default() };
        run_with(Kind::Postgres, opts, |ctx| cases::contract_min_base(ctx, clock)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn arrears_after_the_due_day() {
        run(Kind::Postgres, cases::arrears_after_the_due_day).await;
    }
}

/// One step of the property test.
#[derive(Debug, Clone)]
enum Op {
    Appropriate(bool, i64),
    /// Close the next month not closed yet.
    Close,
    Pay(usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<bool>(), 1i64..60_000).prop_map(|(g1, a)| Op::Appropriate(g1, a)),
        Just(Op::Close),
        (0usize..4, 1i64..300_000).prop_map(|(w, a)| Op::Pay(w, a)),
    ]
}

async fn check(kind: Kind, ops: Vec<Op>, prorate: bool) {
    let Some(ctx) = Ctx::new(kind).await else { return };
    let f = setup(&ctx, 4).await;
    let params: &Params = if prorate { &PRORATE } else { &PARAMS };
    let sc = params.scenario("zj", Some("paper"), None).expect("paper");
    ctx.store.fund_appropriate("zj", 2025, Some("g1"), 1).await.expect("budget the year");
    let mut next = 0;
    for (i, o) in ops.into_iter().enumerate() {
        match o {
            Op::Appropriate(g1, a) => {
                ctx.store.fund_appropriate("zj", 2025, Some(if g1 { "g1" } else { "g2" }), a).await.expect("appropriate");
                ctx.store.fund_release_queue(&sc, 2025, ym("2025-12")).await.expect("release");
            }
            Op::Close if next < MONTHS.len() => {
                ctx.store.close_month(&sc, ym(MONTHS[next]), &CloseOptions::new(ym("2025-12"))).await.expect("close");
                next += 1;
            }
            Op::Close => {}
            Op::Pay(w, a) => {
                let p = Payment {
                    worker: f.workers[w].1.id,
                    payer: Payer::SelfPaid,
                    reference: i as i64,
                    amount_fen: a,
                    period: ym("2025-12"),
                };
                ctx.store.pay(&p).await.expect("pay");
            }
        }
        balanced(&ctx).await;
    }
    ctx.cleanup().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn never_overspent_sqlite(ops in prop::collection::vec(op(), 1..10), prorate in any::<bool>()) {
        runtime().block_on(check(Kind::Sqlite, ops, prorate));
    }

    #[test]
    fn never_overspent_postgres(ops in prop::collection::vec(op(), 1..10), prorate in any::<bool>()) {
        runtime().block_on(check(Kind::Postgres, ops, prorate));
    }
}
