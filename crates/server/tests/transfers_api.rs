//! The worker's transfer application and tracker (`/me/transfers`) and the officers' queue
//! (`/officer/transfers`), on both backends: who may call them, the answers, the refusals, no
//! resident ID in clear. The steps between agencies are the store's and the CLI's tests.
//!
//! The shipped holiday calendars end with 2026 and a transfer's deadlines reach weeks ahead, so
//! the server runs with the shipped parameters plus a Monday-to-Friday test calendar for 2027
//! and 2028 (test data).

#[path = "platform/harness.rs"]
mod harness;

use flexpension_rules::Params;
use flexpension_server::AppState;
use flexpension_server::people::add_person;
use flexpension_store::people::Scope;
use flexpension_store::{NewPeer, WorkerId};
use harness::{Server, enc, hidden};
use std::sync::Arc;

const PASSWORD: &str = "correct horse 42";

/// The shipped parameters with test holiday calendars for the years the transfer's deadlines
/// fall in.
fn test_params() -> Params {
    flexpension_testkit::params::with_test_calendars().expect("test parameters")
}

fn start(kind: harness::Kind) -> Option<Server> {
    Server::start_with(kind, 3, |_, store, _| AppState::new(Arc::new(test_params())).with_store(store.clone()))
}

fn json(r: &harness::Reply) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

fn apply_track_and_queue(s: &Server) {
    s.block_on(async {
        for (login, scope) in
            [("worker.a", Scope::Worker(WorkerId(1))), ("worker.b", Scope::Worker(WorkerId(2))), ("officer.zj", Scope::Region("zj".into()))]
        {
            add_person(&s.store, login, PASSWORD, &scope).await.expect("person");
        }
        let ah = NewPeer { code: "ah".into(), url: "http://127.0.0.1:9".into(), verifier_key: s.store.log_keys().verifier_key() };
        s.store.add_peer("zj", &ah, false).await.expect("peer");
    });
    let (w, o) = (s.login("worker.a", PASSWORD), s.login("officer.zj", PASSWORD));
    let path = "/api/v1/me/transfers";
    let post = |cookie: &str, body: serde_json::Value| {
        s.send("POST", path, &[("cookie", cookie), ("content-type", "application/json")], body.to_string())
    };
    let own = s.ids[0].clone();
    // Strangers and other roles.
    assert_eq!(s.send("GET", path, &[], "").status, 401);
    assert_eq!(post("", serde_json::json!({"from": "ah", "id_number": own})).status, 401);
    assert_eq!(s.send("GET", "/api/v1/officer/transfers", &[("cookie", &w)], "").status, 403);
    assert_eq!(post(&o, serde_json::json!({"from": "ah", "id_number": own})).status, 403);
    // Refusals, nothing written.
    let r = post(&w, serde_json::json!({"from": "ah", "id_number": s.ids[1]}));
    assert_eq!((r.status, json(&r)["field"].as_str()), (422, Some("id_number")), "another's ID number: {}", r.body);
    assert!(!r.body.contains(&s.ids[1]));
    let r = post(&w, serde_json::json!({"from": "js", "id_number": own}));
    assert_eq!(r.status, 404, "no such peer: {}", r.body);
    let r = post(&w, serde_json::json!({"from": "zj", "id_number": own}));
    assert_eq!(r.status, 422, "the own region: {}", r.body);
    assert_eq!(post(&w, serde_json::json!({"from": "ah"})).status, 400);
    let r = s.send("POST", path, &[("cookie", &w), ("content-type", "text/plain")], "{}");
    assert_eq!(r.status, 415);
    // The preview: a stranger, another's ID, then the peer here does not listen: 503, nothing stored.
    let quote = "/api/v1/me/transfers/quote";
    let ask = |cookie: &str, body: serde_json::Value| {
        s.send("POST", quote, &[("cookie", cookie), ("content-type", "application/json")], body.to_string())
    };
    assert_eq!(ask("", serde_json::json!({"from": "ah", "id_number": own})).status, 401);
    assert_eq!(ask(&o, serde_json::json!({"from": "ah", "id_number": own})).status, 403);
    assert_eq!(ask(&w, serde_json::json!({"from": "ah", "id_number": s.ids[1]})).status, 422);
    assert_eq!(ask(&w, serde_json::json!({"from": "js", "id_number": own})).status, 404);
    let r = ask(&w, serde_json::json!({"from": "ah", "id_number": own}));
    assert_eq!((r.status, json(&r)["error"].as_str()), (503, Some("peer_unavailable")), "{}", r.body);
    assert!(s.block_on(s.store.agency_outbox()).expect("outbox").is_empty(), "a quote sends nothing through the outbox");
    // The agency endpoint: a stranger's unsigned text is refused, as a message would be.
    let r = s.send("POST", "/api/v1/agency/quote", &[("content-type", "application/json")], r#"{"message":"hello"}"#);
    assert_eq!(r.status, 400, "{}", r.body);
    let v = json(&s.send("GET", path, &[("cookie", &w)], ""));
    assert_eq!(v["transfers"], serde_json::json!([]), "{v}");

    // Applied once; the same again gives it back.
    let r = post(&w, serde_json::json!({"from": "ah", "id_number": own}));
    assert_eq!(r.status, 201, "{}", r.body);
    let t = json(&r);
    assert_eq!((t["state"].as_str(), t["direction"].as_str(), t["peer"].as_str()), (Some("applied"), Some("in"), Some("ah")), "{t}");
    assert!(t["due"].is_string() && t["deadlines"]["completion_due"].is_string(), "{t}");
    let again = post(&w, serde_json::json!({"from": "ah", "id_number": own}));
    assert_eq!((again.status, json(&again)["id"].clone()), (200, t["id"].clone()));
    // The tracker and the queue.
    let mine = s.send("GET", path, &[("cookie", &w)], "");
    let v = json(&mine);
    assert_eq!(v["transfers"][0]["id"], t["id"], "{v}");
    assert_eq!(v["counted"]["months"], 0, "{v}");
    let q = s.send("GET", "/api/v1/officer/transfers", &[("cookie", &o)], "");
    let v = json(&q);
    assert_eq!((v[0]["id"].clone(), v[0]["overdue"].as_bool()), (t["id"].clone(), Some(false)), "{v}");
    for body in [&r.body, &mine.body, &q.body] {
        for id in &s.ids {
            assert!(!body.contains(id.as_str()), "a resident ID in clear: {body}");
        }
    }
    // The worker's page shows the steps with their statutory deadlines, in both languages.
    let due = t["deadlines"]["handover_due"].as_str().expect("date").to_string();
    let page = s.send("GET", "/me", &[("cookie", &w)], "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"transfers\"") && page.body.contains("从安徽省转到这里"), "{}", page.body);
    assert!(page.body.contains(&format!("法定最晚 {due}")) && page.body.contains("办理中"), "{}", page.body);
    let page = s.send("GET", "/me?lang=en", &[("cookie", &w)], "");
    assert!(page.body.contains("From Anhui") && page.body.contains(&format!("by {due} at the latest")), "{}", page.body);
    assert!(!page.body.contains(&own), "no resident ID in clear");
    // Worker B's one button on the page: the session's token, the region left, the own ID.
    let b = s.login("worker.b", PASSWORD);
    let page = s.send("GET", "/me", &[("cookie", &b)], "");
    assert!(page.body.contains("id=\"transfer-see\"") && page.body.contains("<option value=\"ah\">安徽省</option>"), "{}", page.body);
    let csrf = hidden(&page.body, "csrf");
    let post = |path: &str, token: &str, idn: &str| {
        let body = format!("csrf={}&lang=zh&from=ah&id_number={}", enc(token), enc(idn));
        s.send("POST", path, &[("cookie", &b), ("content-type", "application/x-www-form-urlencoded")], body)
    };
    let form = |token: &str, idn: &str| post("/me/transfer", token, idn);
    // The preview first. The peer here does not listen: the page says the amounts cannot be
    // shown now and still offers to apply; nothing is stored.
    assert_eq!(post("/me/transfer/preview", "wrong", &s.ids[1]).status, 403, "without the session's token");
    assert_eq!(post("/me/transfer/preview", &csrf, &own).status, 422, "another's ID number");
    let p = post("/me/transfer/preview", &csrf, &s.ids[1]);
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("id=\"preview-unknown\"") && p.body.contains("id=\"transfer-apply\""), "{}", p.body);
    assert!(p.body.contains("安徽省") && !p.body.contains("id=\"preview-figures\""), "{}", p.body);
    assert_eq!(s.block_on(s.store.agency_outbox()).expect("outbox").len(), 1, "a preview sends no message");
    assert!(!p.body.contains(&s.ids[1]) && p.body.contains("name=\"sealed\""), "the confirm form holds the ID sealed, not in clear");
    let sealed = hidden(&p.body, "sealed");
    let tampered = format!(
        "csrf={}&lang=zh&from=ah&sealed={}",
        enc(&csrf),
        enc(&format!("{}{}{}", &sealed[..40], if &sealed[40..41] == "A" { "B" } else { "A" }, &sealed[41..]))
    );
    let r = s.send("POST", "/me/transfer", &[("cookie", &b), ("content-type", "application/x-www-form-urlencoded")], tampered);
    assert_eq!(r.status, 403, "a changed seal: {}", r.body);
    let theirs = format!("csrf={}&lang=zh&from=ah&sealed={}", enc(&csrf), enc(&sealed));
    let w_csrf = hidden(&s.send("GET", "/me", &[("cookie", &w)], "").body, "csrf");
    let theirs_w = format!("csrf={}&lang=zh&from=ah&sealed={}", enc(&w_csrf), enc(&sealed));
    let r = s.send("POST", "/me/transfer", &[("cookie", &w), ("content-type", "application/x-www-form-urlencoded")], theirs_w);
    assert_eq!(r.status, 403, "another worker's seal: {}", r.body);
    assert_eq!(s.block_on(s.store.agency_outbox()).expect("outbox").len(), 1, "nothing applied for");
    let bad = format!("csrf={}&lang=zh&from=xx&id_number={}", enc(&csrf), enc(&s.ids[1]));
    let bad = s.send("POST", "/me/transfer/preview", &[("cookie", &b), ("content-type", "application/x-www-form-urlencoded")], bad);
    assert!(bad.status == 422 && bad.body.contains("不能从这个地方转入"), "{}", bad.body);
    assert_eq!(form("wrong", &s.ids[1]).status, 403, "without the session's token");
    let wrong = form(&csrf, &own);
    assert_eq!(wrong.status, 422, "another's ID number");
    assert!(
        wrong.body.contains("id=\"transfer-problem\"")
            && wrong.body.contains("这个身份证号不是你登记的号码")
            && wrong.body.contains("aria-invalid=\"true\""),
        "the worker's page again, the problem in the form: {}",
        wrong.body
    );
    assert!(!wrong.body.contains(&own), "the ID typed is not echoed");
    // The confirm button: the sealed number applies.
    let r = s.send("POST", "/me/transfer", &[("cookie", &b), ("content-type", "application/x-www-form-urlencoded")], theirs);
    assert_eq!((r.status, r.header("location")), (303, Some("/me?lang=zh#transfers")), "{}", r.body);
    let page = s.send("GET", "/me", &[("cookie", &b)], "");
    assert!(page.body.contains("从安徽省转到这里") && !page.body.contains("id=\"transfer-see\""), "one open transfer, no second button");

    // The requests wait in the outbox for the peer.
    let out = s.block_on(s.store.agency_outbox()).expect("outbox");
    assert_eq!((out.len(), out[0].kind.as_str(), out[0].receiver.as_str()), (2, "transfer.request", "ah"));

    // The officer's queue page: both waiting for the sender, each with the refusal form.
    let tid = t["id"].as_str().expect("id").to_string();
    // No voucher yet: no PDF; another's transfer: not found either; a stranger: log in first.
    let pdf = format!("/me/transfers/{tid}/voucher.pdf");
    assert_eq!(s.send("GET", &pdf, &[("cookie", &w)], "").status, 404, "no voucher yet");
    assert_eq!(s.send("GET", &pdf, &[("cookie", &b)], "").status, 404, "another's transfer");
    assert_eq!(s.send("GET", &pdf, &[], "").status, 401);
    let page = s.send("GET", "/officer/transfers", &[("cookie", &o)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("id=\"transfer-{tid}\" data-state=\"applied\"")), "{}", page.body);
    assert!(page.body.contains(&format!("id=\"refuse-{tid}\"")) && page.body.contains("办理中 2 件"), "{}", page.body);
    for cookie in [&w, &b, &String::new()] {
        let (mine, theirs) =
            (s.send("GET", "/officer/transfers", &[("cookie", cookie)], ""), s.send("GET", "/officer/fund", &[("cookie", cookie)], ""));
        assert_eq!((mine.status, &mine.body), (theirs.status, &theirs.body), "the refusal of every officer page");
    }
    let ocsrf = hidden(&page.body, "csrf");
    let refuse = |token: &str, id: &str, reason: &str| {
        let body = format!("csrf={}&lang=zh&reason={}", enc(token), enc(reason));
        s.send(
            "POST",
            &format!("/officer/transfers/{id}/refuse"),
            &[("cookie", &o), ("content-type", "application/x-www-form-urlencoded")],
            body,
        )
    };
    assert_eq!(refuse("wrong", &tid, "登记有误").status, 403, "without the session's token");
    let blank = refuse(&ocsrf, &tid, "  ");
    assert!(blank.status == 422 && blank.body.contains("id=\"problem\"") && blank.body.contains("请写明退回理由"), "{}", blank.body);
    assert_eq!(refuse(&ocsrf, &"x".repeat(40), "登记有误").status, 404, "no such transfer");
    let r = refuse(&ocsrf, &tid, "在本地登记的身份信息有误，请到窗口核对");
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(refuse(&ocsrf, &tid, "again").status, 303, "asked twice: the same request");
    // The agency job carries it out: refused with the reason, the sender told, once.
    let params = test_params();
    s.block_on(s.store.handle_agency_messages(&params)).expect("handle");
    let done = s.block_on(s.store.transfer(&tid)).expect("read").expect("transfer");
    assert_eq!((done.state.as_str(), done.reason.as_deref()), ("refused", Some("在本地登记的身份信息有误，请到窗口核对")));
    let out = s.block_on(s.store.agency_outbox()).expect("outbox");
    assert_eq!(out.iter().filter(|m| m.kind == "transfer.refused").count(), 1, "{out:?}");
    let page = s.send("GET", "/me", &[("cookie", &w)], "");
    assert!(page.body.contains("没有办成：在本地登记的身份信息有误"), "the worker reads why: {}", page.body);
    let late = refuse(&ocsrf, &tid, "登记有误");
    assert!(late.status == 409 && late.body.contains("不能再退回"), "{}", late.body);
    let en = s.send("GET", "/officer/transfers?lang=en", &[("cookie", &o)], "");
    assert!(en.body.contains("1 in progress") && en.body.contains("Refused"), "{}", en.body);

    // The officer applies at the counter for worker C (registered here, no transfer yet): a bad
    // ID or an unknown region is named in the form (the ID never echoed), a good one applies.
    let page = s.send("GET", "/officer/transfers", &[("cookie", &o)], "");
    assert!(
        page.body.contains("id=\"transfer-apply-form\"") && page.body.contains("<option value=\"ah\">安徽省</option>"),
        "{}",
        page.body
    );
    let apply = |token: &str, from: &str, idn: &str| {
        let body = format!("csrf={}&lang=zh&from={from}&id_number={}", enc(token), enc(idn));
        s.send("POST", "/officer/transfers", &[("cookie", &o), ("content-type", "application/x-www-form-urlencoded")], body)
    };
    assert_eq!(apply("wrong", "ah", &s.ids[2]).status, 403, "without the session's token");
    let bad = apply(&ocsrf, "ah", "110101199003078515");
    assert!(bad.status == 422 && bad.body.contains("这个人还没有在本地登记") && !bad.body.contains("110101199003078515"), "{}", bad.body);
    let bad = apply(&ocsrf, "js", &s.ids[2]);
    assert!(bad.status == 422 && bad.body.contains("不能从这个地方转入") && !bad.body.contains(&s.ids[2]), "{}", bad.body);
    for cookie in [&w, &String::new()] {
        let r = s.send("POST", "/officer/transfers", &[("cookie", cookie), ("content-type", "application/x-www-form-urlencoded")], "");
        assert!(matches!(r.status, 401 | 403 | 422), "not an officer: {}", r.status);
    }
    let before = s.block_on(s.store.transfers()).expect("list").len();
    let r = apply(&ocsrf, "ah", &s.ids[2]);
    assert_eq!(r.status, 303, "{}", r.body);
    let list = s.block_on(s.store.transfers()).expect("list");
    assert_eq!(list.len(), before + 1, "one transfer applied for");
    let c = list.iter().find(|t| t.worker == Some(3)).expect("worker C's transfer");
    assert_eq!((c.state.as_str(), c.direction.as_str(), c.peer.as_str()), ("applied", "in", "ah"));
    assert!(r.header("location").is_some_and(|l| l.ends_with(&format!("#transfer-{}", c.id))), "{:?}", r.header("location"));
    // The log names the officer who applied.
    let size = s.block_on(s.store.log_integrate()).expect("integrate").size;
    let last = s.block_on(s.store.log_entries(size - 1, 1)).expect("entries");
    let text = String::from_utf8_lossy(&last[0]);
    assert!(text.contains("\"by\":\"staff\"") && text.contains("\"step\":\"applied\"") && text.contains(&c.id), "{text}");
    assert_eq!(apply(&ocsrf, "ah", &s.ids[2]).status, 303, "again: the same transfer");
    assert_eq!(s.block_on(s.store.transfers()).expect("list").len(), before + 1);
}

#[test]
fn apply_track_and_queue_sqlite() {
    if let Some(s) = start(harness::Kind::Sqlite) {
        apply_track_and_queue(&s);
    }
}

#[test]
fn apply_track_and_queue_postgres() {
    if let Some(s) = start(harness::Kind::Postgres) {
        apply_track_and_queue(&s);
    }
}
