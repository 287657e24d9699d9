//! The worker's choices page (`/me/choices`) on both backends: GET never writes; every change
//! is a POST with the session's token; refusals come back in plain words (422) with nothing
//! written; join, base, declare, deposit and paying a month from savings go through. Months are
//! counted back from today, as the server's clock is the system's.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_rules::{Params, YearMonth};
use flexpension_server::AppState;
use flexpension_server::people::add_person;
use flexpension_store::people::Scope;
use flexpension_store::{Basis, CloseOptions, NewEnrolment, Scheme, WorkerId};
use harness::{Server, enc, hidden};
use std::sync::Arc;

const PASSWORD: &str = "correct horse 42";

static PARAMS: std::sync::LazyLock<Params> = std::sync::LazyLock::new(|| Params::embedded().expect("params"));

fn start(kind: harness::Kind) -> Option<Server> {
    Server::start_with(kind, 2, |_, store, _| AppState::new(Arc::new(Params::embedded().expect("params"))).with_store(store.clone()))
}

fn this_month() -> YearMonth {
    YearMonth::of_date((chrono::Utc::now() + chrono::Duration::hours(8)).date_naive())
}

fn choices(s: &Server) {
    let now = this_month();
    let m = |n: i64| now.add_months(n).expect("month");
    s.block_on(async {
        add_person(&s.store, "worker.a", PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("person");
        let e = NewEnrolment { worker: WorkerId(1), scheme: Scheme::EmployeePension, from: m(-2), to: None, basis: Basis::PlatformIncome };
        s.store.enrol(&e).await.expect("enrol");
        let zj = PARAMS.scenario("zj", None, None).expect("zj");
        for k in [-2, -1] {
            s.store.close_month(&zj, m(k), &CloseOptions::new(now)).await.expect("close");
        }
    });
    let w = s.login("worker.a", PASSWORD);
    let get = |lang: &str| s.send("GET", &format!("/me/choices?lang={lang}"), &[("cookie", &w)], "");
    let before = s.block_on(s.store.savings_status(&PARAMS, WorkerId(1), now.year())).expect("status");
    let page = get("zh");
    assert_eq!(page.status, 200, "{}", page.body);
    for id in
        ["scheme-employee_pension", "leave-employee_pension", "join-residents_pension", "base-form", "arrears", "savings", "sustained"]
    {
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}: {}", page.body);
    }
    assert!(page.body.contains(&format!("id=\"use-{}\"", m(-2))), "the unpaid months: {}", page.body);
    let en = get("en");
    assert!(en.body.contains("Your contribution base") && en.body.contains("no late-payment surcharge"), "{}", en.body);
    assert_eq!(s.send("GET", "/me/choices", &[], "").status, 401, "a stranger sees no one's data");
    let after = s.block_on(s.store.savings_status(&PARAMS, WorkerId(1), now.year())).expect("status");
    assert_eq!(before, after, "GET writes nothing");

    let csrf = hidden(&page.body, "csrf");
    let post = |token: &str, fields: &str| {
        let body = format!("csrf={}&lang=zh&{fields}", enc(token));
        s.send("POST", "/me/choices", &[("cookie", &w), ("content-type", "application/x-www-form-urlencoded")], body)
    };
    assert_eq!(post("wrong", "action=base&base_yuan=8000").status, 403, "without the session's token");
    let r = post(&csrf, "action=base&base_yuan=1");
    assert_eq!(r.status, 422);
    assert!(r.body.contains("基数要在"), "{}", r.body);
    let r = post(&csrf, "action=base&base_yuan=8000");
    assert_eq!((r.status, r.header("location")), (303, Some("/me/choices?lang=zh&done=base")), "{}", r.body);
    let page = get("zh");
    assert!(page.body.contains("按8,000.00元的基数"), "the estimate at the chosen base: {}", page.body);
    let r = post(&csrf, "action=join&scheme=residents_pension");
    assert_eq!(r.status, 422);
    assert!(r.body.contains("只能参加一种"), "{}", r.body);
    assert_eq!(post(&csrf, "action=join&scheme=medical").status, 303);
    assert!(get("zh").body.contains("id=\"leave-medical\""));

    // Savings: declare, over the room refused, deposit, pay the unpaid months from it.
    let me = || s.send("GET", "/me?lang=zh", &[("cookie", &w)], "");
    assert!(!me().body.contains("id=\"savings-line\""), "no account, no line");
    assert_eq!(post(&csrf, "action=declare&amount_yuan=50000").status, 303);
    let r = post(&csrf, "action=deposit&amount_yuan=20000");
    assert_eq!(r.status, 422);
    assert!(r.body.contains("还能存10,000.00元"), "{}", r.body);
    assert_eq!(post(&csrf, "action=deposit&amount_yuan=5000").status, 303);
    let page = me();
    assert!(page.body.contains("id=\"savings-line\"") && page.body.contains("养老储蓄账户余额5,000.00元"), "{}", page.body);
    assert_eq!(post(&csrf, &format!("action=use&month={}", m(0))).status, 422, "not owed");
    let r = post(&csrf, &format!("action=use&month={}", m(-1)));
    assert_eq!(r.status, 303, "{}", r.body);
    let page = get("zh");
    assert!(page.body.contains("没有欠缴的月份") && page.body.contains("id=\"savings-history\""), "{}", page.body);
}

#[test]
fn choices_sqlite() {
    if let Some(s) = start(harness::Kind::Sqlite) {
        choices(&s);
    }
}

#[test]
fn choices_postgres() {
    if let Some(s) = start(harness::Kind::Postgres) {
        choices(&s);
    }
}
