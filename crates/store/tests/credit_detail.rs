//! A platform's own rating in detail on both backends, on the three years of `credit.rs`: the
//! notices (fell under, six months before the sanction, sanctioned) at the months counted by
//! hand, the workers behind a month (masked), appeals and decisions, each in the log.

mod common;

use common::ledger::ym;
use common::*;
use flexpension_rules::Params;
use flexpension_store::people::Scope;
use flexpension_store::*;

const FAKE_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/// Month incomes from 2023-01 to 2025-12 written directly (the contribution rules an ingest
/// needs start in 2024): every worker on A, workers 6 (too little), 7, 8 and 9 on B.
async fn incomes(ctx: &Ctx, f: &Fixture) {
    let mut rows = Vec::new();
    for y in 2023..=2025 {
        for m in 1..=12 {
            for i in 0..10 {
                rows.push(format!("({}, {}, {}, 200000, 3)", y * 100 + m, f.workers[i].1.id.0, f.a.id.0));
            }
            for (i, fen) in [(6, 50000), (7, 200000), (8, 200000), (9, 200000)] {
                rows.push(format!("({}, {}, {}, {fen}, 3)", y * 100 + m, f.workers[i].1.id.0, f.b.id.0));
            }
        }
    }
    ctx.sql(&format!("INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders) VALUES {}", rows.join(", "))).await;
}

pub mod cases {
    use super::*;

    pub async fn notices_workers_and_appeals(ctx: Ctx) {
        let s = &ctx.store;
        let p = Params::embedded().expect("params");
        let f = fixture(s, 10).await;
        for (_, w) in f.workers.iter().take(8) {
            let e =
                NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2023-01"), to: None, basis: Basis::PlatformIncome };
            s.enrol(&e).await.expect("enrol");
        }
        incomes(&ctx, &f).await;
        let mut m = ym("2024-01");
        while m <= ym("2025-12") {
            s.credit_run(&p, m).await.expect("run");
            m = m.add_months(1).expect("next");
        }
        // B: a third insured from the start, under from its first rating. By hand: the rating
        // of M sanctions once its third year back, M-35..M-24, holds a month of data (from
        // 2023-01): M >= 2025-01; the warning six months earlier, 2024-07.
        let kinds = |n: &[Notice]| n.iter().map(|x| (x.month.clone(), x.kind)).collect::<Vec<_>>();
        let b = s.credit_notices(&p, f.b.id).await.expect("notices");
        assert_eq!(
            kinds(&b),
            vec![
                ("2025-01".to_string(), NoticeKind::Sanctioned),
                ("2024-07".to_string(), NoticeKind::SanctionSoon),
                ("2024-01".to_string(), NoticeKind::FellUnder)
            ]
        );
        assert_eq!(b[2].share_bp, Some(3333));
        let history = s.credit_history(f.b.id).await.expect("history");
        assert_eq!(history.len(), 24);
        assert_eq!(
            history.iter().filter(|r| r.rating.sanctioned).map(|r| r.month).min(),
            Some(ym("2025-01")),
            "the notice agrees with the ratings"
        );
        // A keeps 80%: no notice.
        assert!(s.credit_notices(&p, f.a.id).await.expect("notices").is_empty());

        // The workers behind B's December: 7 (insured), 8 and 9; 6 earned too little.
        let ws = s.credit_workers(&p, f.b.id, ym("2025-12")).await.expect("workers");
        let got: Vec<(WorkerId, bool)> = ws.iter().map(|w| (w.worker, w.insured)).collect();
        let id = |i: usize| f.workers[i].1.id;
        assert_eq!(got, vec![(id(7), true), (id(8), false), (id(9), false)]);
        assert!(ws.iter().all(|w| w.id_masked.contains('*') && w.id_masked != f.workers[7].0));

        // An appeal of B's December and the agency's decision, both logged.
        let staff = s.add_person_hashed("staff.b", FAKE_PHC, &Scope::Platform(f.b.id)).await.expect("staff");
        let officer = s.add_person_hashed("officer.x", FAKE_PHC, &Scope::Region("zj".into())).await.expect("officer");
        let logged = "SELECT COUNT(*) FROM log_entries WHERE body LIKE '%credit_appeal%'";
        let e = s.file_appeal(f.b.id, staff.id, ym("2025-12"), "  ").await.expect_err("no grounds");
        assert_eq!(e.field(), Some("grounds"));
        let e = s.file_appeal(f.b.id, staff.id, ym("2020-01"), "not rated").await.expect_err("a month not rated");
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
        let a = s.file_appeal(f.b.id, staff.id, ym("2025-12"), "8号已在外省参保").await.expect("appeal");
        let e = s.file_appeal(f.b.id, staff.id, ym("2025-12"), "again").await.expect_err("one open appeal");
        assert!(matches!(e, StoreError::Exists { .. }), "{e}");
        assert_eq!(ctx.scalar(logged).await, 1);
        assert!(s.appeals(Some(f.a.id)).await.expect("A's").is_empty(), "A sees none of B's");
        s.decide_appeal(officer.id, a, false, "未提供外省参保证明").await.expect("decide");
        let e = s.decide_appeal(officer.id, a, true, "again").await.expect_err("decided once");
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
        assert_eq!(ctx.scalar(logged).await, 2);
        let listed = s.appeals(Some(f.b.id)).await.expect("B's");
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].decision.as_deref(), listed[0].reasons.as_deref()), (Some("rejected"), Some("未提供外省参保证明")));
        // Decided, the month may be appealed again.
        s.file_appeal(f.b.id, staff.id, ym("2025-12"), "补充材料").await.expect("a new appeal");
        assert_eq!(s.appeals(None).await.expect("all").len(), 2);
    }
}

mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_workers_and_appeals() {
        run(Kind::Sqlite, cases::notices_workers_and_appeals).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_workers_and_appeals() {
        run(Kind::Postgres, cases::notices_workers_and_appeals).await;
    }
}
