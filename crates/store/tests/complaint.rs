//! Complaints on both backends, with a fixed clock: filing seals the worker's orders and journal
//! rows with the uploads and delivers at once; the evidence package verifies offline and names
//! what was changed in it; the 72-hour deadline escalates an unanswered complaint exactly once
//! and not one answered at 71 hours; bad uploads and other people's complaints are refused.

mod common;

use base64::Engine;
use common::*;
use flexpension_ledger::{Payer, Payment};
use flexpension_rules::YearMonth;
use flexpension_rules::complaint::{Action, Actor, Kind as CKind, MAX_UPLOADS, Outcome, State};
use flexpension_rules::credit::Grade;
use flexpension_store::people::{self, Role, Scope};
use flexpension_store::*;

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// 2025-05-10T02:00:00Z.
const T0: i64 = 1_746_842_400_000_000;
const HOUR: i64 = 3_600_000_000;
const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'];
const FAKE_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/// Orders of worker 0 on A in March and April (and one on B), March closed and partly paid.
async fn setup(ctx: &Ctx) -> Fixture {
    let f = fixture(&ctx.store, 3).await;
    for (_, w) in &f.workers {
        let e = NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-03"), to: None, basis: Basis::PlatformIncome };
        ctx.store.enrol(&e).await.expect("enrol");
    }
    let idn = f.workers[0].0.clone();
    let rows: Vec<[String; 6]> = [("m1", "2025-03-05"), ("m2", "2025-03-20"), ("a1", "2025-04-02"), ("x9", "2025-02-02")]
        .iter()
        .enumerate()
        .map(|(i, (o, d))| {
            [o.to_string(), idn.clone(), format!("{}", 4000 + 100 * i), format!("{d}T10:00:00+08:00"), "ride_hailing".into(), "g1".into()]
        })
        .chain(std::iter::once([
            "o-other".into(),
            f.workers[1].0.clone(),
            "3000".into(),
            "2025-03-05T10:00:00+08:00".into(),
            "ride_hailing".into(),
            "g1".into(),
        ]))
        .collect();
    let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
    let opts = IngestOptions::request(now(), None);
    ctx.store.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(csv(&refs)), Format::Csv, &opts).await.expect("ingest a");
    let b = csv(&[["b1", idn.as_str(), "999", "2025-03-06T10:00:00+08:00", "ride_hailing", "g1"]]);
    ctx.store.ingest_earnings(f.b.id, &zj(), std::io::Cursor::new(b), Format::Csv, &opts).await.expect("ingest b");
    ctx.store.close_month(&zj(), ym("2025-03"), &CloseOptions::new(ym("2025-04"))).await.expect("close");
    let p = Payment { worker: f.workers[0].1.id, payer: Payer::SelfPaid, reference: 1, amount_fen: 10_000, period: ym("2025-03") };
    ctx.store.pay(&p).await.expect("pay");
    f
}

fn new(f: &Fixture, uploads: Vec<NewUpload>) -> NewComplaint {
    NewComplaint {
        worker: f.workers[0].1.id,
        platform: f.a.id,
        kind: CKind::UnpaidOrders,
        months: vec![ym("2025-04"), ym("2025-03")],
        text: "三月和四月的单没有结算".into(),
        uploads,
    }
}

fn photo() -> NewUpload {
    NewUpload { name: "screen.jpg".into(), bytes: JPEG.to_vec() }
}

pub async fn package_seals_and_names_what_changed(kind: Kind) {
    let Some((ctx, _clock)) = clocked(kind, T0).await else { return };
    let f = setup(&ctx).await;
    let pdf = NewUpload { name: "payslip.pdf".into(), bytes: b"%PDF-1.4\n%fake but typed\n".to_vec() };
    let c = ctx.store.file_complaint(&PARAMS, &new(&f, vec![photo(), pdf])).await.expect("file");
    assert_eq!(
        (c.summary.state, c.summary.months.clone(), c.summary.due_at_us, c.summary.breached),
        (State::Delivered, vec!["2025-03".into(), "2025-04".into()], T0 + 72 * HOUR, false)
    );
    assert_eq!(
        c.steps.iter().map(|s| (s.action.as_str(), s.actor.as_str())).collect::<Vec<_>>(),
        vec![("file", "worker"), ("deliver", "system")]
    );
    assert_eq!(c.uploads.iter().map(|u| u.content_type.as_str()).collect::<Vec<_>>(), vec!["image/jpeg", "application/pdf"]);
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind IN ('complaint', 'complaint_step')").await, 2);

    ctx.store.log_integrate().await.expect("integrate");
    let p = ctx.store.complaint_package(c.summary.id, 0).await.expect("package");
    let whats: Vec<&str> = p.bundle.proofs.iter().map(|b| b.what.as_str()).collect();
    // March and April on A only: not February, not B, not another worker; the March close,
    // its payment and crediting; the registration.
    assert!(whats.starts_with(&["complaint", "order m1", "order m2", "order a1"]), "{whats:?}");
    assert!(whats.iter().any(|w| w.starts_with("journal ") && w.contains("/close/2025-03/")), "{whats:?}");
    assert!(!whats.iter().any(|w| w.contains("x9") || w.contains("b1") || w.contains("o-other")), "{whats:?}");
    assert_eq!(whats.last(), Some(&"worker"));
    let idn = f.workers[0].0.as_str();
    let r = verify_package(&p, &verify_opts(&ctx, Some(idn)));
    assert!(r.ok(), "{}", r.to_text());
    assert!(r.summary.iter().any(|l| l == "2025-03: 2 orders, 8100.00 yuan"), "{:?}", r.summary);
    // It round-trips as the file the CLI writes.
    let back: EvidencePackage = serde_json::from_str(&serde_json::to_string(&p).expect("json")).expect("parse");
    assert!(verify_package(&back, &verify_opts(&ctx, None)).ok());

    let failed = |t: &EvidencePackage| {
        let r = verify_package(t, &verify_opts(&ctx, None));
        assert!(!r.ok(), "{}", r.to_text());
        r.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect::<Vec<_>>().join("\n")
    };
    // An amount changed in an order row.
    let mut t = p.clone();
    let row = t.bundle.proofs[1].row.as_mut().expect("row");
    row.data = row.data.replace("\"amount_fen\":400000", "\"amount_fen\":900000");
    assert!(failed(&t).contains("order m1 row in its batch"), "{}", failed(&t));
    // A journal row's amount.
    let mut t = p.clone();
    let j = t.bundle.proofs.iter_mut().find(|b| b.what.starts_with("journal ")).expect("journal");
    let row = j.row.as_mut().expect("row");
    row.data = row.data.replacen(",-", ",-1", 1);
    assert!(failed(&t).contains("journal ") && failed(&t).contains("row in its batch"), "{}", failed(&t));
    // A row dropped.
    let mut t = p.clone();
    t.bundle.proofs.remove(2);
    assert!(failed(&t).contains("evidence list: the evidence differs"), "{}", failed(&t));
    // An upload's bytes.
    let mut t = p.clone();
    let mut bytes = base64::engine::general_purpose::STANDARD.decode(&t.uploads[0].data).expect("b64");
    bytes.push(0);
    t.uploads[0].data = base64::engine::general_purpose::STANDARD.encode(bytes);
    assert!(failed(&t).contains("upload 1 'screen.jpg': its content differs"), "{}", failed(&t));
    // The complaint itself: months, platform.
    let mut t = p.clone();
    t.complaint.months.pop();
    assert!(failed(&t).contains("complaint: months"), "{}", failed(&t));
    let mut t = p.clone();
    t.complaint.platform = f.b.id.0;
    assert!(failed(&t).contains("platform: the package says"), "{}", failed(&t));
    // The platform's name is sealed with the filing.
    assert_eq!(p.complaint.platform_name.as_deref(), Some("骑手平台A"));
    let mut t = p.clone();
    t.complaint.platform_name = Some("配送平台B".into());
    assert!(failed(&t).contains("platform name: the package says \"配送平台B\", the log says \"骑手平台A\""), "{}", failed(&t));
    // Another person's ID number.
    let r = verify_package(&p, &verify_opts(&ctx, Some(&f.workers[1].0)));
    assert!(r.checks.iter().any(|c| c.name == "ID number" && !c.ok));
    ctx.cleanup().await;
}

pub async fn deadline_escalates_exactly_once(kind: Kind) {
    let Some((ctx, clock)) = clocked(kind, T0).await else { return };
    let f = setup(&ctx).await;
    let s = &ctx.store;
    let late = s.file_complaint(&PARAMS, &new(&f, vec![])).await.expect("file");
    let answered = s.file_complaint(&PARAMS, &new(&f, vec![photo()])).await.expect("file 2");
    let due = T0 + 72 * HOUR;
    // At 71 hours nothing is due; the platform answers the second one then.
    assert_eq!(s.complaint_sla(T0 + 71 * HOUR).await.expect("sla").breached, Vec::<i64>::new());
    clock.set(T0 + 71 * HOUR);
    let a = s.complaint_step(answered.summary.id, Actor::Platform, Some(f.a.id.0), Action::Respond, Some("已补发")).await.expect("respond");
    assert_eq!((a.summary.state, a.summary.responded_at_us), (State::Responded, Some(T0 + 71 * HOUR)));
    // One microsecond short of 72 hours: not breached. At 72: the unanswered one is.
    assert!(s.complaint_sla(due - 1).await.expect("sla").breached.is_empty());
    let r = s.complaint_sla(due).await.expect("sla");
    assert_eq!((r.breached.clone(), r.escalated.clone()), (vec![late.summary.id], vec![late.summary.id]));
    let again = s.complaint_sla(due + 10 * HOUR).await.expect("sla again");
    assert_eq!((again.breached, again.escalated), (vec![late.summary.id], vec![]), "escalated once");
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind = 'complaint_breach'").await, 1);
    clock.set(due + HOUR);
    let shown = s.complaint(late.summary.id).await.expect("show").expect("exists");
    assert!(shown.summary.breached && shown.escalated);
    assert_eq!(shown.steps.last().map(|s| (s.action.as_str(), s.actor.as_str())), Some(("escalate", "system")));
    assert!(!s.complaint(answered.summary.id).await.expect("show").expect("exists").summary.breached);
    // A late answer does not undo the breach; the breach counts for the platform's month.
    s.complaint_step(late.summary.id, Actor::Platform, Some(f.a.id.0), Action::Respond, Some("晚了")).await.expect("late answer");
    assert!(s.complaint(late.summary.id).await.expect("show").expect("exists").summary.breached);
    let b = s.complaint_breaches(f.a.id, ym("2025-05")).await.expect("breaches");
    assert_eq!(b.iter().map(|b| (b.complaint_id, b.due_at_us)).collect::<Vec<_>>(), vec![(late.summary.id, due)]);
    assert!(s.complaint_breaches(f.b.id, ym("2025-05")).await.expect("b").is_empty());
    assert!(s.complaint_breaches(f.a.id, ym("2025-06")).await.expect("june").is_empty());
    // The queue: overdue first; the region's queue the same, another region's empty.
    let q = s.complaint_queue().await.expect("queue");
    assert_eq!(q.first().map(|c| (c.id, c.breached)), Some((late.summary.id, true)));
    let rq = s.region_complaint_queue("zj").await.expect("zj queue");
    assert_eq!(rq.iter().map(|c| (c.id, c.breached)).collect::<Vec<_>>(), vec![(late.summary.id, true), (answered.summary.id, false)]);
    assert!(s.region_complaint_queue("ah").await.expect("ah queue").is_empty());
    assert!(s.region_complaint(late.summary.id, "zj").await.expect("zj").is_some());
    assert!(s.region_complaint(late.summary.id, "ah").await.expect("ah").is_none());

    // Union legal aid of the region takes the case on, once, and notes; it neither mediates
    // nor resolves. Another region's legal aid does not find it.
    let legal = s.add_person_hashed("legal.zj", FAKE_PHC, &Scope::LegalAid("zj".into())).await.expect("legal aid");
    let inspector = s.add_person_hashed("inspect.zj", FAKE_PHC, &Scope::Inspection("zj".into())).await.expect("inspector");
    assert_eq!((legal.role(), inspector.role()), (Role::LegalAid, Role::Inspector));
    let id = late.summary.id;
    let in_zj = |actor, person: &people::Person, action, text: Option<&'static str>| {
        s.complaint_step_in_region(id, actor, person.id, "zj", action, text)
    };
    let taken = in_zj(Actor::LegalAid, &legal, Action::Take, None).await.expect("take");
    assert_eq!(taken.summary.state, State::Responded, "taking a case moves no state");
    assert_eq!(in_zj(Actor::LegalAid, &legal, Action::Take, None).await.expect_err("twice").field(), Some("action"));
    assert_eq!(in_zj(Actor::LegalAid, &legal, Action::Note, Some("  ")).await.expect_err("empty note").field(), Some("text"));
    in_zj(Actor::LegalAid, &legal, Action::Note, Some("已联系劳动者，准备申请仲裁")).await.expect("note");
    assert_eq!(in_zj(Actor::LegalAid, &legal, Action::Mediate, None).await.expect_err("not legal aid's").field(), Some("action"));
    assert!(matches!(
        s.complaint_step_in_region(id, Actor::LegalAid, legal.id, "ah", Action::Note, Some("x")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.complaint_step_in_region(id, Actor::Inspector, inspector.id, "ah", Action::Mediate, None).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.complaint_step_in_region(id, Actor::Platform, legal.id, "zj", Action::Respond, Some("x")).await.expect_err("a platform").field(),
        Some("actor")
    );
    // Mediation and resolution by labour inspection (with its reasons); the worker closes only
    // open ones.
    in_zj(Actor::Inspector, &inspector, Action::Mediate, None).await.expect("mediate");
    assert_eq!(
        in_zj(Actor::Inspector, &inspector, Action::Resolve(Outcome::Upheld), None).await.expect_err("no reasons").field(),
        Some("text")
    );
    let done = in_zj(Actor::Inspector, &inspector, Action::Resolve(Outcome::Upheld), Some("平台补发")).await.expect("resolve");
    assert_eq!((done.summary.state, done.summary.outcome), (State::Resolved, Some(Outcome::Upheld)));
    let by: Vec<(&str, &str, Option<i64>)> = done.steps.iter().map(|st| (st.action.as_str(), st.actor.as_str(), st.actor_id)).collect();
    assert!(
        by.contains(&("take", "legal_aid", Some(legal.id.0))) && by.contains(&("resolve", "inspector", Some(inspector.id.0))),
        "{by:?}"
    );
    let e = s.complaint_step(late.summary.id, Actor::Worker, Some(f.workers[0].1.id.0), Action::Close, None).await.expect_err("final");
    assert_eq!(e.field(), Some("action"));
    let closed = s.complaint_step(answered.summary.id, Actor::Worker, Some(f.workers[0].1.id.0), Action::Close, None).await.expect("close");
    assert_eq!(closed.summary.state, State::Closed);
    let logged = "SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind = 'complaint_step'";
    // Two deliveries, two answers, the case taken, a note, mediation, resolution, the close
    // (filings are `complaint` entries).
    assert_eq!(ctx.scalar(logged).await, 2 + 2 + 1 + 1 + 1 + 1 + 1);
    ctx.cleanup().await;
}

/// A breach counts against the platform's credit in the month its deadline fell in: one step
/// down per `credit.breaches_per_step` (1), shown beside the grade; a rerun changes nothing.
pub async fn breaches_lower_the_credit(kind: Kind) {
    let Some((ctx, _clock)) = clocked(kind, T0).await else { return };
    let f = setup(&ctx).await;
    let s = &ctx.store;
    // May 2025: all three workers earn on A and on B, all insured: 100%, grade A on both.
    let rows: Vec<String> =
        f.workers.iter().flat_map(|(_, w)| [f.a.id, f.b.id].map(|p| format!("(202505, {}, {}, 500000, 3)", w.id.0, p.0))).collect();
    ctx.sql(&format!("INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders) VALUES {}", rows.join(", "))).await;
    let may = ym("2025-05");
    let rated =
        |r: &CreditReport, p: PlatformId| r.platforms.iter().find(|x| x.platform_id == p.0).map(|x| x.rating.clone()).expect("rated");
    let before = s.credit_run(&PARAMS, may).await.expect("run");
    assert_eq!((rated(&before, f.a.id).grade, rated(&before, f.a.id).breaches), (Some(Grade::A), 0));

    let late = s.file_complaint(&PARAMS, &new(&f, vec![])).await.expect("file");
    let r = s.complaint_sla(T0 + 72 * HOUR).await.expect("sla");
    assert_eq!(r.escalated, vec![late.summary.id]);
    let after = s.credit_run(&PARAMS, may).await.expect("run after the breach");
    let a = rated(&after, f.a.id);
    assert_eq!((a.share_bp, a.grade, a.breaches, a.breach_steps, a.share_grade()), (Some(10_000), Some(Grade::B), 1, 1, Some(Grade::A)));
    assert_eq!(rated(&after, f.b.id), rated(&before, f.b.id), "B breached nothing");
    assert_eq!(after.changed, 1, "only A's rating changed");
    let logged = "SELECT CAST(COUNT(*) AS BIGINT) FROM log_entries WHERE kind = 'credit_rating'";
    let n = ctx.scalar(logged).await;
    // A rerun: the same rating, nothing written or logged.
    let again = s.credit_run(&PARAMS, may).await.expect("rerun");
    assert_eq!((again.changed, &again.platforms), (0, &after.platforms));
    assert_eq!(ctx.scalar(logged).await, n);
    // The public listing shows the count; the JSON carries it beside the contract's fields.
    let listed = s.credit_ratings().await.expect("list");
    assert_eq!(listed.iter().find(|x| x.platform_id == f.a.id.0).map(|x| (x.rating.breaches, x.rating.grade)), Some((1, Some(Grade::B))));
    let json = serde_json::to_value(&again).expect("json");
    let pa = json["platforms"].as_array().expect("platforms").iter().find(|p| p["platform_id"] == f.a.id.0).expect("A").clone();
    for k in ["active", "insured", "share_bp", "grade", "sanctioned"] {
        assert!(pa.get(k).is_some(), "{k} missing: {pa}");
    }
    assert_eq!((pa["breaches"].as_i64(), pa["grade"].as_str()), (Some(1), Some("B")));
    // A second breach in the month: another step down.
    s.file_complaint(&PARAMS, &new(&f, vec![])).await.expect("file again");
    s.complaint_sla(T0 + 80 * HOUR).await.expect("sla");
    let two = s.credit_run(&PARAMS, may).await.expect("run");
    assert_eq!((rated(&two, f.a.id).grade, rated(&two, f.a.id).breaches), (Some(Grade::C), 2));
    // June's rating does not count May's breaches.
    let june = s.credit_run(&PARAMS, ym("2025-06")).await.expect("june");
    assert_eq!(rated(&june, f.a.id).breaches, 0);
    // The platform's history and notices see the share: A never fell under the floor.
    let h = s.credit_history(f.a.id).await.expect("history");
    assert_eq!(h.iter().find(|m| m.month == may).map(|m| m.rating.breaches), Some(2));
    assert!(s.credit_notices(&PARAMS, f.a.id).await.expect("notices").is_empty());
    ctx.cleanup().await;
}

pub async fn refusals(kind: Kind) {
    let Some((ctx, _clock)) = clocked(kind, T0).await else { return };
    let f = setup(&ctx).await;
    let s = &ctx.store;
    let field = |e: StoreError| (e.field().map(str::to_string), e.to_string());
    let big = NewUpload { name: "big.jpg".into(), bytes: [JPEG.to_vec(), vec![0; 5 * 1024 * 1024]].concat() };
    let (fld, msg) = field(s.file_complaint(&PARAMS, &new(&f, vec![big])).await.expect_err("too big"));
    assert!(fld.as_deref() == Some("uploads") && msg.contains("at most"), "{msg}");
    let fake = NewUpload { name: "photo.png".into(), bytes: b"MZ\x90\0program".to_vec() };
    let (_, msg) = field(s.file_complaint(&PARAMS, &new(&f, vec![fake])).await.expect_err("not what its name says"));
    assert!(msg.contains("'photo.png' is named as image/png but its content is something else"), "{msg}");
    let many = (0..=MAX_UPLOADS).map(|_| photo()).collect();
    let (_, msg) = field(s.file_complaint(&PARAMS, &new(&f, many)).await.expect_err("too many"));
    assert!(msg.contains("at most 6 files"), "{msg}");
    assert_eq!(ctx.scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM complaints").await, 0, "nothing stored");
    let c = s.file_complaint(&PARAMS, &new(&f, vec![])).await.expect("file");
    // Another worker cannot close it; another platform cannot see or answer it.
    let other = f.workers[1].1.id.0;
    assert!(matches!(
        s.complaint_step(c.summary.id, Actor::Worker, Some(other), Action::Close, None).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.complaint_step(c.summary.id, Actor::Platform, Some(f.b.id.0), Action::Respond, Some("x")).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.platform_complaints(f.b.id).await.expect("b").is_empty());
    assert_eq!(s.platform_complaints(f.a.id).await.expect("a").len(), 1);
    assert!(s.worker_complaints(f.workers[1].1.id).await.expect("other").is_empty());
    // Only the platform answers; an empty answer is refused.
    assert!(s.complaint_step(c.summary.id, Actor::Worker, Some(f.workers[0].1.id.0), Action::Respond, Some("x")).await.is_err());
    assert!(s.complaint_step(c.summary.id, Actor::Platform, Some(f.a.id.0), Action::Respond, Some("  ")).await.is_err());
    ctx.cleanup().await;
}

mod sqlite {
    use crate::common::Kind;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn package_seals_and_names_what_changed() {
        crate::package_seals_and_names_what_changed(Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deadline_escalates_exactly_once() {
        crate::deadline_escalates_exactly_once(Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals() {
        crate::refusals(Kind::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn breaches_lower_the_credit() {
        crate::breaches_lower_the_credit(Kind::Sqlite).await;
    }
}

mod postgres {
    use crate::common::Kind;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn package_seals_and_names_what_changed() {
        crate::package_seals_and_names_what_changed(Kind::Postgres).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deadline_escalates_exactly_once() {
        crate::deadline_escalates_exactly_once(Kind::Postgres).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refusals() {
        crate::refusals(Kind::Postgres).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn breaches_lower_the_credit() {
        crate::breaches_lower_the_credit(Kind::Postgres).await;
    }
}
