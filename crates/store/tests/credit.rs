//! Platform credit ratings on both backends: three years of orders where platform A keeps 80%
//! of its active workers insured and platform B a third; counted by hand. B goes on the
//! sanctions list; a rerun changes and logs nothing; a new enrolment changes B's month.

mod common;

use common::ledger::ym;
use common::*;
use flexpension_rules::Params;
use flexpension_rules::credit::Grade;
use flexpension_store::*;

/// `yuan` on `platform` for each worker index, in every month of 2023-2025: written as month
/// incomes directly (the contribution rules, which an ingest needs, start in 2024).
async fn orders(ctx: &Ctx, f: &Fixture, platform: PlatformId, workers: &[(usize, i64)]) {
    let mut rows = Vec::new();
    for y in 2023..=2025 {
        for m in 1..=12 {
            for (i, yuan) in workers {
                rows.push(format!("({}, {}, {}, {}, 3)", y * 100 + m, f.workers[*i].1.id.0, platform.0, yuan * 100));
            }
        }
    }
    ctx.sql(&format!("INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders) VALUES {}", rows.join(", "))).await;
}

fn enrolment(w: &Worker, from: &str) -> NewEnrolment {
    NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym(from), to: None, basis: Basis::PlatformIncome }
}

pub mod cases {
    use super::*;

    pub async fn ratings_grades_and_sanctions(ctx: Ctx) {
        let s = &ctx.store;
        let p = Params::embedded().expect("params");
        let f = fixture(s, 10).await;
        for (_, w) in f.workers.iter().take(8) {
            s.enrol(&enrolment(w, "2023-01")).await.expect("enrol");
        }
        let all: Vec<(usize, i64)> = (0..10).map(|i| (i, 2000)).collect();
        orders(&ctx, &f, f.a.id, &all).await;
        // On B: workers 7 (insured), 8 and 9 (not) earn; worker 6 earns too little to count.
        orders(&ctx, &f, f.b.id, &[(7, 2000), (8, 2000), (9, 2000), (6, 500)]).await;

        let dec = ym("2025-12");
        let r = s.credit_run(&p, dec).await.expect("run");
        assert_eq!((r.month.as_str(), r.changed, r.platforms.len()), ("2025-12", 2, 2));
        let get = |r: &CreditReport, id: PlatformId| r.platforms.iter().find(|x| x.platform_id == id.0).cloned().expect("rated");
        let a = get(&r, f.a.id);
        assert_eq!(
            (a.rating.active, a.rating.insured, a.rating.share_bp, a.rating.grade, a.rating.years_under, a.rating.sanctioned),
            (10, 8, Some(8000), Some(Grade::C), 0, false)
        );
        let b = get(&r, f.b.id);
        assert_eq!(
            (b.rating.active, b.rating.insured, b.rating.share_bp, b.rating.grade, b.rating.years_under, b.rating.sanctioned),
            (3, 1, Some(3333), Some(Grade::D), 3, true)
        );
        let logged = "SELECT COUNT(*) FROM log_entries WHERE body LIKE '%credit_rating%'";
        assert_eq!(ctx.scalar(logged).await, 2);

        // The same month again: nothing changes, nothing is logged.
        let again = s.credit_run(&p, dec).await.expect("rerun");
        assert_eq!((again.changed, &again.platforms), (0, &r.platforms));
        assert_eq!(ctx.scalar(logged).await, 2);
        let listed = s.credit_ratings().await.expect("list");
        assert_eq!(listed.iter().map(|x| x.platform_id).collect::<Vec<_>>(), vec![f.b.id.0, f.a.id.0], "sanctioned first");
        assert_eq!(listed[0], b);

        // Worker 8 enrols in December: B's month improves, its years stay under the floor; A
        // (where worker 8 earns too) reaches 90%, grade B.
        s.enrol(&enrolment(&f.workers[8].1, "2025-12")).await.expect("enrol");
        let after = s.credit_run(&p, dec).await.expect("after");
        let (a2, b2) = (get(&after, f.a.id), get(&after, f.b.id));
        assert_eq!(
            (after.changed, b2.rating.insured, b2.rating.share_bp, b2.rating.grade, b2.rating.sanctioned),
            (2, 2, Some(6667), Some(Grade::D), true)
        );
        assert_eq!((a2.rating.insured, a2.rating.share_bp, a2.rating.grade), (9, Some(9000), Some(Grade::B)));
        assert_eq!(ctx.scalar(logged).await, 4);
        // A month before the orders: no active worker, no grade.
        let early = s.credit_run(&p, ym("2022-06")).await.expect("early");
        assert!(early.platforms.iter().all(|x| x.rating.active == 0 && x.rating.grade.is_none() && !x.rating.sanctioned), "{early:#?}");
        let e = s.credit_run(&p, ym("1990-01")).await.expect_err("before the rules");
        assert_eq!(e.field(), Some("month"));
    }
}

mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ratings_grades_and_sanctions() {
        run(Kind::Sqlite, cases::ratings_grades_and_sanctions).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ratings_grades_and_sanctions() {
        run(Kind::Postgres, cases::ratings_grades_and_sanctions).await;
    }
}
