//! The union on the phone over HTTP, on both backends: a stranger gets no page; a worker joins
//! (once, with the session's CSRF token), asks for a service, sees it and withdraws it; bad
//! words are refused in plain words with nothing stored; another worker sees none of it and
//! cannot withdraw it; a GET writes nothing; other roles are refused.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_store::WorkerId;
use flexpension_store::people::Scope;
use harness::{Kind, Server, hidden};

const PASSWORD: &str = "correct horse 42";
const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

fn member(s: &Server) -> bool {
    s.block_on(s.store.union_membership(WorkerId(1))).expect("membership").is_some()
}

fn requests(s: &Server) -> usize {
    s.block_on(s.store.worker_union_requests(WorkerId(1))).expect("requests").len()
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, 2) else { return };
    s.block_on(async {
        add_person(&s.store, "13800000000", PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("worker a");
        add_person(&s.store, "worker.b", PASSWORD, &Scope::Worker(WorkerId(2))).await.expect("worker b");
        add_person(&s.store, "officer.zj", PASSWORD, &Scope::Region("zj".into())).await.expect("officer");
        add_person(&s.store, "legal.zj", PASSWORD, &Scope::LegalAid("zj".into())).await.expect("legal aid");
        s.store.add_region("ah", "安徽省").await.expect("a second region");
        add_person(&s.store, "legal.ah", PASSWORD, &Scope::LegalAid("ah".into())).await.expect("legal aid elsewhere");
    });
    // A stranger: refused, nothing of anyone's.
    let r = s.send("GET", "/me/union", &[], "");
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(s.send("POST", "/me/union/join", &[FORM], "csrf=x").status, 401);

    let a = s.login("13800000000", PASSWORD);
    assert!(s.send("GET", "/me", &[("cookie", &a)], "").body.contains("/me/union"), "the worker's page links to it");
    let page = s.send("GET", "/me/union", &[("cookie", &a)], "");
    assert!(page.status == 200 && page.body.contains("id=\"union-join\"") && page.body.contains("法律援助"), "{}", page.body);
    s.send("GET", "/me/union?lang=en&done=join", &[("cookie", &a)], "");
    assert!(!member(&s), "a GET writes nothing");
    let csrf = hidden(&page.body, "csrf");

    // A stale form is refused; a good one joins, and a second press changes nothing.
    assert_eq!(s.send("POST", "/me/union/join", &[("cookie", &a), FORM], "csrf=0000&lang=zh").status, 403);
    assert!(!member(&s));
    let form = format!("csrf={csrf}&lang=zh");
    let r = s.send("POST", "/me/union/join", &[("cookie", &a), FORM], &form);
    assert_eq!((r.status, r.header("location")), (303, Some("/me/union?lang=zh&done=join")), "{}", r.body);
    assert_eq!(s.send("POST", "/me/union/join", &[("cookie", &a), FORM], &form).status, 303);
    assert!(member(&s), "joined");
    let page = s.send("GET", "/me/union?lang=zh&done=join", &[("cookie", &a)], "");
    assert!(page.body.contains("data-member=\"yes\"") && page.body.contains("你已加入工会"), "{}", page.body);

    // Empty words and a made-up service: refused in plain words, nothing stored.
    let r = s.send("POST", "/me/union/requests", &[("cookie", &a), FORM], format!("{form}&service=legal_aid&text=+"));
    assert!(r.status == 422 && r.body.contains("请写几句你的情况"), "{}", r.body);
    let r = s.send("POST", "/me/union/requests", &[("cookie", &a), FORM], format!("{form}&service=loans&text=money"));
    assert!(r.status == 422 && r.body.contains("请从列表里选一种帮助"), "{}", r.body);
    assert_eq!(requests(&s), 0);

    let r = s.send(
        "POST",
        "/me/union/requests",
        &[("cookie", &a), FORM],
        format!("{form}&service=legal_aid&text=%E5%B9%B3%E5%8F%B0%E5%B0%81%E5%8F%B7"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = s.send("GET", "/me/union", &[("cookie", &a)], "");
    assert!(page.body.contains("平台封号") && page.body.contains("data-state=\"requested\""), "{}", page.body);
    let id: i64 = s.block_on(s.store.worker_union_requests(WorkerId(1))).expect("mine")[0].id;

    // Another worker sees nothing of it and cannot withdraw it.
    let b = s.login("worker.b", PASSWORD);
    let theirs = s.send("GET", "/me/union", &[("cookie", &b)], "");
    assert!(theirs.status == 200 && !theirs.body.contains("平台封号") && theirs.body.contains("data-member=\"no\""), "{}", theirs.body);
    let b_form = format!("csrf={}&lang=zh", hidden(&theirs.body, "csrf"));
    assert_eq!(s.send("POST", &format!("/me/union/requests/{id}/close"), &[("cookie", &b), FORM], &b_form).status, 404);
    // Other roles do not have this page.
    let o = s.login("officer.zj", PASSWORD);
    assert_eq!(s.send("GET", "/me/union", &[("cookie", &o)], "").status, 403);

    // The worker withdraws their own; then leaves.
    assert_eq!(s.send("POST", &format!("/me/union/requests/{id}/close"), &[("cookie", &a), FORM], &form).status, 303);
    assert!(s.send("GET", "/me/union", &[("cookie", &a)], "").body.contains("data-state=\"closed\""));
    assert_eq!(s.send("POST", &format!("/me/union/requests/{id}/close"), &[("cookie", &a), FORM], &form).status, 422, "closed already");

    // The union's desk (legal aid of the worker's region): the queue shows no words; opening one
    // shows them and is in the access log; it is taken on and answered, and the worker reads it.
    let r = s.send(
        "POST",
        "/me/union/requests",
        &[("cookie", &a), FORM],
        format!("{form}&service=skills&text=%E6%83%B3%E5%AD%A6%E4%BF%AE%E8%BD%A6"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let id2 = s.block_on(s.store.worker_union_requests(WorkerId(1))).expect("mine")[0].id;
    let l = s.login("legal.zj", PASSWORD);
    let q = s.send("GET", "/legal-aid/union", &[("cookie", &l)], "");
    assert!(q.status == 200 && q.body.contains(&format!("data-request=\"{id2}\"")) && !q.body.contains("想学修车"), "{}", q.body);
    assert_eq!(s.send("GET", "/legal-aid/union", &[("cookie", &a)], "").status, 403, "not a worker's page");
    assert_eq!(s.send("GET", "/legal-aid/union", &[("cookie", &o)], "").status, 403, "not an officer's page");
    let elsewhere = s.login("legal.ah", PASSWORD);
    assert_eq!(s.send("GET", &format!("/legal-aid/union/{id2}"), &[("cookie", &elsewhere)], "").status, 404);
    let case = s.send("GET", &format!("/legal-aid/union/{id2}"), &[("cookie", &l)], "");
    assert!(case.status == 200 && case.body.contains("想学修车") && case.body.contains("id=\"step-take\""), "{}", case.body);
    let seen = s.block_on(s.store.accesses(WorkerId(1), 10)).expect("accesses");
    assert!(format!("{seen:?}").contains("union_request"), "{seen:?}");
    let desk = format!("csrf={}&lang=zh", hidden(&case.body, "csrf"));
    let path = format!("/legal-aid/union/{id2}");
    assert_eq!(s.send("POST", &path, &[("cookie", &l), FORM], "csrf=0000&lang=zh&action=take").status, 403);
    assert_eq!(s.send("POST", &path, &[("cookie", &l), FORM], format!("{desk}&action=take")).status, 303);
    let r = s.send("POST", &path, &[("cookie", &l), FORM], format!("{desk}&action=answer&text=+"));
    assert!(r.status == 422 && r.body.contains("请写给会员的答复"), "{}", r.body);
    let r = s.send("POST", &path, &[("cookie", &l), FORM], format!("{desk}&action=answer&text=%E5%91%A8%E4%B8%89%E6%9C%89%E8%AF%BE"));
    assert_eq!(r.status, 303, "{}", r.body);
    let mine = s.send("GET", "/me/union", &[("cookie", &a)], "");
    assert!(mine.body.contains("周三有课") && mine.body.contains("data-state=\"done\""), "{}", mine.body);

    assert_eq!(s.send("POST", "/me/union/leave", &[("cookie", &a), FORM], &form).status, 303);
    assert!(s.send("GET", "/me/union", &[("cookie", &a)], "").body.contains("data-member=\"no\""));
}

#[test]
fn union_over_http_sqlite() {
    case(Kind::Sqlite);
}

#[test]
fn union_over_http_postgres() {
    case(Kind::Postgres);
}
