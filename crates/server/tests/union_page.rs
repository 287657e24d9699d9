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
