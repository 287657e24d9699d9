//! Risk monitoring on both backends: a small population where each worker shows one known risk
//! (or none), counted by hand; a rerun changes nothing; enrolling closes the uninsured alert.

mod common;

use common::ledger::*;
use common::*;
use flexpension_ledger::{Payer, Payment, WorkerId};
use flexpension_rules::Params;
use flexpension_rules::monitor::Risk;
use flexpension_store::*;

/// Platform income of the enrolled workers 0-3 in September, October and November.
fn yuan(i: usize, k: usize) -> usize {
    match (i, k) {
        (3, 2) => 500,
        (3, _) => 5000,
        _ => 3000,
    }
}

/// Pay the `months` oldest closed months of `w` in full.
async fn pay_months(s: &Store, w: WorkerId, months: usize, reference: i64) {
    let st = s.worker_statement(w, 12).await.expect("statement");
    let mut due: Vec<_> = st.months.iter().map(|m| (m.month, m.due_fen)).collect();
    due.sort();
    let amount_fen = due.iter().take(months).map(|(_, d)| d).sum();
    let p = Payment { worker: w, payer: Payer::SelfPaid, reference, amount_fen, period: ym("2025-12") };
    s.pay(&p).await.expect("pay");
}

/// Pay the `months` oldest months of `w` still not paid in full.
async fn pay_rest(s: &Store, w: WorkerId, months: usize, reference: i64) {
    let st = s.worker_statement(w, 12).await.expect("statement");
    let mut due: Vec<_> = st.months.iter().filter(|m| m.due_fen > 0).map(|m| (m.month, m.due_fen)).collect();
    due.sort();
    let amount_fen = due.iter().take(months).map(|(_, d)| d).sum();
    if amount_fen > 0 {
        let p = Payment { worker: w, payer: Payer::SelfPaid, reference, amount_fen, period: ym("2025-12") };
        s.pay(&p).await.expect("pay");
    }
}

pub mod cases {
    use super::*;

    pub async fn each_risk_found_once_and_closed_when_gone(ctx: Ctx) {
        let s = &ctx.store;
        let p = Params::embedded().expect("params");
        let f = fixture(s, 7).await;
        enrol_with_income(s, &f, 4, yuan, usize::MAX).await;
        // Workers 4 and 5 earn without enrolling: 4 in three months, 5 in two.
        let (i4, i5) = (&f.workers[4].0, &f.workers[5].0);
        let rows = [
            ["u1", i4.as_str(), "1200", "2025-09-05T10:00:00+08:00", "ride_hailing", "g1"],
            ["u2", i4.as_str(), "1000", "2025-10-05T10:00:00+08:00", "ride_hailing", "g1"],
            ["u3", i4.as_str(), "1800", "2025-11-05T10:00:00+08:00", "ride_hailing", "g1"],
            ["u4", i5.as_str(), "1200", "2025-10-05T10:00:00+08:00", "ride_hailing", "g2"],
            ["u5", i5.as_str(), "1200", "2025-11-05T10:00:00+08:00", "ride_hailing", "g2"],
        ];
        let r = s
            .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&rows)), Format::Csv, &IngestOptions::request(now(), None))
            .await
            .expect("ingest");
        assert_eq!(r.accepted, 5, "{r:#?}");
        // A man born in June 1968 retires in 2029, far short of the minimum years.
        let old = s
            .add_worker(&NewWorker {
                id_number: flexpension_testkit::resident_id("330106", "19680615", flexpension_testkit::sequence(0, true)),
                name: "老张".into(),
                phone: "13900000001".into(),
                hukou_region: "zj".into(),
                home_grid: "g2".into(),
            })
            .await
            .expect("old worker");
        for m in MONTHS {
            s.close_month(&zj(), ym(m), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        }
        // Worker 0 and 3 pay everything, 2 pays September only, 1 pays nothing.
        pay_months(s, f.workers[0].1.id, 3, 1).await;
        pay_months(s, f.workers[3].1.id, 3, 2).await;
        pay_months(s, f.workers[2].1.id, 1, 3).await;

        let nov = ym("2025-11");
        let r = s.monitor_run(&p, "zj", nov).await.expect("run");
        let want = (1, 1, 1, 1, 1);
        assert_eq!((r.uninsured, r.lapsed, r.at_risk, r.interrupted, r.short_of_years), want, "{r:#?}");
        assert_eq!((r.workers, r.opened, r.closed), (8, 5, 0));
        let alerts = s.open_alerts(None).await.expect("alerts");
        let by: Vec<(i64, Risk)> = alerts.iter().map(|a| (a.worker.0, a.risk)).collect();
        let id = |i: usize| f.workers[i].1.id.0;
        let mut expected = vec![
            (id(1), Risk::Lapsed),
            (id(2), Risk::AtRisk),
            (id(3), Risk::Interrupted),
            (id(4), Risk::Uninsured),
            (old.id.0, Risk::ShortOfYears),
        ];
        expected.sort();
        let mut got = by.clone();
        got.sort();
        assert_eq!(got, expected);
        let a4 = alerts.iter().find(|a| a.risk == Risk::Uninsured).expect("uninsured alert");
        assert!(a4.why_en.contains("3 of the last 6 months") && a4.why_zh.contains("1000"), "{a4:?}");
        assert_eq!((a4.opened.as_str(), a4.seen.as_str()), ("2025-11", "2025-11"));
        let g2_id = ctx.scalar("SELECT id FROM grids WHERE code = 'g2'").await;
        let g2 = s.open_alerts(Some(g2_id)).await.expect("grid alerts");
        assert!(!g2.is_empty() && g2.len() < alerts.len());
        assert!(g2.iter().all(|a| a.grid_id == g2_id) && g2.iter().any(|a| a.worker == old.id));

        // The same month again: the same alerts, nothing opened or closed.
        let again = s.monitor_run(&p, "zj", nov).await.expect("rerun");
        assert_eq!(again, r.clone().with_changes(0, 0));
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM alerts").await, 5);

        // Worker 4 enrols: the uninsured alert closes, the others stay.
        let e =
            NewEnrolment { worker: f.workers[4].1.id, scheme: Scheme::EmployeePension, from: nov, to: None, basis: Basis::PlatformIncome };
        s.enrol(&e).await.expect("enrol");
        assert_eq!(s.open_alerts(None).await.expect("alerts").len(), 4, "the enrolment closes the alert itself");
        let after = s.monitor_run(&p, "zj", nov).await.expect("after enrolment");
        assert_eq!((after.uninsured, after.lapsed, after.opened, after.closed), (0, 1, 0, 0), "{after:#?}");
        assert_eq!(s.open_alerts(None).await.expect("alerts").len(), 4);
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM alerts WHERE closed_month = 202511").await, 1);
        assert_eq!(ctx.scalar("SELECT CAST(seen_month AS BIGINT) FROM alerts WHERE closed_month IS NOT NULL").await, 202511);

        // A later month's run that stopped after the range of worker 2: what it reached was
        // seen then, the rest in the month before; an enrolment closes in the month it was seen.
        let w2 = f.workers[2].1.id.0;
        ctx.sql(&format!("INSERT INTO monitor_runs (month, done_through) VALUES (202512, {w2})")).await;
        let seen: Vec<(i64, String)> = s.open_alerts(None).await.expect("alerts").iter().map(|a| (a.worker.0, a.seen.clone())).collect();
        assert!(seen.iter().all(|(w, m)| m == if *w <= w2 { "2025-12" } else { "2025-11" }), "{seen:?}");
        assert!(seen.iter().any(|(w, _)| *w <= w2) && seen.iter().any(|(w, _)| *w > w2), "{seen:?}");
        let e = s.monitor_run(&p, "zj", nov).await.expect_err("a month before the latest run");
        assert!(e.to_string().contains("kept up to 2025-12"), "{e}");
    }

    /// A generated population showing every rule: the run's findings, alert by alert and word
    /// by word, are those of the straightforward evaluation of each worker on their own
    /// (`Store::monitor_worker`); a rerun changes nothing; after payments change some figures
    /// the run again agrees, having told the changed reasons again.
    pub async fn a_run_agrees_with_each_worker_evaluated_alone(ctx: Ctx) {
        let s = &ctx.store;
        let p = Params::embedded().expect("params");
        let f = fixture(s, 30).await;
        // Six older workers, born 1965-1970, men and women: some retire within the horizon.
        let mut people: Vec<(String, WorkerId)> = f.workers.iter().map(|(idn, w)| (idn.clone(), w.id)).collect();
        for k in 0..6u32 {
            let birth = format!("{}0{}15", 1965 + k, 1 + k);
            let idn = flexpension_testkit::resident_id("330106", &birth, flexpension_testkit::sequence(k, k % 2 == 0));
            let w = s
                .add_worker(&NewWorker {
                    id_number: idn.clone(),
                    name: format!("老{k}"),
                    phone: format!("1390000010{k}"),
                    hukou_region: "zj".into(),
                    home_grid: "g2".into(),
                })
                .await
                .expect("old worker");
            people.push((idn, w.id));
        }
        // Enrolled from September: two in three.
        let enrolled = |i: usize| !i.is_multiple_of(3);
        for (_, (_, w)) in people.iter().enumerate().filter(|(i, _)| enrolled(*i)) {
            let e =
                NewEnrolment { worker: *w, scheme: Scheme::EmployeePension, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
            s.enrol(&e).await.expect("enrol");
        }
        // Income from June to November, from a fixed mix of none, low, working and high months.
        let months = ["2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"];
        let yuan = |i: usize, k: usize| {
            let h = (i * 7 + k * 13 + i * k * 5) % 11;
            let y = [0, 500, 1000, 3000, 3000, 8000, 5000, 0, 2000, 4000, 6000][h];
            // Every fourth worker earns well, then stops in November: an interruption.
            if i % 4 == 1 { if k == 5 { 200 } else { 4000 } } else { y }
        };
        let mut rows: Vec<[String; 6]> = Vec::new();
        for (i, (idn, _)) in people.iter().enumerate() {
            for (k, m) in months.iter().enumerate() {
                let y = yuan(i, k);
                if y > 0 {
                    rows.push([
                        format!("g{i}-{k}"),
                        idn.clone(),
                        y.to_string(),
                        format!("{m}-10T10:00:00+08:00"),
                        "ride_hailing".into(),
                        "g1".into(),
                    ]);
                }
            }
        }
        let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
        let r = s
            .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &IngestOptions::request(now(), None))
            .await
            .expect("ingest");
        assert_eq!(r.rejected, 0, "{r:#?}");
        for m in MONTHS {
            s.close_month(&zj(), ym(m), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        }
        // The enrolled pay their oldest 0-3 closed months: lapsed, in arrears and up to date.
        for (i, (_, w)) in people.iter().enumerate().filter(|(i, _)| enrolled(*i)) {
            pay_rest(s, *w, i % 4, 100 + i as i64).await;
        }

        let nov = ym("2025-11");
        let agree = |what: &'static str| {
            let people = people.clone();
            let p = p.clone();
            async move {
                let alerts = s.open_alerts(None).await.expect("alerts");
                let mut counts = [0u64; 5];
                for (_, w) in &people {
                    let mut want: Vec<(Risk, String, String)> = s
                        .monitor_worker(&p, "zj", nov, *w)
                        .await
                        .expect("one worker")
                        .into_iter()
                        .map(|x| (x.risk, x.why.zh, x.why.en))
                        .collect();
                    let mut got: Vec<(Risk, String, String)> =
                        alerts.iter().filter(|a| a.worker == *w).map(|a| (a.risk, a.why_zh.clone(), a.why_en.clone())).collect();
                    want.sort();
                    got.sort();
                    assert_eq!(got, want, "{what}: worker {}", w.0);
                    for (r, _, _) in &want {
                        counts[Risk::ALL.iter().position(|x| x == r).expect("risk")] += 1;
                    }
                }
                assert_eq!(alerts.len() as u64, counts.iter().sum::<u64>(), "{what}: no alert of anyone else");
                counts
            }
        };
        let r = s.monitor_run(&p, "zj", nov).await.expect("run");
        let counts = agree("first run").await;
        assert_eq!([r.uninsured, r.lapsed, r.at_risk, r.interrupted, r.short_of_years], counts, "{r:#?}");
        assert!(counts.iter().all(|n| *n > 0), "every rule shows: {counts:?}");
        assert_eq!((r.workers, r.opened, r.closed), (36, counts.iter().sum(), 0));

        // The same month again: nothing opened, closed or rewritten.
        let before = s.open_alerts(None).await.expect("alerts");
        let total = ctx.scalar("SELECT COUNT(*) FROM alerts").await;
        let again = s.monitor_run(&p, "zj", nov).await.expect("rerun");
        assert_eq!(again, r.clone().with_changes(0, 0));
        assert_eq!(s.open_alerts(None).await.expect("alerts"), before);
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM alerts").await, total);

        // Payments change figures: worker 1 (two months unpaid) pays one (its reason told
        // again), worker 2 (one unpaid) pays it (closed), worker 4 (lapsed) pays one (the lapse
        // closed, an arrears alert opened). Reasons written before fingerprints (0) are told
        // again too.
        let mut by_unpaid: std::collections::BTreeMap<usize, WorkerId> = std::collections::BTreeMap::new();
        for (_, w) in &people {
            let n = s.worker_statement(*w, 12).await.expect("statement").months.iter().filter(|m| m.due_fen > 0).count();
            by_unpaid.entry(n).or_insert(*w);
        }
        let some = |n: usize| *by_unpaid.get(&n).unwrap_or_else(|| panic!("a worker with {n} months unpaid: {by_unpaid:?}"));
        ctx.sql("UPDATE alerts SET why_hash = 0, why_zh = 'old', why_en = 'old' WHERE risk = 'uninsured'").await;
        pay_rest(s, some(2), 1, 200).await;
        pay_rest(s, some(1), 1, 201).await;
        pay_rest(s, some(3), 1, 202).await;
        let after = s.monitor_run(&p, "zj", nov).await.expect("after payments");
        let counts = agree("after payments").await;
        assert_eq!([after.uninsured, after.lapsed, after.at_risk, after.interrupted, after.short_of_years], counts, "{after:#?}");
        assert!(after.opened > 0 && after.closed > 0, "{after:#?}");
        let again = s.monitor_run(&p, "zj", nov).await.expect("rerun after payments");
        assert_eq!(again, after.with_changes(0, 0));
        agree("rerun after payments").await;
    }

    pub async fn an_empty_store_and_bad_months(ctx: Ctx) {
        let p = Params::embedded().expect("params");
        let s = &ctx.store;
        let e = s.monitor_run(&p, "zj", ym("2025-11")).await.expect_err("no income stored");
        assert!(e.field() == Some("month") && e.to_string().contains("none is"), "{e}");
        let f = fixture(s, 1).await;
        enrol_with_income(s, &f, 1, |_, _| 2000, usize::MAX).await;
        let e = s.monitor_run(&p, "zz", ym("2025-11")).await.expect_err("unknown region");
        assert!(e.field() == Some("region") && e.to_string().contains("zz"), "{e}");
        let e = s.monitor_run(&p, "zj", ym("1990-01")).await.expect_err("before the rules");
        assert_eq!(e.field(), Some("month"), "{e}");
        let e = s.monitor_run(&p, "zj", ym("2025-12")).await.expect_err("after the income");
        assert!(e.to_string().contains("the latest is 2025-11"), "{e}");
        let r = s.monitor_run(&p, "zj", ym("2025-11")).await.expect("run");
        assert_eq!((r.workers, r.opened), (1, 0), "{r:#?}");
        // One alert kept (the worker has not paid), then an earlier month is refused.
        s.close_month(&zj(), ym("2025-09"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        let r = s.monitor_run(&p, "zj", ym("2025-11")).await.expect("run");
        assert_eq!((r.at_risk, r.opened), (1, 1), "{r:#?}");
        let e = s.monitor_run(&p, "zj", ym("2025-10")).await.expect_err("an earlier month");
        assert!(e.to_string().contains("kept up to 2025-11"), "{e}");
    }
}

trait WithChanges {
    fn with_changes(self, opened: u64, closed: u64) -> Self;
}

impl WithChanges for MonitorReport {
    fn with_changes(self, opened: u64, closed: u64) -> Self {
        MonitorReport { opened, closed, ..self }
    }
}

// Each case on each backend.
mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_risk_found_once_and_closed_when_gone() {
        run(Kind::Sqlite, cases::each_risk_found_once_and_closed_when_gone).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_empty_store_and_bad_months() {
        run(Kind::Sqlite, cases::an_empty_store_and_bad_months).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_run_agrees_with_each_worker_evaluated_alone() {
        run(Kind::Sqlite, cases::a_run_agrees_with_each_worker_evaluated_alone).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_risk_found_once_and_closed_when_gone() {
        run(Kind::Postgres, cases::each_risk_found_once_and_closed_when_gone).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_empty_store_and_bad_months() {
        run(Kind::Postgres, cases::an_empty_store_and_bad_months).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_run_agrees_with_each_worker_evaluated_alone() {
        run(Kind::Postgres, cases::a_run_agrees_with_each_worker_evaluated_alone).await;
    }
}
