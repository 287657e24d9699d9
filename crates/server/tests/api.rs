//! The JSON API over real HTTP: every endpoint by GET and POST, the contract, the acceptance
//! figures, errors with field names, 404/405/413/415, health, static files and the docs.

mod common;

use common::{get, post, post_json, request};
use serde_json::{Value, json};

/// A valid request for each calculator, as JSON (POST) and as a query string (GET).
pub fn samples() -> Vec<(&'static str, Value)> {
    vec![
        ("contribution", json!({"region": "zj", "month": "2025-03", "income": "3800"})),
        ("retirement", json!({"birth": "1971-04", "sex": "female"})),
        (
            "pension",
            json!({"region": "zj", "retire": "2025-12", "age": "60y1m", "benefit_base": "8462", "index": "0.872", "months": 517, "balance": "111640.05"}),
        ),
        ("workdays", json!({"from": "2025-09-26", "add": 7})),
        ("injury", json!({"order_type": "instant_delivery", "orders": 1200, "date": "2025-09-01", "region": "zj"})),
        ("id-check", json!({"number": "11010519491231002X"})),
        ("estimate", json!({"month": "2025-03", "years": 15})),
        ("residents", json!({"grade": 100, "years": 15, "month": "2025-03", "income": 3800})),
    ]
}

fn query(v: &Value) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in v.as_object().expect("object") {
        q.append_pair(k, &v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
    }
    q.finish()
}

#[test]
fn every_endpoint_answers_get_and_post_alike() {
    for (name, body) in samples() {
        let path = format!("/api/v1/calc/{name}");
        let g = get(&format!("{path}?{}", query(&body)));
        assert_eq!(g.status, 200, "GET {name}: {}", g.body);
        assert!(g.header("content-type").is_some_and(|c| c.starts_with("application/json")));
        let p = post_json(&path, &body);
        assert_eq!(p.status, 200, "POST {name}: {}", p.body);
        assert_eq!(g.json(), p.json(), "{name}: GET and POST differ");
        // A form body is accepted too, like the query string.
        let f = post(&path, "application/x-www-form-urlencoded", &query(&body));
        assert_eq!(f.status, 200, "form POST {name}: {}", f.body);
        if name != "id-check" {
            let v = g.json();
            assert!(v["steps"].as_array().is_some_and(|s| !s.is_empty()), "{name} has no steps");
            assert!(v["steps"][0]["zh"].is_string() && v["steps"][0]["en"].is_string());
        }
    }
}

#[test]
fn contribution_contract_and_acceptance_figures() {
    let v = get("/api/v1/calc/contribution?region=zj&month=2025-03&income=3800").json();
    for f in ["base_fen", "rate", "contribution_fen", "personal_account_fen", "pooling_fen", "subsidy_fen", "net_fen", "burden", "steps"] {
        assert!(v.get(f).is_some(), "missing {f}");
    }
    assert_eq!(v["base_fen"], 498_600);
    assert_eq!(v["contribution_fen"], 99_720);
    assert_eq!(v["burden"], "0.2624");
    assert_eq!(v["policy"], "current");

    let p = post_json("/api/v1/calc/contribution", &json!({"region": "zj", "month": "2025-03", "income": 3800, "policy": "paper"})).json();
    assert_eq!(p["rate"], "0.12");
    assert_eq!(p["policy"], "paper");

    let c24 = get("/api/v1/calc/contribution?region=zj&month=2024-06&income=3800&overlay=paper-2024").json();
    let p24 = get("/api/v1/calc/contribution?region=zj&month=2024-06&income=3800&overlay=paper-2024&policy=paper").json();
    assert_eq!((c24["contribution_fen"].as_i64(), p24["contribution_fen"].as_i64()), (Some(84_540), Some(50_724)));
    assert_eq!(c24["overlay"], "paper-2024");
}

fn error(r: &common::Reply) -> (u16, String, String) {
    let v = r.json();
    let keys: Vec<&str> = v.as_object().expect("error object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["error", "field", "message", "request_id"], "error shape: {}", r.body);
    assert_eq!(v["request_id"].as_str(), r.header("x-request-id"), "the body names the request's id: {}", r.body);
    assert!(!v["message"].as_str().unwrap_or("").is_empty());
    (r.status, v["error"].as_str().unwrap_or("").into(), v["field"].as_str().unwrap_or("").into())
}

#[test]
fn errors_name_the_field() {
    let c = "/api/v1/calc/contribution";
    let cases: Vec<(common::Reply, (u16, &str, &str))> = vec![
        (get(&format!("{c}?month=2025-13&income=3800")), (400, "invalid_input", "month")),
        (get(&format!("{c}?month=2025-03&income=-5")), (400, "invalid_input", "income")),
        (get(&format!("{c}?month=2025-03&income=abc")), (400, "invalid_input", "income")),
        (get(&format!("{c}?month=2025-03")), (400, "missing_field", "income")),
        (get(&format!("{c}?month=2025-03&income=1&colour=red")), (400, "unknown_field", "colour")),
        (get(&format!("{c}?month=2025-03&income=1&income=2")), (400, "malformed", "income")),
        (get(&format!("{c}?month=2025-03&income=1&policy=nope")), (400, "unknown_name", "policy")),
        (get(&format!("{c}?month=2025-03&income=1&region=xx")), (400, "unknown_name", "region")),
        (get(&format!("{c}?month=2023-03&income=5")), (422, "no_parameter", "month")),
        (post(c, "application/json", "{\"month\": \"2025-03\", "), (400, "malformed", "")),
        (post(c, "application/json", ""), (400, "malformed", "")),
        (post(c, "application/json", "[1, 2]"), (400, "malformed", "")),
        (post(c, "application/json", "{\"month\": \"2025-03\", \"income\": true}"), (400, "malformed", "income")),
        (post(c, "application/json", "{\"month\": \"2025-03\", \"income\": 1} trailing"), (400, "malformed", "")),
        (post(c, "text/plain", "month=2025-03"), (415, "unsupported_media_type", "")),
        (post(c, "application/json", &format!("{{\"month\": \"{}\"}}", "x".repeat(70_000))), (413, "payload_too_large", "")),
        (request("DELETE", c, ""), (405, "method_not_allowed", "")),
        (get("/api/v1/calc/nothing"), (404, "not_found", "")),
        (get("/api/v2/calc/contribution"), (404, "not_found", "")),
        (post_json("/api/nope", &json!({})), (404, "not_found", "")),
        (get("/api/v1/calc/retirement?birth=1971-04&sex=x"), (400, "invalid_input", "sex")),
        (get("/api/v1/calc/workdays?from=2025-09-26&add=7&to=2025-10-01"), (400, "invalid_input", "add")),
        (get("/api/v1/calc/residents?grade=150&years=15&month=2025-03"), (400, "invalid_input", "grade")),
        (get("/api/v1/calc/estimate?month=2025-03&years=61"), (400, "invalid_input", "years")),
        (get("/api/v1/calc/injury?order_type=bike&orders=1"), (400, "invalid_input", "order_type")),
        (get("/api/v1/calc/id-check?number=1&kind=passport"), (400, "invalid_input", "kind")),
    ];
    for (r, (status, code, field)) in cases {
        assert_eq!(error(&r), (status, code.to_string(), field.to_string()), "{}", r.body);
    }
}

#[test]
fn id_check_is_not_cached() {
    let r = get("/api/v1/calc/id-check?number=11010519491231002X");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.json()["valid"], true);
}

#[test]
fn health_static_and_docs() {
    let h = get("/healthz");
    assert_eq!((h.status, h.body.as_str()), (200, "ok"));

    let js = get("/static/htmx.min.js");
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").is_some_and(|c| c.starts_with("text/javascript")));
    assert!(js.header("cache-control").is_some_and(|c| c.contains("max-age=31536000")));
    assert!(js.body.starts_with("/*! htmx.org") && js.body.contains("Zero-Clause BSD"));
    let css = get("/static/app.css");
    assert!(css.header("content-type").is_some_and(|c| c.starts_with("text/css")));
    let stack = css.body.split("font-family:").nth(1).expect("a font-family");
    assert!(stack.trim_start().starts_with("\"Noto Sans CJK SC\""), "CJK font first: {stack}");
    assert!(get("/static/icon.svg").header("content-type").is_some_and(|c| c == "image/svg+xml"));
    assert_eq!(get("/static/nothing.js").status, 404);

    let doc = get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    for (name, _) in samples() {
        let item = &doc["paths"][format!("/api/v1/calc/{name}")];
        assert!(item["get"].is_object() && item["post"].is_object(), "{name} not documented");
    }
    let ui = get("/api/docs/");
    assert_eq!(ui.status, 200);
    assert!(ui.body.contains("swagger-ui"));
    // Vendored: the UI's own files come from this server, nothing from the internet.
    assert_eq!(get("/api/docs/swagger-ui-bundle.js").status, 200);
    assert!(!get("/api/docs/swagger-initializer.js").body.contains("petstore"));
}
