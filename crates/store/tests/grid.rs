//! Grid workers and their alerts on both backends: on a generated population, the counts of
//! the monitor and of the officer's tables equal a count made here from the population's own
//! pattern; a rerun changes nothing; a grid worker sees, reveals and records only in their
//! grids, each reveal in the access log; an alert nobody handles escalates after the
//! parameter's working days on the holiday calendar; a worker who enrols closes their alert.

mod common;

use common::ledger::*;
use common::*;
use flexpension_rules::Params;
use flexpension_rules::monitor::Risk;
use flexpension_store::people::{Outcome, PersonId, Role, Scope};
use flexpension_store::*;
use std::collections::BTreeMap;
use std::sync::Arc;

const FAKE_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
/// Monday 2025-12-01, 10:00 in China.
const T0: i64 = 1_764_554_400_000_000;
const DAY: i64 = 86_400_000_000;
const N: u32 = 40;

/// The generated population: worker i starts earning in month `start(i)` of September to
/// November (3: never) and keeps earning, from platform A or B; every third is enrolled.
fn start(i: usize) -> usize {
    (i * 7 + i / 5) % 4
}
fn enrolled(i: usize) -> bool {
    i.is_multiple_of(3)
}
fn amount(i: usize) -> usize {
    1000 + (i * 137) % 900
}
fn grid(i: usize) -> &'static str {
    if i.is_multiple_of(2) { "g1" } else { "g2" }
}
fn platform_a(i: usize) -> bool {
    i % 4 < 2
}
/// The independent count: uninsured but working means not enrolled and earning (at least
/// the 1,000-yuan threshold) in all three months, the window's other months being empty.
fn uninsured(i: usize) -> bool {
    !enrolled(i) && start(i) == 0
}

struct Setup {
    f: Fixture,
    clock: Arc<FixedClock>,
    person: PersonId,
    other: PersonId,
}

async fn setup(s: &Store, clock: Arc<FixedClock>) -> Setup {
    let f = fixture(s, N).await;
    let mut by_platform: [Vec<[String; 6]>; 2] = [Vec::new(), Vec::new()];
    for (i, (idn, w)) in f.workers.iter().enumerate() {
        if enrolled(i) {
            let e =
                NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-09"), to: None, basis: Basis::PlatformIncome };
            s.enrol(&e).await.expect("enrol");
        }
        for (k, m) in MONTHS.iter().enumerate().skip(start(i)) {
            by_platform[usize::from(!platform_a(i))].push([
                format!("o{i}-{k}"),
                idn.clone(),
                amount(i).to_string(),
                format!("{m}-10T10:00:00+08:00"),
                "ride_hailing".into(),
                grid(i).into(),
            ]);
        }
    }
    for (rows, p) in by_platform.iter().zip([f.a.id, f.b.id]) {
        let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
        let r = s
            .ingest_earnings(p, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &IngestOptions::request(now(), None))
            .await
            .expect("ingest");
        assert_eq!(r.rejected, 0, "{r:#?}");
    }
    let person = s.add_person_hashed("grid.g1", FAKE_PHC, &Scope::Grids("zj".into())).await.expect("grid worker");
    assert_eq!(person.role(), Role::GridWorker);
    s.assign_grids(person.id, &["g1"]).await.expect("assign");
    let other = s.add_person_hashed("grid.g2", FAKE_PHC, &Scope::Grids("zj".into())).await.expect("grid worker 2");
    s.assign_grids(other.id, &["g2"]).await.expect("assign");
    Setup { f, clock, person: person.id, other: other.id }
}

pub mod cases {
    use super::*;

    pub async fn counts_rerun_scope_reveal_escalation_enrolment(ctx: Ctx, clock: Arc<FixedClock>) {
        let s = &ctx.store;
        let p = Params::embedded().expect("params");
        let st = setup(s, clock).await;
        let nov = ym("2025-11");
        let r = s.monitor_run(&p, "zj", nov).await.expect("run");
        let want: Vec<usize> = (0..N as usize).filter(|i| uninsured(*i)).collect();
        assert!(want.len() >= 4, "the pattern gives few uninsured: {want:?}");
        assert_eq!((r.uninsured, r.lapsed, r.at_risk, r.interrupted, r.short_of_years), (want.len() as u64, 0, 0, 0, 0), "{r:#?}");

        // The grid worker of g1 sees exactly the uninsured of g1, none of g2.
        let id = |i: usize| st.f.workers[i].1.id;
        let mine = s.grid_alerts(&p, st.person).await.expect("grid alerts");
        let mut got: Vec<WorkerId> = mine.iter().map(|a| a.worker).collect();
        got.sort();
        let g1: Vec<WorkerId> = want.iter().filter(|i| grid(**i) == "g1").map(|i| id(*i)).collect();
        assert_eq!(got, g1);
        assert!(mine.iter().all(|a| a.grid == "g1" && a.risk == Risk::Uninsured && a.phone_masked.contains('*')));
        assert!(mine.iter().all(|a| a.opened_on.to_string() == "2025-12-01" && !a.escalated), "{mine:#?}");
        assert_eq!(mine[0].due.map(|d| d.to_string()).as_deref(), Some("2025-12-08"), "5 working days after Monday 1 December");

        // The officer's tables against the independent count.
        let stats = s.alert_stats(&p, "zj").await.expect("stats");
        let mut by_grid: BTreeMap<&str, u64> = BTreeMap::new();
        let mut by_platform: BTreeMap<String, u64> = BTreeMap::new();
        for i in &want {
            *by_grid.entry(grid(*i)).or_default() += 1;
            let name = if platform_a(*i) { &st.f.a.name } else { &st.f.b.name };
            *by_platform.entry(name.clone()).or_default() += 1;
        }
        let grid_rows: BTreeMap<&str, u64> = stats.by_grid.iter().map(|r| (r.key.as_str(), r.open)).collect();
        assert_eq!(grid_rows, by_grid);
        let platform_rows: BTreeMap<String, u64> = stats.by_platform.iter().map(|r| (r.name.clone(), r.open)).collect();
        assert_eq!(platform_rows, by_platform);
        assert_eq!(stats.by_month, vec![("2025-11".to_string(), want.len() as u64, 0)]);

        // A rerun of the month changes nothing.
        let again = s.monitor_run(&p, "zj", nov).await.expect("rerun");
        assert_eq!((again.uninsured, again.opened, again.closed), (r.uninsured, 0, 0));
        assert_eq!(s.alert_stats(&p, "zj").await.expect("stats"), stats);

        // The reveal: logged first, only in the person's grids.
        let first = &mine[0];
        s.set_contact(first.worker, "139 0000 1234").await.expect("contact");
        let (w, phone) = s.reveal_contact(st.person, first.id).await.expect("reveal");
        assert_eq!((w, phone.as_deref()), (first.worker, Some("13900001234")));
        let (_, none) = s.reveal_contact(st.person, mine[1].id).await.expect("reveal without a number");
        assert_eq!(none, None);
        let log = s.region_accesses("zj", 10).await.expect("access log");
        assert_eq!(log.len(), 2);
        assert!(log.iter().all(|a| a.what == "reveal" && a.role == "grid_worker" && a.login == "grid.g1"));
        assert_eq!(log[1].why, format!("alert {}", first.id));
        let theirs = s.grid_alerts(&p, st.other).await.expect("g2 alerts");
        assert!(!theirs.is_empty() && theirs.iter().all(|a| a.grid == "g2"));
        let e = s.reveal_contact(st.person, theirs[0].id).await.expect_err("another grid's alert");
        assert!(matches!(e, StoreError::NotFound { what: "alert", .. }), "{e}");
        assert_eq!(ctx.scalar("SELECT COUNT(*) FROM access_log").await, 2, "a refused reveal is not a reveal");
        let e = s.record_outcome(st.person, theirs[0].id, Outcome::Visited, "").await.expect_err("another grid's alert");
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");

        // Outcomes: a refusal needs its reason; the latest outcome is shown.
        let e = s.record_outcome(st.person, first.id, Outcome::Refused, " ").await.expect_err("no reason");
        assert_eq!(e.field(), Some("reason"));
        s.record_outcome(st.person, first.id, Outcome::Refused, "已有商业保险").await.expect("refused");
        let seen = s.grid_alerts(&p, st.person).await.expect("alerts");
        let handled = seen.last().expect("one");
        assert_eq!(
            (handled.id, handled.outcome.as_ref().map(|o| (o.0, o.1.as_str()))),
            (first.id, Some((Outcome::Refused, "已有商业保险")))
        );

        // Tuesday 9 December: the unhandled ones have gone up to the officer.
        st.clock.set(T0 + 8 * DAY);
        let stats = s.alert_stats(&p, "zj").await.expect("stats");
        let open: u64 = stats.by_grid.iter().map(|r| r.open).sum();
        let escalated: u64 = stats.by_grid.iter().map(|r| r.escalated).sum();
        assert_eq!((open, escalated), (want.len() as u64, want.len() as u64 - 1));
        let officer = s.region_alerts(&p, "zj", None).await.expect("region alerts");
        assert!(officer.iter().filter(|a| a.escalated).all(|a| a.outcome.is_none()));
        assert!(officer.iter().find(|a| a.id == first.id).is_some_and(|a| !a.escalated));
        st.clock.set(T0 + 7 * DAY - 1);
        assert!(s.region_alerts(&p, "zj", None).await.expect("alerts").iter().all(|a| !a.escalated), "not on the due day");

        // A worker who enrols closes their alert; the conversion counts it; a rerun agrees.
        let second = &mine[1];
        let e = NewEnrolment { worker: second.worker, scheme: Scheme::EmployeePension, from: nov, to: None, basis: Basis::PlatformIncome };
        s.enrol(&e).await.expect("enrol");
        assert!(s.grid_alerts(&p, st.person).await.expect("alerts").iter().all(|a| a.id != second.id));
        let stats = s.alert_stats(&p, "zj").await.expect("stats");
        assert_eq!(stats.by_month, vec![("2025-11".to_string(), want.len() as u64, 1)]);
        let after = s.monitor_run(&p, "zj", nov).await.expect("after enrolment");
        assert_eq!((after.uninsured, after.opened, after.closed), (r.uninsured - 1, 0, 0), "{after:#?}");
        let e = s.record_outcome(st.person, second.id, Outcome::Visited, "").await.expect_err("a closed alert");
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
    }

    pub async fn grids_only_of_the_region_and_only_for_grid_workers(ctx: Ctx, _clock: Arc<FixedClock>) {
        let s = &ctx.store;
        fixture(s, 1).await;
        s.add_region("ah", "安徽省").await.expect("region");
        s.add_grid(&NewGrid { code: "h1".into(), name: "合肥1号网格".into(), region: "ah".into() }).await.expect("grid");
        let g = s.add_person_hashed("grid.x", FAKE_PHC, &Scope::Grids("zj".into())).await.expect("person");
        let e = s.assign_grids(g.id, &["h1"]).await.expect_err("a grid of another region");
        assert!(matches!(e, StoreError::NotFound { .. }), "{e}");
        let o = s.add_person_hashed("officer.x", FAKE_PHC, &Scope::Region("zj".into())).await.expect("officer");
        assert!(s.assign_grids(o.id, &["g1"]).await.is_err());
        s.assign_grids(g.id, &["g1", "g2"]).await.expect("assign");
        s.assign_grids(g.id, &["g1"]).await.expect("again: no change");
        assert_eq!(s.person_grids(g.id).await.expect("grids"), vec!["g1".to_string(), "g2".to_string()]);
        let rec = s.login_record("grid.x").await.expect("login").expect("found");
        assert_eq!(rec.person.scope, Scope::Grids("zj".into()));
        assert!(s.set_contact(WorkerId(1), "12345").await.is_err());
    }
}

// Each case on each backend.
mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counts_rerun_scope_reveal_escalation_enrolment() {
        run_clocked(Kind::Sqlite, T0, cases::counts_rerun_scope_reveal_escalation_enrolment).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn grids_only_of_the_region_and_only_for_grid_workers() {
        run_clocked(Kind::Sqlite, T0, cases::grids_only_of_the_region_and_only_for_grid_workers).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn counts_rerun_scope_reveal_escalation_enrolment() {
        run_clocked(Kind::Postgres, T0, cases::counts_rerun_scope_reveal_escalation_enrolment).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn grids_only_of_the_region_and_only_for_grid_workers() {
        run_clocked(Kind::Postgres, T0, cases::grids_only_of_the_region_and_only_for_grid_workers).await;
    }
}
