//! The OpenAPI document against the real server: every route under `/api/v1` that the router
//! serves is in the document and every documented operation answers; every field a response
//! carries is described, every field described as required is there, and each request schema
//! lists exactly the fields the server accepts. The document itself is kept as a snapshot
//! (`tests/snapshots/openapi.json`; `UPDATE_SNAPSHOTS=1` rewrites it) so that a change to it shows
//! in review.

mod common;

use common::routes::{METHODS, served};
use common::{get, post_json, request};
use flexpension_server::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn doc() -> Value {
    get("/api/v1/openapi.json").json()
}

fn component<'a>(doc: &'a Value, r: &Value) -> &'a Value {
    let name = r["$ref"].as_str().and_then(|s| s.strip_prefix("#/components/schemas/")).expect("a $ref");
    &doc["components"]["schemas"][name]
}

/// A schema's properties and required fields, through `$ref` and `allOf` (a flattened field).
fn shape(doc: &Value, schema: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    if schema.get("$ref").is_some() {
        return shape(doc, component(doc, schema));
    }
    let mut props: BTreeSet<String> = schema["properties"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let mut required: BTreeSet<String> =
        schema["required"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (p, r) = shape(doc, part);
        props.extend(p);
        required.extend(r);
    }
    (props, required)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Object keys match the schema: nothing undocumented, nothing required missing.
fn conforms(doc: &Value, what: &str, v: &Value, schema: &Value) {
    let (k, (p, r)) = (keys(v), shape(doc, schema));
    assert!(!p.is_empty(), "{what}: no properties in the schema");
    assert!(k.is_subset(&p), "{what}: undocumented fields {:?}", k.difference(&p).collect::<Vec<_>>());
    assert!(r.is_subset(&k), "{what}: required but absent {:?}", r.difference(&k).collect::<Vec<_>>());
}

#[test]
fn responses_match_their_schemas() {
    let doc = doc();
    let samples: Vec<(&str, Value)> = vec![
        ("contribution", json!({"month": "2025-03", "income": "3800", "overlay": "paper-2024"})),
        ("contribution", json!({"month": "2025-03", "income": "0"})),
        ("retirement", json!({"birth": "1971-04", "sex": "female"})),
        ("pension", json!({"retire": "2025-12", "age": "60y1m", "benefit_base": "8462", "index": "0.872", "months": 517, "balance": "1"})),
        ("workdays", json!({"from": "2025-09-26", "add": 7})),
        ("workdays", json!({"from": "2025-09-26", "to": "2025-10-26"})),
        ("injury", json!({"order_type": "instant_delivery", "orders": 1200, "date": "2025-09-01"})),
        ("id-check", json!({"number": "11010519491231002X"})),
        ("id-check", json!({"number": "91350100M000100Y43"})),
        ("id-check", json!({"number": "123"})),
        ("estimate", json!({"month": "2025-03", "years": 15})),
        ("residents", json!({"grade": 100, "years": 10, "month": "2025-03", "income": 3800})),
        ("transfer-funds", json!({"from": "2022-03", "to": "2025-02", "base": 4986})),
        (
            "transfer-funds",
            json!({"from": "1997-01", "to": "1998-12", "base": "3000", "personal_account": "1000.50", "date": "2025-01-01"}),
        ),
        ("benefit-place", json!({"hukou": "ah", "history": "zj:12,sh:8"})),
        ("benefit-place", json!({"hukou": "34", "history": "zj:12:temporary", "date": "2025-01-01"})),
        ("temporary-account", json!({"sex": "female", "age": 41, "hukou": "ah", "insured_in": "zj"})),
        ("transfer-deadlines", json!({"application": "2025-09-15"})),
    ];
    let schemas = &doc["components"]["schemas"];
    for (name, body) in samples {
        let op = &doc["paths"][format!("/api/v1/calc/{name}")]["post"];
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        let r = post_json(&format!("/api/v1/calc/{name}"), &body);
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let v = r.json();
        conforms(&doc, name, &v, schema);
        for p in v["params"].as_array().into_iter().flatten() {
            conforms(&doc, &format!("{name}.params[]"), p, &schemas["ParamUse"]);
        }
        for s in v["steps"].as_array().into_iter().flatten().chain(v["warnings"].as_array().into_iter().flatten()) {
            conforms(&doc, &format!("{name}.steps[]"), s, &schemas["Text"]);
        }
    }
    let e = get("/api/v1/calc/contribution?month=x&income=1").json();
    conforms(&doc, "error", &e, &schemas["Error"]);
}

#[test]
fn request_schemas_list_exactly_the_accepted_fields() {
    let doc = doc();
    let (mut checked, mut others) = (0, 0);
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(post) = item.get("post") else { continue };
        // The calculators, agency messages and transfer applications take JSON; the platform batch (CSV / NDJSON) has its own checks in
        // tests/platform_api.rs.
        let Some(body) = post["requestBody"]["content"].get("application/json") else { continue };
        // Signed platform writes read no body before the key and signature: a platform's own
        // tests check their fields (tests/complaint_api.rs).
        if path.starts_with("/api/v1/platform/") {
            continue;
        }
        let (props, required) = shape(&doc, &body["schema"]);
        // The server names the fields it accepts when it refuses an unknown one.
        let r = post_json(path, &json!({"__probe__": 1}));
        let v = r.json();
        assert_eq!(v["error"], "unknown_field", "{path}: {}", r.body);
        let msg = v["message"].as_str().unwrap_or("");
        let accepted: BTreeSet<String> =
            msg.split_once("expected").map(|(_, l)| l.split('`').skip(1).step_by(2).map(str::to_string).collect()).unwrap_or_default();
        assert_eq!(accepted, props, "{path}: {msg}");
        // The calculators: GET takes the same fields as query parameters, required alike.
        let Some(get) = item.get("get").filter(|_| path.starts_with("/api/v1/calc/")) else {
            others += 1;
            continue;
        };
        let params = get["parameters"].as_array().expect("GET parameters");
        let names: BTreeSet<String> = params.iter().filter_map(|p| p["name"].as_str().map(str::to_string)).collect();
        assert_eq!(names, accepted, "{path}: GET parameters");
        let must: BTreeSet<String> =
            params.iter().filter(|p| p["required"] == true).filter_map(|p| p["name"].as_str().map(str::to_string)).collect();
        assert_eq!(must, required, "{path}: required GET parameters");
        // A required field, left out, is refused by name.
        for f in &required {
            let mut body = serde_json::Map::new();
            for other in required.iter().filter(|o| *o != f) {
                body.insert(other.clone(), json!("1"));
            }
            let v = post_json(path, &Value::Object(body)).json();
            assert_eq!((v["error"].as_str(), v["field"].as_str()), (Some("missing_field"), Some(f.as_str())), "{path} without {f}");
        }
        checked += 1;
    }
    assert_eq!(checked, 12, "the twelve calculators take JSON");
    assert_eq!(others, 4, "and the agency messages and quote, and a worker's transfer application and quote");
}

fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS.into_iter().filter(|m| item.get(*m).is_some()) {
            out.insert((m.to_string(), path.clone()));
        }
    }
    out
}

#[test]
fn every_api_route_is_documented_and_every_documented_route_answers() {
    let doc = doc();
    let served = served();
    let api = |s: &BTreeSet<(String, String)>| -> BTreeSet<(String, String)> {
        s.iter().filter(|(_, p)| p.starts_with("/api/v1/")).cloned().collect()
    };
    assert!(served.contains(&("post".into(), "/api/v1/calc/contribution".into())), "the route walk found nothing: {served:?}");
    assert!(served.contains(&("get".into(), "/analyst".into())) && !served.contains(&("post".into(), "/analyst".into())), "{served:?}");
    let (served_api, documented_api) = (api(&served), api(&documented(&doc)));
    assert_eq!(
        served_api.difference(&documented_api).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "served under /api/v1 but not in the OpenAPI document"
    );
    let all = documented(&doc);
    assert_eq!(all.difference(&served).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "documented but not served");
    for p in ["/api/v1/me/proof", "/api/v1/officer/proof", "/api/v1/platform/proof", "/api/v1/openapi.json", "/healthz"] {
        assert!(all.contains(&("get".into(), p.into())), "{p} is documented");
    }
    // On the real server: each documented operation is answered by its handler (this server has
    // no store, so those behind a login or a key refuse), and the other methods are refused.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for m in METHODS {
            let r = request(&m.to_uppercase(), path, "");
            if item.get(m).is_some() {
                assert!(r.status != 405 && !r.body.contains("no API endpoint"), "{m} {path}: {} {}", r.status, r.body);
            } else {
                assert_eq!(r.status, 405, "{m} {path} is not documented, yet answered: {}", r.body);
            }
        }
    }
}

#[test]
fn security_schemes_and_signature_headers_are_described() {
    let doc = doc();
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        (schemes["session"]["in"].as_str(), schemes["session"]["name"].as_str()),
        (Some("cookie"), Some(flexpension_server::guard::SESSION_COOKIE))
    );
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!((schemes["api_key"]["in"].as_str(), schemes["api_key"]["name"].as_str()), (Some("header"), Some("X-Api-Key")));
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (m, op) in item.as_object().expect("path item") {
            let needs: Vec<&str> =
                op["security"].as_array().into_iter().flatten().filter_map(|s| s.as_object()?.keys().next().map(String::as_str)).collect();
            let want: &[&str] = if path.starts_with("/api/v1/me/") || path.starts_with("/api/v1/officer/") {
                &["session"]
            } else if path.starts_with("/api/v1/platform/") {
                &["bearer", "api_key"]
            } else {
                &[]
            };
            assert_eq!(needs, want, "{m} {path}");
        }
    }
    let post = &doc["paths"]["/api/v1/platform/earnings"]["post"];
    let headers: Vec<String> = post["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "header")
        .filter_map(|p| p["name"].as_str().map(str::to_ascii_lowercase))
        .collect();
    assert_eq!(headers, [flexpension_server::signature::TIMESTAMP_HEADER, flexpension_server::signature::SIGNATURE_HEADER]);
    // The limits the description states are the ones the server enforces.
    let text = post["description"].as_str().expect("description");
    assert_eq!((MAX_BATCH_ROWS, MAX_BATCH_BYTES, flexpension_server::signature::MAX_SKEW_SECONDS), (50_000, 16 << 20, 300));
    for needle in ["50,000 rows", "16 MiB", "300 s"] {
        assert!(text.contains(needle), "the earnings description says {needle}");
    }
}

#[test]
fn errors_share_one_shape() {
    let doc = doc();
    let (props, required) = shape(&doc, &doc["components"]["schemas"]["Error"]);
    let want: BTreeSet<String> = ["error", "message", "field", "request_id"].map(String::from).into();
    assert_eq!((&props, &required), (&want, &want));
    for (path, item) in doc["paths"].as_object().expect("paths") {
        // A probe, not an API error: its 503 carries the checks that failed.
        if path == "/readyz" {
            continue;
        }
        for (m, op) in item.as_object().expect("path item") {
            for (status, r) in op["responses"].as_object().expect("responses") {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error", "{m} {path} {status}");
                }
            }
        }
    }
}

#[test]
fn the_document_matches_its_snapshot() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    let now = serde_json::to_string_pretty(&doc()).expect("json") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(file.parent().expect("dir")).expect("mkdir");
        std::fs::write(&file, &now).expect("write the snapshot");
        return;
    }
    let kept = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(kept == now, "the OpenAPI document changed: review it, then run with UPDATE_SNAPSHOTS=1 to keep it ({})", file.display());
}

#[test]
fn the_browsable_page_reads_this_document() {
    let init = get("/api/docs/swagger-initializer.js");
    assert_eq!(init.status, 200);
    assert!(init.body.contains("\"/api/v1/openapi.json\""), "{}", init.body);
}
