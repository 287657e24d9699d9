//! A platform's own rating over HTTP on both backends: its staff see their rating with the
//! workers behind it (masked IDs), never another platform's; the public page names no worker;
//! an appeal and the agency's decision go through forms with the session's token and into the log.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_store::people::Scope;
use harness::{Server, csv, hidden};

const PASSWORD: &str = "correct horse 42";
const T: &str = "2025-09-10T12:00:00+08:00";

fn form(cookie: &str) -> [(&str, &str); 2] {
    [("cookie", cookie), ("content-type", "application/x-www-form-urlencoded")]
}

fn a_platform_sees_only_its_own_rating(s: &Server) {
    let ids = s.ids.clone();
    // Workers 0 and 1 earn on A, 2 and 3 on B; worker 0 is enrolled.
    let a = csv(&[["a1", &ids[0], "3000.00", T, "ride_hailing", "g1"], ["a2", &ids[1], "3000.00", T, "ride_hailing", "g1"]]);
    assert_eq!(s.csv(&s.key_a, &a).status, 200);
    let b = csv(&[["b1", &ids[2], "3000.00", T, "ride_hailing", "g1"], ["b2", &ids[3], "3000.00", T, "ride_hailing", "g1"]]);
    assert_eq!(s.csv(&s.key_b, &b).status, 200);
    s.block_on(async {
        use flexpension_store::{Basis, NewEnrolment, Scheme, WorkerId};
        let sep: flexpension_rules::YearMonth = "2025-09".parse().expect("month");
        let e = NewEnrolment { worker: WorkerId(1), scheme: Scheme::EmployeePension, from: sep, to: None, basis: Basis::PlatformIncome };
        s.store.enrol(&e).await.expect("enrol");
        let p = flexpension_rules::Params::embedded().expect("params");
        s.store.credit_run(&p, sep).await.expect("credit");
        for (login, scope) in [
            ("staff.a", Scope::Platform(s.a.id)),
            ("staff.b", Scope::Platform(s.b.id)),
            ("officer.zj", Scope::Region("zj".into())),
            ("13800000000", Scope::Worker(WorkerId(1))),
        ] {
            add_person(&s.store, login, PASSWORD, &scope).await.expect("person");
        }
    });
    let sa = s.login("staff.a", PASSWORD);
    let page = s.send("GET", "/platform/credit", &[("cookie", &sa)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("工人0") && page.body.contains("工人1"), "{}", page.body);
    assert!(!page.body.contains("工人2") && !page.body.contains("工人3"), "B's workers on A's page");
    assert!(page.body.contains("50%") && page.body.contains("id=\"notices\""), "A fell under the floor: {}", page.body);
    assert!(ids.iter().all(|id| !page.body.contains(id.as_str())), "a resident ID in clear");
    let sb = s.login("staff.b", PASSWORD);
    let page_b = s.send("GET", "/platform/credit", &[("cookie", &sb)], "");
    assert!(page_b.body.contains("工人2") && !page_b.body.contains("工人0"));
    // Anyone: counts only.
    let public = s.send("GET", "/credit", &[], "");
    assert!(!["工人0", "工人1", "工人2", "工人3"].iter().any(|n| public.body.contains(n)));
    // Other roles may not read a platform's rating detail.
    for who in ["officer.zj", "13800000000"] {
        assert_eq!(s.send("GET", "/platform/credit", &[("cookie", &s.login(who, PASSWORD))], "").status, 403, "{who}");
    }
    assert_eq!(s.send("GET", "/platform/credit", &[], "").status, 401);

    // An appeal, then the agency's decision.
    let csrf = hidden(&page.body, "csrf");
    assert_eq!(s.send("POST", "/platform/credit/appeal", &form(&sa), "csrf=x&month=2025-09&grounds=x").status, 403);
    let r = s.send("POST", "/platform/credit/appeal", &form(&sa), format!("csrf={csrf}&month=2025-09&grounds="));
    assert_eq!(r.status, 422);
    let r =
        s.send("POST", "/platform/credit/appeal", &form(&sa), format!("csrf={csrf}&month=2025-09&grounds=worker+1+is+insured+elsewhere"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(s.send("POST", "/platform/credit/appeal", &form(&sa), format!("csrf={csrf}&month=2025-09&grounds=again")).status, 409);
    assert!(!s.send("GET", "/platform/credit", &[("cookie", &sb)], "").body.contains("insured elsewhere"), "B sees none of A's appeals");
    let o = s.login("officer.zj", PASSWORD);
    let list = s.send("GET", "/officer/appeals", &[("cookie", &o)], "");
    assert!(list.body.contains("insured elsewhere"), "{}", list.body);
    let id: i64 = list.body.split("id=\"appeal-").nth(1).and_then(|r| r.split('"').next()).and_then(|n| n.parse().ok()).expect("appeal id");
    let ocsrf = hidden(&list.body, "csrf");
    let path = format!("/officer/appeals/{id}/decision");
    assert_eq!(
        s.send("POST", &path, &form(&sa), format!("csrf={csrf}&decision=upheld&reasons=x")).status,
        403,
        "a platform decides nothing"
    );
    let r = s.send("POST", &path, &form(&o), format!("csrf={ocsrf}&decision=rejected&reasons=no+proof+given"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(s.send("POST", &path, &form(&o), format!("csrf={ocsrf}&decision=upheld&reasons=again")).status, 404);
    assert!(s.send("GET", "/platform/credit?lang=en", &[("cookie", &sa)], "").body.contains("no proof given"));
    s.block_on(s.store.log_integrate()).expect("integrate");
    let size = s.block_on(s.store.log_checkpoint()).expect("checkpoint").map_or(0, |c| c.0);
    let entries = s.block_on(s.store.log_entries(0, size)).expect("log");
    let text: Vec<String> = entries.iter().map(|e| String::from_utf8_lossy(e).into_owned()).collect();
    assert_eq!(text.iter().filter(|e| e.contains("\"credit_appeal\"")).count(), 1, "the appeal is logged");
    assert_eq!(text.iter().filter(|e| e.contains("credit_appeal_decision")).count(), 1, "the decision is logged");
}

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn a_platform_sees_only_its_own_rating() {
        run(Kind::Sqlite, super::a_platform_sees_only_its_own_rating);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn a_platform_sees_only_its_own_rating() {
        run(Kind::Postgres, super::a_platform_sees_only_its_own_rating);
    }
}
