//! The outreach model's features from the store, on both backends: incomes, platforms, months,
//! night orders, grid cells, hukou, enrolment and past enrolment of a few workers, each figure
//! computed by hand.

mod common;

use common::ledger::ym;
use common::*;
use flexpension_store::*;

pub mod cases {
    use super::*;

    pub async fn features_match_a_hand_count(ctx: Ctx) {
        let s = &ctx.store;
        let f = fixture(s, 3).await;
        let migrant = s
            .add_worker(&NewWorker {
                id_number: flexpension_testkit::resident_id("340102", "19950301", flexpension_testkit::sequence(3, false)),
                name: "小王".into(),
                phone: "13900000009".into(),
                hukou_region: "340102".into(),
                home_grid: "g1".into(),
            })
            .await
            .expect("migrant");
        let (i0, i1) = (&f.workers[0].0, &f.workers[1].0);
        let migrant_id = flexpension_testkit::resident_id("340102", "19950301", flexpension_testkit::sequence(3, false));
        let a_rows = [
            // Worker 0, September: a day order and two at night (23:30 and 02:00 China time).
            ["a1", i0.as_str(), "100", "2025-09-03T10:00:00+08:00", "instant_delivery", "g1"],
            ["a2", i0.as_str(), "200", "2025-09-03T23:30:00+08:00", "instant_delivery", "g1"],
            ["a3", i0.as_str(), "300", "2025-09-04T02:00:00+08:00", "instant_delivery", "g2"],
            // October: one order here, one on platform B below.
            ["a4", i0.as_str(), "500", "2025-10-05T14:00:00+08:00", "instant_delivery", "g1"],
            // Worker 1: one order in September.
            ["a5", i1.as_str(), "3000", "2025-09-10T12:00:00+08:00", "ride_hailing", "g2"],
            ["a6", migrant_id.as_str(), "4000", "2025-10-10T12:00:00+08:00", "ride_hailing", "g1"],
        ];
        let opts = IngestOptions::request(now(), None);
        let r = s.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&a_rows)), Format::Csv, &opts).await.expect("ingest a");
        assert_eq!(r.accepted, 6, "{r:#?}");
        let b_rows = [["b1", i0.as_str(), "500", "2025-10-06T15:00:00+08:00", "instant_delivery", "g1"]];
        let r = s.ingest_earnings(f.b.id, &zj(), std::io::Cursor::new(csv(&b_rows)), Format::Csv, &opts).await.expect("ingest b");
        assert_eq!(r.accepted, 1);
        let w1 = f.workers[1].1.id;
        s.enrol(&NewEnrolment { worker: w1, scheme: Scheme::EmployeePension, from: ym("2025-01"), to: None, basis: Basis::PlatformIncome })
            .await
            .expect("enrol");
        // Enrolment history: worker 0's pension ended in 2024 (history, not enrolled now); the
        // migrant's injury cover ended (the platform's, not theirs); worker 1's medical insurance
        // ends only in December (not ended in October).
        let w0 = f.workers[0].1.id;
        let ended = |worker, scheme, from: &str, to: &str| NewEnrolment {
            worker,
            scheme,
            from: ym(from),
            to: Some(ym(to)),
            basis: Basis::PlatformIncome,
        };
        s.enrol(&ended(w0, Scheme::EmployeePension, "2023-01", "2024-12")).await.expect("past pension");
        s.enrol(&ended(migrant.id, Scheme::InjuryCover, "2025-01", "2025-03")).await.expect("past cover");
        s.enrol(&ended(w1, Scheme::Medical, "2025-01", "2025-12")).await.expect("medical to december");

        let got = s.outreach_features(ym("2025-10"), (22, 6)).await.expect("features");
        assert_eq!(got.len(), 3, "worker 2 earned nothing and is left out: {got:#?}");
        let by = |id: WorkerId| got.iter().find(|g| g.worker == id.0).expect("worker in the table");
        let g0 = by(f.workers[0].1.id);
        // Incomes 600 and 1000 yuan: mean 800, standard deviation 200.
        assert_eq!((g0.income_fen, g0.months_active, g0.platforms, g0.migrant, g0.enrolled), (80_000, 2, 2, false, false));
        assert!((g0.income_cv - 0.25).abs() < 1e-9, "{}", g0.income_cv);
        assert!((g0.night_share - 0.4).abs() < 1e-9, "2 of 5 orders at night: {}", g0.night_share);
        assert!((34..=35).contains(&g0.age), "born in 1990: {}", g0.age);
        assert_eq!((g0.grids, g0.ever_enrolled), (2, true), "orders in g1 and g2; a pension that ended in 2024");
        let g1 = by(w1);
        assert_eq!((g1.income_fen, g1.months_active, g1.platforms, g1.enrolled), (300_000, 1, 1, true));
        assert_eq!((g1.income_cv, g1.night_share), (0.0, 0.0));
        assert_eq!((g1.grids, g1.ever_enrolled), (1, false), "enrolled now, medical until December: no history yet");
        let gm = by(migrant.id);
        assert_eq!((gm.migrant, gm.age, gm.income_fen), (true, 30, 400_000));
        assert_eq!((gm.grids, gm.ever_enrolled), (1, false), "injury cover is the platform's");

        // September alone, night from 21:00 to midnight: of worker 0's 3 orders only 23:30.
        let sept = s.outreach_features(ym("2025-09"), (21, 0)).await.expect("september");
        assert_eq!(sept.len(), 2, "the migrant's first order is in October");
        let g0 = sept.iter().find(|g| g.worker == f.workers[0].1.id.0).expect("worker 0");
        assert!((g0.night_share - 1.0 / 3.0).abs() < 1e-9, "only 23:30 is in 21:00-24:00: {}", g0.night_share);
        assert_eq!(g0.grids, 2);
        let morning = s.outreach_features(ym("2025-09"), (10, 11)).await.expect("a window within the day");
        let g0 = morning.iter().find(|g| g.worker == f.workers[0].1.id.0).expect("worker 0");
        assert!((g0.night_share - 1.0 / 3.0).abs() < 1e-9, "only 10:00 is in 10:00-11:00: {}", g0.night_share);
        assert_eq!(s.outreach_features(ym("2025-10"), (5, 5)).await.unwrap_err().field(), Some("night"));

        // A run kept, read back as targets: the enrolled worker 1 is no target; most likely first.
        assert_eq!(s.outreach_run().await.expect("no run"), None);
        let score = |w: WorkerId, p: i64, enrolled: bool| OutreachScore {
            worker_id: w.0,
            p_ppm: p,
            product: "employee_pension".into(),
            base_fen: Some(498_600),
            reasons: "age+35,migrant-1,income_yuan+800".into(),
            enrolled,
        };
        let run = OutreachRun { month: "2025-10".into(), model: "{}".into(), trained_on: "test".into(), auc_ppm: 730_000, workers: 3 };
        let scores = [score(f.workers[0].1.id, 300_000, false), score(w1, 900_000, true), score(migrant.id, 600_000, false)];
        s.outreach_keep(ym("2025-10"), &run, &scores).await.expect("keep");
        let targets = s.outreach_targets(None, 10).await.expect("targets");
        assert_eq!(targets.iter().map(|t| t.worker_id).collect::<Vec<_>>(), vec![migrant.id.0, f.workers[0].1.id.0]);
        assert!(targets[0].id_masked.contains('*') && targets[0].phone_masked.contains('*'), "{:?}", targets[0]);
        assert_eq!(s.outreach_targets(Some("g2"), 10).await.expect("g2").len(), 0, "both targets live in g1");
        assert_eq!(s.outreach_mix().await.expect("mix"), vec![("employee_pension".to_string(), 3, 1)]);
        // The same month again replaces it.
        s.outreach_keep(ym("2025-10"), &run, &scores[..1]).await.expect("again");
        assert_eq!(s.outreach_targets(None, 10).await.expect("targets").len(), 1);
        assert_eq!(s.outreach_run().await.expect("run").map(|r| r.auc_ppm), Some(730_000));
    }
}

mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn features_match_a_hand_count() {
        run(Kind::Sqlite, cases::features_match_a_hand_count).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn features_match_a_hand_count() {
        run(Kind::Postgres, cases::features_match_a_hand_count).await;
    }
}
