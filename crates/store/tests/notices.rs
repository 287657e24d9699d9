//! Outreach notices on both backends: planned for the latest run's workers not enrolled (the
//! holdout recorded without a card), once per worker and day, the cap and the rush and quiet
//! hours holding across runs on random order histories; the worker's inbox; a platform's pull of
//! its own workers' notices only and its reports once per report id; the quiz and the arms.

mod common;

use chrono::{Duration, NaiveDateTime, Timelike};
use common::ledger::ym;
use common::*;
use flexpension_outreach::card::Library;
use flexpension_outreach::notice::NoticeRules;
use flexpension_outreach::plan::{self, Inputs, Plan, china_time, micros};
use flexpension_outreach::{Product, Settings};
use flexpension_store::*;
use flexpension_testkit::Rng;

fn rules() -> NoticeRules {
    let s = Settings::embedded(&PARAMS.sources).expect("settings");
    NoticeRules::new(&s.notices).expect("rules")
}

/// Times kept in microseconds as China time, those that convert.
fn china_times(us: &[i64]) -> Vec<NaiveDateTime> {
    us.iter().filter_map(|u| china_time(*u)).collect()
}

/// The scheduler's day as the server runs it, with the figures left simple: plan every input and
/// keep the plans. Gives the rows added.
async fn schedule(s: &Store, rules: &NoticeRules, lib: &Library, now: NaiveDateTime) -> usize {
    let since = micros(now - Duration::days(i64::from(rules.history_days)));
    let day = day_code(now.date());
    let inputs = s.notice_inputs(day, since, micros(now), 1000).await.expect("inputs");
    let figures =
        [("income", "3800".to_string()), ("pays", "359".to_string()), ("subsidy", "239".to_string()), ("months", "4".to_string())];
    let mut plans = Vec::new();
    for i in &inputs {
        let input = Inputs {
            worker_key: &format!("w{}", i.worker_id),
            experiment: "test",
            product: Product::from_code(&i.product).expect("product"),
            migrant: false,
            reasons: &i.reasons,
            kind: i.kind,
            seen: &i.seen,
            figures: &figures,
            // The stored times, as the planner reads them.
            orders: &china_times(&i.orders_us),
            sent: &china_times(&i.sent_us),
        };
        let (arm, card, due_at_us) = match plan::plan(rules, lib, now, &input) {
            Plan::Holdout => ("holdout", None, None),
            Plan::Notice { card, at } => ("treated", Some(card), Some(micros(at))),
            Plan::Nothing => ("treated", None, None),
        };
        let figures = if card.is_some() { plan::figures_text(&figures) } else { String::new() };
        plans.push(NewNotice { worker_id: i.worker_id, arm: arm.into(), card, figures, due_at_us });
    }
    s.plan_notices(day, &plans).await.expect("plan")
}

fn score(w: WorkerId, enrolled: bool) -> OutreachScore {
    OutreachScore {
        worker_id: w.0,
        p_ppm: 500_000 + w.0,
        product: "employee_pension".into(),
        base_fen: Some(498_600),
        reasons: "income_yuan+3800,age+35,migrant-0".into(),
        enrolled,
    }
}

async fn keep_scores(s: &Store, workers: &[(WorkerId, bool)]) {
    let run = OutreachRun { month: "2025-09".into(), model: "{}".into(), trained_on: "test".into(), auc_ppm: 700_000, workers: 0 };
    let scores: Vec<OutreachScore> = workers.iter().map(|(w, e)| score(*w, *e)).collect();
    s.outreach_keep(ym("2025-09"), &run, &scores).await.expect("keep");
}

fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2025, 9, day).and_then(|d| d.and_hms_opt(h, m, 0)).expect("time")
}

pub mod cases {
    use super::*;

    pub async fn notices_keep_the_rules_across_runs(ctx: Ctx) {
        let s = &ctx.store;
        let f = fixture(s, 12).await;
        let r = rules();
        let lib = Library::embedded().expect("cards");
        // Random orders over September on platform A, each worker one order type.
        let mut rng = Rng::new(20_250_901);
        let kinds = ["instant_delivery", "ride_hailing", "same_city_freight"];
        let mut rows: Vec<[String; 6]> = Vec::new();
        for (k, (id, _)) in f.workers.iter().enumerate() {
            let kind = kinds[k % 3];
            for n in 0..(20 + rng.below(60)) {
                let (d, h, m) = (1 + rng.below(28), rng.below(24), rng.below(60));
                rows.push([
                    format!("o{k}-{n}"),
                    id.clone(),
                    "25".into(),
                    format!("2025-09-{d:02}T{h:02}:{m:02}:00+08:00"),
                    kind.into(),
                    "g1".into(),
                ]);
            }
        }
        // Two of worker 0 at the turn of the month: 23:30 on August 31st China time (its month
        // is August), and 00:30 on September 1st (September, though still August 31st by UTC).
        for (n, t) in ["2025-08-31T23:30:00+08:00", "2025-09-01T00:30:00+08:00"].into_iter().enumerate() {
            rows.push([format!("edge-{n}"), f.workers[0].0.clone(), "25".into(), t.into(), kinds[0].into(), "g1".into()]);
        }
        let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
        let rep = s
            .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &IngestOptions::request(now(), None))
            .await
            .expect("ingest");
        assert_eq!(rep.accepted, rows.len() as u64, "{rep:#?}");
        // Worker 11 is enrolled: no notice at all.
        let all: Vec<(WorkerId, bool)> = f.workers.iter().enumerate().map(|(k, (_, w))| (w.id, k == 11)).collect();
        keep_scores(s, &all).await;

        // The inputs carry each target's orders settled in the window, and only those: a window
        // that opens at 23:00 on August 31st China time, one that closes 45 minutes into
        // September there (still August by UTC), and one in mid-September.
        let china = |t: &str| NaiveDateTime::parse_from_str(&t[..19], "%Y-%m-%dT%H:%M:%S").expect("time");
        let edge = china("2025-08-31T23:00:00");
        for (since, until) in [(edge, at(28, 23, 59)), (edge, at(1, 0, 45)), (at(5, 0, 0), at(20, 0, 0))] {
            let inputs = s.notice_inputs(day_code(at(1, 0, 0).date()), micros(since), micros(until), 1000).await.expect("inputs");
            assert_eq!(inputs.len(), 11);
            for i in &inputs {
                let id = &f.workers.iter().find(|(_, w)| w.id.0 == i.worker_id).expect("a worker").0;
                let want = rows.iter().filter(|r| &r[1] == id && (since..=until).contains(&china(&r[3]))).count();
                assert_eq!(i.orders_us.len(), want, "worker {} from {since} to {until}", i.worker_id);
            }
        }

        // Fourteen days of runs, each at a random minute of the morning.
        let mut first_added = None;
        for day in 10..24 {
            let now = at(day, 6 + rng.below(4) as u32, rng.below(60) as u32);
            let added = schedule(s, &r, &lib, now).await;
            first_added.get_or_insert(added);
            assert_eq!(schedule(s, &r, &lib, now).await, 0, "a rerun the same day adds nothing");
            assert_eq!(schedule(s, &r, &lib, now + Duration::hours(3)).await, 0, "nor later the same day");
        }
        assert_eq!(first_added, Some(11), "each of the 11 targets is planned (treated or held out) on the first day");

        let kind_of = |k: usize| match k % 3 {
            0 => flexpension_rules::injury::OrderType::InstantDelivery,
            1 => flexpension_rules::injury::OrderType::RideHailing,
            _ => flexpension_rules::injury::OrderType::SameCityFreight,
        };
        let mut treated = 0;
        for (k, (_, w)) in f.workers.iter().enumerate() {
            let mut due: Vec<NaiveDateTime> =
                s.worker_notices(w.id, i64::MAX).await.expect("notices").iter().filter_map(|n| n.due_at_us.and_then(china_time)).collect();
            if k == 11 {
                assert!(due.is_empty(), "the enrolled worker gets nothing");
                continue;
            }
            treated += usize::from(!due.is_empty());
            due.sort();
            for t in &due {
                let minute = t.hour() * 60 + t.minute();
                assert!(r.open(minute, Some(kind_of(k))), "worker {k}: {t} is in rush or quiet hours");
                let week = due.iter().filter(|s| **s > *t - Duration::days(7) && **s <= *t).count();
                assert!(week <= r.week_cap as usize, "worker {k}: {week} notices in the 7 days to {t}");
            }
            for pair in due.windows(2) {
                assert!(pair[1] - pair[0] >= r.min_gap, "worker {k}: {} and {} too close", pair[0], pair[1]);
            }
        }
        let arms = s.notice_arms().await.expect("arms");
        let count = |arm: &str| arms.iter().find(|a| a.arm == arm).map_or(0, |a| a.workers);
        assert_eq!(count("treated") + count("holdout"), 11, "{arms:?}");
        assert_eq!(count("treated") as usize, treated, "every treated worker got a notice in two weeks");
        assert!(count("holdout") >= 1, "the holdout is recorded: {arms:?}");
        let held = arms.iter().find(|a| a.arm == "holdout").expect("holdout");
        for n in s.notice_counts(i64::MAX).await.iter() {
            assert_eq!(n.holdout, held.workers * 14, "one holdout row per worker and day");
        }
    }

    pub async fn inbox_platform_reports_and_quiz(ctx: Ctx) {
        let s = &ctx.store;
        let f = fixture(s, 3).await;
        let (i0, i1) = (&f.workers[0].0, &f.workers[1].0);
        let (w0, w1, w2) = (f.workers[0].1.id, f.workers[1].1.id, f.workers[2].1.id);
        // Worker 0 earns on A, worker 1 on B.
        let opts = IngestOptions::request(now(), None);
        let a_rows = [["a1", i0.as_str(), "100", "2025-09-03T10:00:00+08:00", "instant_delivery", "g1"]];
        s.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&a_rows)), Format::Csv, &opts).await.expect("a");
        let b_rows = [["b1", i1.as_str(), "100", "2025-09-03T10:00:00+08:00", "instant_delivery", "g2"]];
        s.ingest_earnings(f.b.id, &zj(), std::io::Cursor::new(csv(&b_rows)), Format::Csv, &opts).await.expect("b");
        let past = now().timestamp_micros() - 3_600_000_000;
        let future = now().timestamp_micros() + 86_400_000_000;
        let treated = |w: WorkerId, due: i64| NewNotice {
            worker_id: w.0,
            arm: "treated".into(),
            card: Some("cheaper_now".into()),
            figures: "income=3800;pays=359;subsidy=239".into(),
            due_at_us: Some(due),
        };
        let plans = [
            treated(w0, past),
            treated(w1, past),
            NewNotice { worker_id: w2.0, arm: "holdout".into(), card: None, figures: String::new(), due_at_us: None },
        ];
        assert_eq!(s.plan_notices(20250920, &plans).await.expect("plan"), 3);
        assert_eq!(s.plan_notices(20250920, &plans).await.expect("again"), 0, "once per worker and day");
        assert_eq!(s.plan_notices(20250921, &[treated(w0, future)]).await.expect("tomorrow"), 1);
        let bad = NewNotice { due_at_us: None, ..treated(w0, past) };
        assert_eq!(s.plan_notices(20250922, &[treated(w1, past), bad]).await.unwrap_err().field(), Some("arm"));
        assert_eq!(s.worker_notices(w1, i64::MAX).await.expect("w1").len(), 1, "nothing of a refused plan is kept");

        // The inbox: only what is due, only the worker's own.
        let now_us = now().timestamp_micros();
        let mine = s.worker_notices(w0, now_us).await.expect("inbox");
        assert_eq!(mine.len(), 1, "tomorrow's is not due yet: {mine:?}");
        assert!(s.worker_notices(w2, now_us).await.expect("holdout").is_empty());
        let id0 = mine[0].id;
        assert!(s.mark_notice_read(w0, id0).await.expect("read"));
        assert!(!s.mark_notice_read(w0, id0).await.expect("read again"), "already read");
        assert!(matches!(s.mark_notice_read(w1, id0).await, Err(StoreError::NotFound { .. })), "not another worker's");
        assert!(s.worker_notices(w0, now_us).await.expect("inbox")[0].read_at_us.is_some());

        // A platform pulls its own workers' notices only.
        let a = s.platform_notices(f.a.id, now_us, 100).await.expect("a pulls");
        assert_eq!(a.iter().map(|n| n.id).collect::<Vec<_>>(), vec![id0]);
        assert!(a[0].id_masked.contains('*'));
        let b = s.platform_notices(f.b.id, now_us, 100).await.expect("b pulls");
        assert_eq!(b.len(), 1);
        let id1 = b[0].id;
        assert_ne!(id1, id0);
        assert!(
            matches!(s.notice_report(f.b.id, "r1", id0, NoticeEvent::Delivered, past).await, Err(StoreError::NotFound { .. })),
            "not A's worker"
        );
        // Reports once per report id: a replay changes nothing.
        assert!(s.notice_report(f.a.id, "r1", id0, NoticeEvent::Delivered, past).await.expect("delivered"));
        assert!(!s.notice_report(f.a.id, "r1", id0, NoticeEvent::Delivered, past + 5).await.expect("replay"));
        assert_eq!(s.notice_report(f.a.id, "r1", id0, NoticeEvent::Opened, past).await.unwrap_err().field(), Some("report_id"));
        assert!(s.notice_report(f.a.id, "r2", id0, NoticeEvent::Delivered, past + 9).await.expect("a second delivery report"));
        let n = &s.worker_notices(w0, now_us).await.expect("inbox")[0];
        assert_eq!(n.delivered_at_us, Some(past), "the first delivery stands");
        assert!(s.notice_report(f.a.id, "r3", id0, NoticeEvent::Opened, past + 10).await.expect("opened"));
        assert!(s.notice_report(f.a.id, "r4", id0, NoticeEvent::Acted, past + 20).await.expect("acted"));
        assert_eq!(s.notice_report(f.a.id, "r5", id0, NoticeEvent::Acted, 4_102_444_800_000_000).await.unwrap_err().field(), Some("at"));
        assert_eq!(s.notice_report(f.a.id, "", id0, NoticeEvent::Acted, past).await.unwrap_err().field(), Some("report_id"));
        // A batch is kept whole or not at all.
        let batch = [
            NoticeReport { report_id: "b1".into(), notice: id1, event: NoticeEvent::Delivered, at_us: past },
            NoticeReport { report_id: "b2".into(), notice: id0, event: NoticeEvent::Delivered, at_us: past },
        ];
        assert!(matches!(s.notice_reports(f.b.id, &batch).await, Err(StoreError::NotFound { .. })));
        assert_eq!(s.platform_notices(f.b.id, now_us, 100).await.expect("b again").len(), 1, "nothing of the refused batch is kept");
        assert_eq!(s.notice_reports(f.b.id, &batch[..1]).await.expect("b alone"), vec![true]);
        assert_eq!(s.notice_reports(f.b.id, &batch[..1]).await.expect("b replayed"), vec![false]);
        assert!(s.platform_notices(f.a.id, now_us, 100).await.expect("a again").is_empty(), "delivered: not pulled again");
        let c = s.notice_counts(now_us).await.expect("counts");
        assert_eq!((c.treated, c.holdout, c.due, c.read, c.delivered, c.opened, c.acted), (3, 1, 2, 1, 2, 1, 1));

        // The quiz: answers kept, the latest one per question counts.
        let answers = |right: usize| -> Vec<(String, i32, bool)> { (0..5).map(|q| (format!("q{q}"), 0, q < right)).collect() };
        s.quiz_answer(w0, &answers(5)).await.expect("w0");
        s.quiz_answer(w1, &answers(2)).await.expect("w1");
        assert_eq!(s.quiz_awareness(4).await.expect("aware"), (2, 1));
        s.quiz_answer(w1, &answers(4)).await.expect("w1 again");
        assert_eq!(s.quiz_awareness(4).await.expect("aware"), (2, 2));
        assert_eq!(s.worker_quiz(w1).await.expect("w1").len(), 5);
        assert_eq!(s.quiz_answer(w2, &[]).await.unwrap_err().field(), Some("answers"));

        // The arms: worker 1 enrols after the notice.
        s.enrol(&NewEnrolment { worker: w1, scheme: Scheme::EmployeePension, from: ym("2025-10"), to: None, basis: Basis::PlatformIncome })
            .await
            .expect("enrol");
        let arms = s.notice_arms().await.expect("arms");
        assert_eq!(
            arms,
            vec![
                ArmOutcome { arm: "holdout".into(), workers: 1, enrolled: 0 },
                ArmOutcome { arm: "treated".into(), workers: 2, enrolled: 1 }
            ]
        );
    }
}

mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_keep_the_rules_across_runs() {
        run(Kind::Sqlite, cases::notices_keep_the_rules_across_runs).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inbox_platform_reports_and_quiz() {
        run(Kind::Sqlite, cases::inbox_platform_reports_and_quiz).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_keep_the_rules_across_runs() {
        run(Kind::Postgres, cases::notices_keep_the_rules_across_runs).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inbox_platform_reports_and_quiz() {
        run(Kind::Postgres, cases::inbox_platform_reports_and_quiz).await;
    }
}
