//! People and views: logging in (argon2id, sessions, CSRF, throttling) and who sees what, as a
//! table of caller × endpoint on both backends. Allowed answers carry only the caller's own
//! data; resident IDs never appear in clear, in any answer or log line.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_store::people::Scope;
use flexpension_store::{NewGrid, NewWorker, WorkerId};
use flexpension_testkit::resident_id;
use harness::{Server, csv, enc, hidden};

const T: &str = "2025-09-01T12:00:00+08:00";
const PASSWORD: &str = "correct horse 42";

/// The world of the table: workers 0 and 2 earn on P, workers 0 and 1 on Q; worker 4 lives in
/// another region (sh) and earns on P. Accounts: worker A (0), worker B (1), staff of P and of
/// Q, an officer of zj.
fn seed(s: &Server) -> Vec<String> {
    let mut ids = s.ids.clone();
    s.block_on(async {
        s.store.add_region("sh", "上海市").await.expect("region");
        s.store.add_grid(&NewGrid { code: "s1".into(), name: "网格s1".into(), region: "sh".into() }).await.expect("grid");
        let id = resident_id("310101", "19880202", 7);
        let w = NewWorker {
            id_number: id.clone(),
            name: "外地工人".into(),
            phone: "13900000000".into(),
            hukou_region: "sh".into(),
            home_grid: "s1".into(),
        };
        s.store.add_worker(&w).await.expect("worker");
        ids.push(id);
    });
    let p = csv(&[
        ["p1", &ids[0], "100.00", T, "instant_delivery", "g1"],
        ["p2", &ids[0], "50.00", T, "instant_delivery", "g1"],
        ["p3", &ids[2], "30.00", T, "instant_delivery", "g1"],
        ["p4", &ids[4], "40.00", T, "instant_delivery", "s1"],
    ]);
    assert_eq!(s.csv(&s.key_a, &p).status, 200);
    let q = csv(&[["q1", &ids[1], "80.00", T, "ride_hailing", "g1"], ["q2", &ids[0], "20.00", T, "ride_hailing", "g1"]]);
    assert_eq!(s.csv(&s.key_b, &q).status, 200);
    s.block_on(async {
        for (login, scope) in [
            ("13800000000", Scope::Worker(WorkerId(1))),
            ("worker.b", Scope::Worker(WorkerId(2))),
            ("staff.p", Scope::Platform(s.a.id)),
            ("staff.q", Scope::Platform(s.b.id)),
            ("officer.zj", Scope::Region("zj".into())),
        ] {
            add_person(&s.store, login, PASSWORD, &scope).await.expect("person");
        }
    });
    ids
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Caller {
    WorkerA,
    WorkerB,
    PlatformP,
    PlatformQ,
    OfficerZj,
    Anonymous,
}

const ENDPOINTS: [&str; 17] = [
    "/me",
    "/officer/outreach",
    "/api/v1/me/account",
    "/platform?month=2025-09",
    "/platform/workers.csv?month=2025-09",
    "/officer/workers?month=2025-09",
    "/officer/workers.csv?month=2025-09",
    "/officer/workers/1",
    "/officer/workers/5",
    "/api/v1/me/months",
    "/api/v1/me/enrolments",
    "/api/v1/officer/workers?month=2025-09",
    "/api/v1/platform/workers?month=2025-09",
    "/officer/fund",
    "/officer/fund.csv",
    "/platform/statement/2025.pdf",
    "/platform/statement/2025.csv",
];

/// Names of the workers whose data a caller may see on an endpoint (None: refused, with the
/// status). Worker names: 工人0..工人3 in zj, 外地工人 in sh.
fn expected(c: Caller, endpoint: &str) -> Result<&'static [&'static str], u16> {
    use Caller::*;
    let path = endpoint.split('?').next().unwrap_or("");
    match (c, path) {
        (Anonymous, _) => Err(401),
        (WorkerA, "/me") => Ok(&["工人0"]),
        (WorkerB, "/me") => Ok(&["工人1"]),
        (WorkerA | WorkerB, "/api/v1/me/months" | "/api/v1/me/enrolments" | "/api/v1/me/account") => Ok(&[]),
        (PlatformP, "/platform" | "/platform/workers.csv" | "/api/v1/platform/workers") => Ok(&["工人0", "工人2", "外地工人"]),
        (PlatformQ, "/platform" | "/platform/workers.csv" | "/api/v1/platform/workers") => Ok(&["工人0", "工人1"]),
        (OfficerZj, "/api/v1/officer/workers") => Ok(&["工人0", "工人1", "工人2"]),
        // The officer's list is every worker registered in the region, with or without income.
        (OfficerZj, "/officer/workers" | "/officer/workers.csv") => Ok(&["工人0", "工人1", "工人2", "工人3"]),
        (OfficerZj, "/officer/workers/1") => Ok(&["工人0"]),
        // Nothing scored in this store yet: the page says so and names nobody.
        (OfficerZj, "/officer/outreach") => Ok(&[]),
        // The fund's figures and a platform's own tax statement: sums, no worker named.
        (OfficerZj, "/officer/fund" | "/officer/fund.csv") => Ok(&[]),
        (PlatformP | PlatformQ, "/platform/statement/2025.pdf" | "/platform/statement/2025.csv") => Ok(&[]),
        // Another region's worker: as if absent.
        (OfficerZj, "/officer/workers/5") => Err(404),
        // The platform API takes the API key only: a session is not a key.
        (_, "/api/v1/platform/workers") => Err(401),
        _ => Err(403),
    }
}

fn who_sees_what(s: &Server) {
    use Caller::*;
    let ids = seed(s);
    let all = ["工人0", "工人1", "工人2", "工人3", "外地工人"];
    let cookies = [
        (WorkerA, s.login("13800000000", PASSWORD)),
        (WorkerB, s.login("worker.b", PASSWORD)),
        (PlatformP, s.login("staff.p", PASSWORD)),
        (PlatformQ, s.login("staff.q", PASSWORD)),
        (OfficerZj, s.login("officer.zj", PASSWORD)),
        (Anonymous, String::new()),
    ];
    for (caller, cookie) in &cookies {
        for endpoint in ENDPOINTS {
            let key = match caller {
                PlatformP => &s.key_a,
                PlatformQ => &s.key_b,
                _ => "",
            };
            let mut headers = vec![("cookie", cookie.as_str())];
            if endpoint.starts_with("/api/v1/platform/") && !key.is_empty() {
                headers = vec![("x-api-key", key)];
            }
            let r = s.send("GET", endpoint, &headers, "");
            let what = format!("{caller:?} {endpoint}");
            match expected(*caller, endpoint) {
                Ok(names) => {
                    assert_eq!(r.status, 200, "{what}: {}", r.body);
                    for n in all {
                        assert_eq!(r.body.contains(n), names.contains(&n), "{what}: {n} {}", r.body);
                    }
                }
                Err(status) => {
                    assert_eq!(r.status, status, "{what}: {}", r.body);
                    assert!(!all.iter().any(|n| r.body.contains(n)), "{what} leaks: {}", r.body);
                }
            }
            for id in &ids {
                assert!(!r.body.contains(id.as_str()), "{what}: a resident ID in clear");
            }
        }
    }
    // Own data, exactly: worker A's month across both platforms; P's totals.
    let a = &cookies[0].1;
    let v: serde_json::Value = serde_json::from_str(&s.send("GET", "/api/v1/me/months", &[("cookie", a)], "").body).expect("json");
    assert_eq!(v["worker_id"], 1);
    assert_eq!(v["months"][0]["month"], "2025-09");
    assert_eq!(v["months"][0]["income_fen"], 17000);
    assert_eq!(v["months"][0]["status"], "not_closed");
    let v: serde_json::Value =
        serde_json::from_str(&s.send("GET", "/api/v1/platform/workers?month=2025-09&grid=g1", &[("x-api-key", &s.key_a)], "").body)
            .expect("json");
    assert_eq!(v["totals"]["workers"], 2, "{v}");
    assert_eq!(v["totals"]["income_fen"], 18000, "{v}");
    assert!(v["premium_fen"].as_i64().unwrap_or(0) > 0, "{v}");
    let v: serde_json::Value =
        serde_json::from_str(&s.send("GET", "/api/v1/officer/workers?month=2025-09", &[("cookie", &cookies[4].1)], "").body).expect("json");
    assert_eq!(v["totals"]["income_fen"], 28000, "{v}");
    // The worker's page links the calculator with the real incomes.
    let page = s.send("GET", "/me", &[("cookie", a)], "");
    assert!(page.body.contains("incomes=170.00"), "{}", page.body);
    assert!(page.body.contains("未结算"));
    // Every API endpoint of the table is in the OpenAPI document.
    let doc: serde_json::Value = serde_json::from_str(&s.send("GET", "/api/v1/openapi.json", &[], "").body).expect("json");
    for e in ENDPOINTS.iter().filter(|e| e.starts_with("/api/")) {
        let path = e.split('?').next().unwrap_or("");
        assert!(doc["paths"][path]["get"].is_object(), "{path} is not documented");
    }
    let logs = harness::logs();
    for id in &ids {
        assert!(!logs.contains(id.as_str()), "a resident ID in the logs");
    }
}

fn sessions_csrf_and_throttling(s: &Server) {
    seed(s);
    // Wrong passwords: refused alike for unknown and known logins, then locked.
    assert_eq!(s.try_login("nobody", PASSWORD).status, 401);
    for _ in 0..5 {
        assert_eq!(s.try_login("worker.b", "wrong password").status, 401);
    }
    assert_eq!(s.try_login("worker.b", PASSWORD).status, 429, "locked after 5 failures");
    // A login form without its cookie token is refused.
    let r = s.send(
        "POST",
        "/login",
        &[("content-type", "application/x-www-form-urlencoded")],
        format!("csrf=x&login=staff.p&password={}", enc(PASSWORD)),
    );
    assert_eq!(r.status, 403);
    // Logout needs the session's CSRF token; afterwards the session is gone.
    let cookie = s.login("staff.p", PASSWORD);
    let page = s.send("GET", "/platform", &[("cookie", &cookie)], "");
    let csrf = hidden(&page.body, "csrf");
    assert_eq!(csrf.len(), 64);
    let form = [("cookie", cookie.as_str()), ("content-type", "application/x-www-form-urlencoded")];
    assert_eq!(s.send("POST", "/logout", &form, "csrf=wrong").status, 403);
    assert_eq!(s.send("GET", "/platform", &[("cookie", &cookie)], "").status, 200);
    assert_eq!(s.send("POST", "/logout", &form, format!("csrf={csrf}")).status, 303);
    assert_eq!(s.send("GET", "/platform", &[("cookie", &cookie)], "").status, 401);
    // Behind HTTPS the cookie is Secure.
    let form = s.send("GET", "/login", &[("x-forwarded-proto", "https")], "");
    assert!(form.headers.iter().any(|(k, v)| k == "set-cookie" && v.contains("; Secure")));
}

fn accounts_refuse_resident_ids_and_weak_passwords(s: &Server) {
    let id = s.ids[0].clone();
    s.block_on(async {
        let e = add_person(&s.store, &id, PASSWORD, &Scope::Worker(WorkerId(1))).await.expect_err("an ID as login");
        assert!(!e.to_string().contains(&id), "{e}");
        assert!(add_person(&s.store, "ok.name", "short", &Scope::Worker(WorkerId(1))).await.is_err());
        assert!(add_person(&s.store, "ok.name", PASSWORD, &Scope::Worker(WorkerId(999))).await.is_err());
        assert!(add_person(&s.store, "ok.name", PASSWORD, &Scope::Region("nowhere".into())).await.is_err());
        // The store keeps only the argon2id hash.
        add_person(&s.store, "ok.name", PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("person");
        let r = s.store.login_record("OK.Name").await.expect("read").expect("found");
        assert!(r.password_phc.starts_with("$argon2id$") && !r.password_phc.contains(PASSWORD));
        assert!(!format!("{r:?}").contains("argon2"));
    });
}

/// Worker 1 enrolled in the employee pension from September 2025, and September closed.
fn enrol_and_close_september(s: &Server) -> flexpension_rules::YearMonth {
    use flexpension_store::{Basis, CloseOptions, NewEnrolment, Scheme};
    let sep: flexpension_rules::YearMonth = "2025-09".parse().expect("month");
    s.block_on(async {
        let e = NewEnrolment { worker: WorkerId(1), scheme: Scheme::EmployeePension, from: sep, to: None, basis: Basis::PlatformIncome };
        s.store.enrol(&e).await.expect("enrol");
        let params = flexpension_rules::Params::embedded().expect("params");
        let zj = params.scenario("zj", None, None).expect("scenario");
        s.store.close_month(&zj, sep, &CloseOptions::new(sep)).await.expect("settle");
    });
    sep
}

/// Once the month is closed, the worker sees its figures instead of "not settled".
fn closed_month_on_the_worker_page(s: &Server) {
    seed(s);
    let sep = enrol_and_close_september(s);
    let a = s.login("13800000000", PASSWORD);
    let v: serde_json::Value = serde_json::from_str(&s.send("GET", "/api/v1/me/months", &[("cookie", &a)], "").body).expect("json");
    assert_eq!(v["months"][0]["status"], "closed", "{v}");
    assert!(v["months"][0]["closed"]["base_fen"].as_i64().unwrap_or(0) > 0, "{v}");
    let v: serde_json::Value = serde_json::from_str(&s.send("GET", "/api/v1/me/account", &[("cookie", &a)], "").body).expect("json");
    assert_eq!(v["closed_months"], 1, "{v}");
    let page = s.send("GET", "/me", &[("cookie", &a)], "");
    assert!(page.body.contains("id=\"balance\"") && page.body.contains("缴费基数"), "{}", page.body);
    assert!(!page.body.contains("未结算"), "{}", page.body);
    // Worker B has no closed month: the honest empty state.
    let b = s.login("worker.b", PASSWORD);
    assert!(s.send("GET", "/me", &[("cookie", &b)], "").body.contains("还没有结算"));
    let o = s.login("officer.zj", PASSWORD);
    // The dashboard opens on the latest month with data and shows the month report's figures.
    let dash = s.send("GET", "/officer", &[("cookie", &o)], "");
    assert!(dash.body.contains("试算平衡"), "{}", dash.body);
    let report = s.block_on(async { s.store.month_report(sep).await.expect("report") });
    assert_eq!(report.workers, 1);
    let fig = |id: &str| {
        let at = dash.body.find(&format!("id=\"fig-{id}\">")).unwrap_or_else(|| panic!("fig-{id}: {}", dash.body));
        let rest = &dash.body[at..];
        rest[rest.find('>').expect(">") + 1..rest.find('<').expect("<")].to_string()
    };
    assert_eq!(fig("billed"), "1");
    assert_eq!(fig("due"), flexpension_rules::money::yuan_grouped(report.contribution_fen));
    assert_eq!(fig("arrears"), flexpension_rules::money::yuan_grouped(report.arrears_fen));
    assert!(report.contribution_fen > 0);
    assert!(dash.body.contains("浙江"), "the region by name");
    // Opening a worker's page is recorded in the access log; another region's worker is not found.
    let seen = |w: i64| s.block_on(async { s.store.accesses(WorkerId(w), 10).await.expect("accesses") });
    let before = seen(1).len();
    s.block_on(async {
        let p = flexpension_ledger::Payment {
            worker: WorkerId(1),
            payer: flexpension_ledger::Payer::SelfPaid,
            reference: 7,
            amount_fen: 123_456,
            period: sep,
        };
        s.store.pay(&p).await.expect("pay");
    });
    let page = s.send("GET", "/officer/workers/1?lang=en", &[("cookie", &o)], "");
    assert!(page.body.contains("1,234.56") && page.body.contains("id=\"payments\""), "the payment is listed: {}", page.body);
    assert_eq!(page.status, 200, "{}", page.body);
    let after = seen(1);
    assert_eq!(after.len(), before + 1);
    assert_eq!((after[0].login.as_str(), after[0].what.as_str()), ("officer.zj", "view"));
    assert!(page.body.contains("/api/v1/officer/proof?worker=1&#38;month=2025-09"), "{}", page.body);
    assert_eq!(s.send("GET", "/officer/workers/5", &[("cookie", &o)], "").status, 404);
    assert!(seen(5).is_empty());

    // Evidence of the closed month: the worker's own proof bundle verifies offline, with their ID
    // number; the officer of the region gets the same; nobody else does.
    use flexpension_store::log::{ProofBundle, VerifyOptions, verify_bundle};
    let opts = VerifyOptions { log_key: s.store.log_keys().verifier_key(), id_number: Some(s.ids[0].clone()), ..Default::default() };
    let mine = s.send("GET", "/api/v1/me/proof?month=2025-09", &[("cookie", &a)], "");
    assert_eq!(mine.status, 200, "{}", mine.body);
    let b: ProofBundle = serde_json::from_str(&mine.body).expect("bundle");
    let r = verify_bundle(&b, &opts);
    assert!(r.ok(), "{}", r.to_text());
    assert!(!mine.body.contains(&s.ids[0]), "the bundle holds no ID number");
    assert_eq!(s.send("GET", "/api/v1/me/proof?month=2025-09", &[("cookie", &b_cookie(s))], "").status, 404);
    assert_eq!(s.send("GET", "/api/v1/me/proof?month=2025-13", &[("cookie", &a)], "").status, 400);
    let theirs = s.send("GET", "/api/v1/officer/proof?worker=1&month=2025-09", &[("cookie", &o)], "");
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(verify_bundle(&serde_json::from_str(&theirs.body).expect("bundle"), &opts).ok());
    // The worker of another region (id 5, in sh) is not the zj officer's; a worker is no officer.
    assert_eq!(s.send("GET", "/api/v1/officer/proof?worker=5&month=2025-09", &[("cookie", &o)], "").status, 404);
    assert_eq!(s.send("GET", "/api/v1/officer/proof?worker=1&month=2025-09", &[("cookie", &a)], "").status, 403);
    // The voucher (tests/voucher.rs): none issued yet, and GETs issue none.
    assert_eq!(s.send("GET", "/me/voucher.pdf", &[("cookie", &a)], "").status, 404);
    assert_eq!(s.send("GET", "/me/voucher.pdf", &[], "").status, 401);
}

/// An officer books a payment file for the region's workers; other regions' workers are refused
/// by row (as unknown), other roles by status; a retried file writes nothing.
fn officer_books_a_payment_file(s: &Server) {
    let ids = seed(s);
    enrol_and_close_september(s);
    let file = format!(
        "reference,id_number,amount_yuan,month,payer\nBANK-1,{},10.00,2025-09,self\nBANK-2,{},10.00,2025-09,self\n",
        ids[0], ids[4]
    );
    let path = "/api/v1/officer/payments";
    let o = s.login("officer.zj", PASSWORD);
    let r = s.send("POST", path, &[("cookie", &o), ("content-type", "text/csv")], &file);
    assert_eq!(r.status, 200, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!((v["accepted"].as_u64(), v["rejected"].as_u64(), v["amount_fen"].as_i64()), (Some(1), Some(1), Some(1_000)), "{v}");
    assert_eq!((v["errors"][0]["line"].as_u64(), v["errors"][0]["field"].as_str()), (Some(3), Some("id_number")), "{v}");
    assert!(!r.body.contains(&ids[4]) && !r.body.contains(&ids[0]), "no resident ID in clear: {}", r.body);
    let again = s.send("POST", path, &[("cookie", &o), ("content-type", "text/csv")], &file);
    let v: serde_json::Value = serde_json::from_str(&again.body).expect("json");
    assert_eq!((v["accepted"].as_u64(), v["duplicate"].as_u64()), (Some(0), Some(1)), "{v}");
    assert_eq!(s.send("POST", path, &[("cookie", &o), ("content-type", "text/plain")], &file).status, 415);
    assert_eq!(s.send("POST", path, &[("cookie", &o), ("content-type", "text/csv")], "reference,amount\n1,2\n").status, 400);
    assert_eq!(s.send("POST", path, &[("cookie", &s.login("13800000000", PASSWORD)), ("content-type", "text/csv")], &file).status, 403);
    assert_eq!(s.send("POST", path, &[("content-type", "text/csv")], &file).status, 401);
}

fn b_cookie(s: &Server) -> String {
    s.login("worker.b", PASSWORD)
}

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn who_sees_what() {
        run(Kind::Sqlite, super::who_sees_what);
    }

    #[test]
    fn sessions_csrf_and_throttling() {
        run(Kind::Sqlite, super::sessions_csrf_and_throttling);
    }

    #[test]
    fn accounts_refuse_resident_ids_and_weak_passwords() {
        run(Kind::Sqlite, super::accounts_refuse_resident_ids_and_weak_passwords);
    }

    #[test]
    fn closed_month_on_the_worker_page() {
        run(Kind::Sqlite, super::closed_month_on_the_worker_page);
    }

    #[test]
    fn officer_books_a_payment_file() {
        run(Kind::Sqlite, super::officer_books_a_payment_file);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn who_sees_what() {
        run(Kind::Postgres, super::who_sees_what);
    }

    #[test]
    fn sessions_csrf_and_throttling() {
        run(Kind::Postgres, super::sessions_csrf_and_throttling);
    }

    #[test]
    fn accounts_refuse_resident_ids_and_weak_passwords() {
        run(Kind::Postgres, super::accounts_refuse_resident_ids_and_weak_passwords);
    }

    #[test]
    fn closed_month_on_the_worker_page() {
        run(Kind::Postgres, super::closed_month_on_the_worker_page);
    }

    #[test]
    fn officer_books_a_payment_file() {
        run(Kind::Postgres, super::officer_books_a_payment_file);
    }
}
