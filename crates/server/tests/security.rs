//! What every answer carries, whoever asks: security headers on every route the router serves
//! (and its 404s, 405s and refusals), JSON refusals under `/api/v1` with HTML ones on pages, and
//! error messages without the server's file names.

#[path = "platform/harness.rs"]
mod harness;
#[path = "common/routes.rs"]
mod routes;

use flexpension_server::csp_for;
use flexpension_server::people::add_person;
use flexpension_store::WorkerId;
use flexpension_store::people::Scope;
use harness::{Kind, Reply, Server};
use routes::served;

/// A concrete path for a route pattern: each `{param}` or `{*rest}` becomes a sample value.
fn concrete(pattern: &str) -> String {
    let sample = |name: &str| match name {
        "name" => "app.css",
        "*path" => "0/000",
        "*rest" => "swagger-ui.css",
        _ => "ZJ-0000",
    };
    pattern
        .split('/')
        .map(|seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => sample(name).to_string(),
            None => seg.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn check_headers(what: &str, r: &Reply) {
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{what}: {}", r.status);
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
    let csp = r.header("content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    let expected = csp_for(what.contains(" /api/docs"), r.header("content-type").unwrap_or(""));
    assert_eq!(csp, expected, "{what} ({:?})", r.header("content-type"));
}

/// Every route, each method it serves, as a stranger: headers on every answer, whatever its
/// status. Plus the answers no route makes: 404 pages and API 404s, 405s, refusals, a
/// malformed request, static files, the Swagger UI and its files, the verify page.
fn every_answer_carries_the_security_headers(s: &Server) {
    let routes = served();
    assert!(routes.len() > 30, "the route walk found {} routes", routes.len());
    let mut seen = 0;
    for (m, pattern) in &routes {
        let path = concrete(pattern);
        let r = s.send(&m.to_uppercase(), &path, &[("content-type", "application/json")], "");
        assert!(r.status < 500 || r.status == 503, "{m} {path}: {}", r.status);
        check_headers(&format!("{m} {path}"), &r);
        seen += 1;
    }
    let extra = [
        ("GET", "/no/such/page"),
        ("GET", "/api/v1/nothing"),
        ("DELETE", "/api/v1/calc/contribution"),
        ("GET", "/api/v1/calc/contribution?month=2025-13&income=1"),
        ("GET", "/me"),
        ("GET", "/api/v1/me/months"),
        ("GET", "/static/icon.svg"),
        ("GET", "/static/htmx.min.js"),
        ("GET", "/static/nothing.js"),
        ("GET", "/api/docs/"),
        ("GET", "/api/docs/swagger-initializer.js"),
        ("GET", "/api/docs/swagger-ui-bundle.js"),
        ("GET", "/verify/voucher/ZJ-0000"),
        ("GET", "/log/checkpoint"),
        ("GET", "/healthz"),
        ("POST", "/login"),
    ];
    for (m, path) in extra {
        let r = s.send(m, path, &[], "");
        check_headers(&format!("{m} {path}"), &r);
        seen += 1;
    }
    let docs = s.send("GET", "/api/docs/", &[], "");
    assert_eq!(docs.status, 200);
    assert!(docs.body.contains("swagger-ui-bundle.js"), "the Swagger UI page");
    assert!(seen > 45, "{seen}");
}

/// `/api/v1/...` refuses in the API's JSON shape (the nested router's paths included); pages
/// refuse with an HTML page that links to the login.
fn api_refusals_are_json_and_pages_html(s: &Server) {
    s.block_on(async {
        add_person(&s.store, "13800000001", "correct horse 42", &Scope::Worker(WorkerId(1))).await.expect("person");
    });
    let is_json_error = |r: &Reply, status: u16, code: &str, what: &str| {
        assert_eq!(r.status, status, "{what}: {}", r.body);
        assert!(r.header("content-type").is_some_and(|t| t.starts_with("application/json")), "{what}: {:?}", r.header("content-type"));
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {}", r.body));
        assert_eq!(v["error"], code, "{what}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()) && v["field"].is_string(), "{what}: {v}");
    };
    for path in [
        "/api/v1/me/months",
        "/api/v1/me/account",
        "/api/v1/me/enrolments",
        "/api/v1/me/proof?month=2025-09",
        "/api/v1/officer/workers?month=2025-09",
        "/api/v1/officer/proof?worker=1&month=2025-09",
    ] {
        is_json_error(&s.send("GET", path, &[], ""), 401, "unauthenticated", path);
    }
    // A worker's session on the officer's API: 403, as JSON.
    let cookie = s.login("13800000001", "correct horse 42");
    is_json_error(
        &s.send("GET", "/api/v1/officer/workers?month=2025-09", &[("cookie", &cookie)], ""),
        403,
        "forbidden",
        "officer API as a worker",
    );
    is_json_error(
        &s.send("GET", "/api/v1/officer/proof?worker=1&month=2025-09", &[("cookie", &cookie)], ""),
        403,
        "forbidden",
        "officer proof",
    );
    assert_eq!(s.send("GET", "/api/v1/me/months", &[("cookie", &cookie)], "").status, 200);
    // Pages stay pages.
    for (path, status) in [("/me", 401), ("/officer", 403)] {
        let cookies: &[(&str, &str)] = if status == 403 { &[("cookie", &cookie)] } else { &[] };
        let r = s.send("GET", path, cookies, "");
        assert_eq!(r.status, status, "{path}");
        assert!(r.header("content-type").is_some_and(|t| t.starts_with("text/html")), "{path}");
        assert!(r.body.contains("href=\"/login"), "{path}: a login link");
    }
}

/// A month no parameter covers is named in the user's terms: the parameter and the date, no
/// file of the server's.
fn parameter_errors_name_no_files(s: &Server) {
    let paths = [
        "/api/v1/calc/contribution?month=2023-03&income=5000",
        "/api/v1/calc/contribution?month=1990-01&income=5000",
        "/api/v1/calc/contribution?month=2099-01&income=5000",
        "/api/v1/calc/injury?month=2001-01&income=5000&order_type=instant_delivery",
        "/api/v1/calc/residents?grade=1000&years=15&month=1990-01",
        "/api/v1/calc/retirement?birth=1800-01&sex=male",
        "/api/v1/calc/pension?birth=1800-01&sex=male&years=15",
        "/?month=1990-01&income=5000",
        "/analyst?month=1990-01",
    ];
    let mut refused = 0;
    for p in paths {
        let r = s.send("GET", p, &[], "");
        assert!(!r.body.contains(".toml"), "{p} names a parameter file: {}", r.body);
        assert!(!r.body.contains("regions/"), "{p}: {}", r.body);
        if r.status == 422 {
            refused += 1;
        }
    }
    let r = s.send("GET", paths[0], &[], "");
    assert_eq!(r.status, 422, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    let m = v["message"].as_str().unwrap_or("");
    assert!(m.contains("base_lower") || m.contains("base_upper") || m.contains("rate"), "names the parameter: {m}");
    assert!(m.contains("2023-03"), "names the month: {m}");
    assert!(refused >= 2, "{refused}");
}

#[test]
fn sqlite_every_answer_carries_the_security_headers() {
    if let Some(s) = Server::start(Kind::Sqlite, 4) {
        every_answer_carries_the_security_headers(&s);
    }
}

#[test]
fn sqlite_api_refusals_are_json_and_pages_html() {
    if let Some(s) = Server::start(Kind::Sqlite, 4) {
        api_refusals_are_json_and_pages_html(&s);
    }
}

#[test]
fn postgres_api_refusals_are_json_and_pages_html() {
    if let Some(s) = Server::start(Kind::Postgres, 4) {
        api_refusals_are_json_and_pages_html(&s);
    }
}

#[test]
fn parameter_errors_name_no_files_test() {
    if let Some(s) = Server::start(Kind::Sqlite, 0) {
        parameter_errors_name_no_files(&s);
    }
}
