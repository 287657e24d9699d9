//! The consoles' reads: a region's or a platform's workers with the month's income, the
//! latest month with data, premiums by month, the month figures (equal to the month report over
//! one region), and the access log.

use crate::common::*;
use flexpension_store::people::{PersonId, Scope};
use flexpension_store::*;

const FAKE_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

pub async fn console_lists_figures_and_access_log(ctx: Ctx) {
    let s = &ctx.store;
    let f = fixture(s, 3).await;
    let ids: Vec<&str> = f.workers.iter().map(|(i, _)| i.as_str()).collect();
    let sep: flexpension_rules::YearMonth = "2025-09".parse().expect("month");
    assert_eq!(s.latest_income_month(None).await.expect("latest"), None);
    let a = csv(&[
        ["a1", ids[0], "100.00", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["a2", ids[1], "50.00", "2025-09-02T10:00:00", "ride_hailing", "g2"],
    ]);
    s.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(a), Format::Csv, &IngestOptions::request(now(), None)).await.expect("ingest a");
    let b = csv(&[["b1", ids[0], "20.00", "2025-09-03T10:00:00", "instant_delivery", "g1"]]);
    s.ingest_earnings(f.b.id, &zj(), std::io::Cursor::new(b), Format::Csv, &IngestOptions::request(now(), None)).await.expect("ingest b");

    // The region's list: every registered worker, with the month's income from all platforms.
    let all = s.console_workers(sep, Some("zj"), None).await.expect("region list");
    assert_eq!(all.len(), 3);
    assert_eq!((all[0].income_fen, all[0].orders, all[0].platforms.clone()), (12_000, 2, vec![f.a.id, f.b.id]));
    assert_eq!(all[2].income_fen, 0, "registered without income");
    assert!(all.iter().all(|w| w.id_masked.contains('*') && w.phone_masked.contains('*')));
    // A platform's list: only the workers it paid, with its income only.
    let of_b = s.console_workers(sep, None, Some(f.b.id)).await.expect("platform list");
    assert_eq!(of_b.iter().map(|w| (w.worker, w.income_fen)).collect::<Vec<_>>(), vec![(f.workers[0].1.id, 2_000)]);
    assert_eq!(s.latest_income_month(Some(f.a.id)).await.expect("latest"), Some(sep));
    let p = s.premiums_by_month(Some(f.b.id), None, sep, sep).await.expect("premiums");
    assert_eq!(p.len(), 1);
    assert!(p[0].1 > 0, "{p:?}");
    let r = s.premiums_by_month(None, Some("zj"), sep, sep).await.expect("region premiums");
    let total_a: i64 = s.injury_premiums(f.a.id, sep).await.expect("a").iter().map(|x| x.premium_fen).sum();
    assert_eq!(r, vec![(sep, total_a + p[0].1)]);

    // The month figures over the region equal the month report once the month is closed.
    for (_, w) in &f.workers {
        let e = NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: sep, to: None, basis: Basis::PlatformIncome };
        s.enrol(&e).await.expect("enrol");
    }
    s.close_month(&zj(), sep, &CloseOptions::new(sep)).await.expect("close");
    assert_eq!(s.latest_closed_month().await.expect("closed"), Some(sep));
    let report = s.month_report(sep).await.expect("report");
    let figs = s.month_figures(&[sep], Some("zj"), 1).await.expect("figures");
    assert_eq!(figs[0].report, MonthReportNoTrial::of(report));
    assert_eq!(figs[0].report.workers, 3);
    s.add_region("sh", "上海市").await.expect("region");
    assert_eq!(s.month_figures(&[sep], Some("sh"), 1).await.expect("figures")[0].report.workers, 0);
    let standings = s.standings(1).await.expect("standings");
    assert_eq!(standings.len(), 3);
    // With a threshold of one month, lapsed at the month's end is whoever owes for it now.
    let lapsed_now = standings.values().filter(|st| matches!(st, flexpension_ledger::Status::Lapsed { .. })).count() as u64;
    assert!(lapsed_now > 0);
    assert_eq!(figs[0].lapsed, lapsed_now);

    // The access log: newest first, with the person's login.
    let officer = s.add_person_hashed("officer.x", FAKE_PHC, &Scope::Region("zj".into())).await.expect("person");
    let w = f.workers[1].1.id;
    s.record_access(officer.id, w, "view").await.expect("record");
    s.record_access(officer.id, w, "voucher").await.expect("record");
    let log = s.accesses(w, 10).await.expect("accesses");
    assert_eq!(log.iter().map(|a| a.what.as_str()).collect::<Vec<_>>(), vec!["voucher", "view"]);
    assert_eq!((log[0].login.as_str(), log[0].person), ("officer.x", officer.id));
    assert!(s.accesses(f.workers[0].1.id, 10).await.expect("none").is_empty());
    assert!(s.record_access(PersonId(999), w, "view").await.is_err(), "no such person");
}

/// The month report without its trial balance (the figures leave it 0).
struct MonthReportNoTrial;
impl MonthReportNoTrial {
    fn of(mut r: flexpension_ledger::MonthReport) -> flexpension_ledger::MonthReport {
        r.trial_balance_fen = 0;
        r
    }
}
