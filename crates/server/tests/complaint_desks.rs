//! The complaint desks of labour inspection and union legal aid on both backends: each sees
//! the queue of its own region (overdue first) and not another region's complaints; inspection
//! mediates and settles with reasons, legal aid takes the case on and notes; every opening and
//! download is in the access log; workers, platforms, officers and strangers get nothing; the
//! new roles can be bootstrapped and land on their desk after logging in.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_rules::Params;
use flexpension_rules::complaint::{Action, Actor, Kind as CKind};
use flexpension_server::people::{add_person, bootstrap};
use flexpension_store::people::Scope;
use flexpension_store::{NewComplaint, NewGrid, NewWorker, PlatformId, WorkerId};
use harness::{Kind, Reply, Server, csv, enc, hidden};

const PASSWORD: &str = "correct horse 42";

mod sqlite {
    use super::harness::Kind;

    #[test]
    fn desks_see_their_region_and_take_their_steps() {
        super::case(Kind::Sqlite);
    }
}

mod postgres {
    use super::harness::Kind;

    #[test]
    fn desks_see_their_region_and_take_their_steps() {
        super::case(Kind::Postgres);
    }
}

fn file(s: &Server, worker: WorkerId, platform: PlatformId, text: &str) -> i64 {
    let params = Params::embedded().expect("params");
    let c = NewComplaint {
        worker,
        platform,
        kind: CKind::UnpaidOrders,
        months: vec!["2025-09".parse().expect("month")],
        text: text.into(),
        uploads: vec![],
    };
    s.block_on(s.store.file_complaint(&params, &c)).expect("file").summary.id
}

fn post(s: &Server, cookie: &str, path: &str, form: &[(&str, &str)]) -> Reply {
    let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
    s.send("POST", path, &[("cookie", cookie), ("content-type", "application/x-www-form-urlencoded")], body.join("&"))
}

/// The `data-complaint` ids of a queue page, in order.
fn queue_ids(body: &str) -> Vec<i64> {
    body.split("<tr data-complaint=\"").skip(1).filter_map(|r| r.split('"').next()?.parse().ok()).collect()
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, 3) else { return };
    // A second region with one worker.
    let ah = s.block_on(async {
        s.store.add_region("ah", "安徽省").await.expect("region");
        s.store.add_grid(&NewGrid { code: "ah1".into(), name: "网格ah1".into(), region: "ah".into() }).await.expect("grid");
        let w = NewWorker {
            id_number: flexpension_testkit::worker_id(77, 1985..1986),
            name: flexpension_testkit::worker_name(77),
            phone: flexpension_testkit::phone(77),
            hukou_region: "ah".into(),
            home_grid: "ah1".into(),
        };
        s.store.add_worker(&w).await.expect("worker").id
    });
    let t = "2025-09-10T12:00:00+08:00";
    assert_eq!(s.csv(&s.key_a, &csv(&[["d1", &s.ids[0], "120.00", t, "instant_delivery", "g1"]])).status, 200);
    // Two complaints in zj (the older one answered, the newer left past its deadline), one in ah.
    let fresh = file(&s, WorkerId(1), s.a.id, "九月有一单没结算");
    let late = file(&s, WorkerId(2), s.a.id, "账号被封");
    let far = file(&s, ah, s.a.id, "安徽的投诉");
    let answer = s.store.complaint_step(fresh, Actor::Platform, Some(s.a.id.0), Action::Respond, Some("正在核实"));
    s.block_on(answer).expect("answer");
    let due = s.block_on(s.store.complaint(late)).expect("read").expect("late").summary.due_at_us;
    assert_eq!(s.block_on(s.store.complaint_sla(due)).expect("sla").escalated, vec![late]);
    s.block_on(s.store.log_integrate()).expect("integrate");

    s.block_on(async {
        add_person(&s.store, "inspect.zj", PASSWORD, &Scope::Inspection("zj".into())).await.expect("inspector");
        add_person(&s.store, "worker.a", PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("worker");
        add_person(&s.store, "staff.a", PASSWORD, &Scope::Platform(s.a.id)).await.expect("staff");
        add_person(&s.store, "officer.zj", PASSWORD, &Scope::Region("zj".into())).await.expect("officer");
    });
    // The new roles through the bootstrap, as a deployment makes them.
    let made = s.block_on(bootstrap(&s.store, &format!("legal_aid:zj:legal.zj:{PASSWORD}; inspector:ah:inspect.ah:{PASSWORD}")));
    assert_eq!(made.expect("bootstrap"), 2);
    assert!(s.block_on(bootstrap(&s.store, &format!("legal_aid:nowhere:legal.x:{PASSWORD}"))).is_err(), "an unknown region");

    // Each lands on its desk.
    let landing = s.try_login("inspect.zj", PASSWORD);
    assert_eq!(landing.header("location"), Some("/inspection/complaints"));
    assert_eq!(s.try_login("legal.zj", PASSWORD).header("location"), Some("/legal-aid/complaints"));
    let (ins, legal, ins_ah) = (s.login("inspect.zj", PASSWORD), s.login("legal.zj", PASSWORD), s.login("inspect.ah", PASSWORD));

    // The queues: the region's open complaints, overdue first; not another region's.
    let q = s.send("GET", "/inspection/complaints", &[("cookie", &ins)], "");
    assert_eq!(q.status, 200, "{}", q.body);
    assert_eq!(queue_ids(&q.body), vec![late, fresh], "{}", q.body);
    assert!(q.body.contains("class=\"overdue\"") && q.body.contains("劳动监察") && !q.body.contains(&s.ids[0]), "{}", q.body);
    let lq = s.send("GET", "/legal-aid/complaints?lang=en", &[("cookie", &legal)], "");
    assert_eq!((lq.status, queue_ids(&lq.body)), (200, vec![late, fresh]), "{}", lq.body);
    assert!(lq.body.contains("Union legal aid"), "{}", lq.body);
    let aq = s.send("GET", "/inspection/complaints", &[("cookie", &ins_ah)], "");
    assert_eq!(queue_ids(&aq.body), vec![far]);
    for (cookie, path) in [(&ins, format!("/inspection/complaints/{far}")), (&ins_ah, format!("/inspection/complaints/{late}"))] {
        assert_eq!(s.send("GET", &path, &[("cookie", cookie)], "").status, 404, "{path}: another region's");
        assert_eq!(s.send("GET", &format!("{path}/package.json"), &[("cookie", cookie)], "").status, 404);
    }
    assert_eq!(s.send("GET", &format!("/legal-aid/complaints/{far}"), &[("cookie", &legal)], "").status, 404);

    // Nobody else reaches the desks: other roles 403, strangers 401.
    let (worker, staff, officer) = (s.login("worker.a", PASSWORD), s.login("staff.a", PASSWORD), s.login("officer.zj", PASSWORD));
    let desk_paths = [
        "/inspection/complaints".to_string(),
        format!("/inspection/complaints/{late}"),
        format!("/inspection/complaints/{late}/package.json"),
        "/legal-aid/complaints".to_string(),
        format!("/legal-aid/complaints/{late}"),
        format!("/legal-aid/complaints/{late}/package.json"),
    ];
    for p in &desk_paths {
        for c in [&worker, &staff, &officer] {
            assert_eq!(s.send("GET", p, &[("cookie", c)], "").status, 403, "{p}");
        }
        let stranger = s.send("GET", p, &[], "");
        assert_eq!(stranger.status, 401, "{p}");
        assert!(!stranger.body.contains("账号被封"), "{p}");
    }
    assert_eq!(s.send("GET", &format!("/legal-aid/complaints/{late}"), &[("cookie", &ins)], "").status, 403, "inspection is not legal aid");
    assert_eq!(s.send("GET", "/inspection/complaints", &[("cookie", &legal)], "").status, 403);
    assert_eq!(post(&s, &worker, &format!("/inspection/complaints/{late}"), &[("action", "mediate")]).status, 403);
    assert_eq!(s.send("POST", &format!("/legal-aid/complaints/{late}"), &[], "action=take").status, 401);

    // One complaint: the worker's words and name, the steps the desk may take; the opening is
    // in the access log, with the complaint as the reason.
    let page = s.send("GET", &format!("/inspection/complaints/{late}"), &[("cookie", &ins)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let name = flexpension_testkit::worker_name(1);
    assert!(page.body.contains("账号被封") && page.body.contains(&name) && page.body.contains("已超时"), "{}", page.body);
    assert!(page.body.contains("id=\"step-mediate\"") && page.body.contains("id=\"step-resolve\"") && !page.body.contains("step-take"));
    let csrf = hidden(&page.body, "csrf");
    let seen = s.block_on(s.store.accesses(WorkerId(2), 10)).expect("accesses");
    assert!(
        seen.iter()
            .any(|a| a.login == "inspect.zj" && a.role == "inspector" && a.what == "complaint" && a.why == format!("complaint {late}")),
        "{seen:?}"
    );
    let lpage = s.send("GET", &format!("/legal-aid/complaints/{late}"), &[("cookie", &legal)], "");
    assert!(lpage.body.contains("id=\"step-take\"") && lpage.body.contains("id=\"step-note\"") && !lpage.body.contains("step-mediate"));
    let lcsrf = hidden(&lpage.body, "csrf");

    // Steps: a stale form is refused; legal aid takes the case on once and notes; inspection
    // mediates and settles with its reasons; a desk cannot take the other's step.
    let at = |desk: &str| format!("/{desk}/complaints/{late}");
    assert_eq!(post(&s, &ins, &at("inspection"), &[("csrf", "0000"), ("action", "mediate")]).status, 403);
    let took = post(&s, &legal, &at("legal-aid"), &[("csrf", &lcsrf), ("action", "take")]);
    assert_eq!(took.status, 303, "{}", took.body);
    assert_eq!(took.header("location"), Some(format!("/legal-aid/complaints/{late}?lang=zh").as_str()));
    let again = post(&s, &legal, &at("legal-aid"), &[("csrf", &lcsrf), ("action", "take")]);
    assert_eq!(again.status, 422, "{}", again.body);
    let empty = post(&s, &legal, &at("legal-aid"), &[("csrf", &lcsrf), ("action", "note"), ("text", " ")]);
    assert!(empty.status == 422 && empty.body.contains("请写明理由或记录的内容"), "{}", empty.body);
    assert_eq!(post(&s, &legal, &at("legal-aid"), &[("csrf", &lcsrf), ("action", "mediate")]).status, 422);
    assert_eq!(post(&s, &legal, &at("legal-aid"), &[("csrf", &lcsrf), ("action", "note"), ("text", "已约劳动者面谈")]).status, 303);
    assert_eq!(post(&s, &ins, &at("inspection"), &[("csrf", &csrf), ("action", "take")]).status, 422);
    assert_eq!(post(&s, &ins_ah, &at("inspection"), &[("csrf", &hidden(&aq.body, "csrf")), ("action", "mediate")]).status, 404);
    assert_eq!(post(&s, &ins, &at("inspection"), &[("csrf", &csrf), ("action", "mediate")]).status, 303);
    let no_reasons = post(&s, &ins, &at("inspection"), &[("csrf", &csrf), ("action", "resolve"), ("outcome", "upheld")]);
    assert_eq!(no_reasons.status, 422);
    let settled = post(
        &s,
        &ins,
        &at("inspection"),
        &[("csrf", &csrf), ("action", "resolve"), ("outcome", "partly_upheld"), ("text", "平台补发一半")],
    );
    assert_eq!(settled.status, 303, "{}", settled.body);
    let c = s.block_on(s.store.complaint(late)).expect("read").expect("late");
    let steps: Vec<(&str, &str)> = c.steps.iter().map(|st| (st.action.as_str(), st.actor.as_str())).collect();
    assert!(
        steps.ends_with(&[("take", "legal_aid"), ("note", "legal_aid"), ("mediate", "inspector"), ("resolve", "inspector")]),
        "{steps:?}"
    );
    // Settled: off the queue; the worker sees the note and the reasons.
    let q = s.send("GET", "/inspection/complaints", &[("cookie", &ins)], "");
    assert_eq!(queue_ids(&q.body), vec![fresh]);
    s.block_on(add_person(&s.store, "worker.b", PASSWORD, &Scope::Worker(WorkerId(2)))).expect("worker b");
    let wb = s.login("worker.b", PASSWORD);
    let mine = s.send("GET", &format!("/me/complaints/{late}"), &[("cookie", &wb)], "");
    assert!(mine.body.contains("已约劳动者面谈") && mine.body.contains("平台补发一半") && mine.body.contains("工会法律援助接手了你的事"));

    // The package as data: it verifies offline, and the download is in the access log.
    let pkg = s.send("GET", &format!("/legal-aid/complaints/{fresh}/package.json"), &[("cookie", &legal)], "");
    assert_eq!(pkg.status, 200, "{}", pkg.body);
    let pkg: flexpension_store::EvidencePackage = serde_json::from_slice(&pkg.bytes).expect("package");
    let opts = flexpension_store::log::VerifyOptions { log_key: s.store.log_keys().verifier_key(), ..Default::default() };
    let r = flexpension_store::verify_package(&pkg, &opts);
    assert!(r.ok() && pkg.complaint.id == fresh, "{}", r.to_text());
    let seen = s.block_on(s.store.accesses(WorkerId(1), 10)).expect("accesses");
    assert!(seen.iter().any(|a| a.login == "legal.zj" && a.what == "complaint_package"), "{seen:?}");
    // The officer keeps the whole list and its packages.
    let oq = s.send("GET", "/officer/complaints", &[("cookie", &officer)], "");
    assert!(oq.status == 200 && queue_ids(&oq.body).contains(&far) && queue_ids(&oq.body).contains(&fresh), "{}", oq.body);
}
