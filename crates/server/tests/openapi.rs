//! The OpenAPI document against the real server: every field a response carries is described,
//! every field described as required is there, and each request schema lists exactly the fields
//! the server accepts.

mod common;

use common::{get, post_json};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn doc() -> Value {
    get("/api/v1/openapi.json").json()
}

fn component<'a>(doc: &'a Value, r: &Value) -> &'a Value {
    let name = r["$ref"].as_str().and_then(|s| s.strip_prefix("#/components/schemas/")).expect("a $ref");
    &doc["components"]["schemas"][name]
}

fn props(schema: &Value) -> BTreeSet<String> {
    schema["properties"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema["required"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Object keys match the schema: nothing undocumented, nothing required missing.
fn conforms(what: &str, v: &Value, schema: &Value) {
    let (k, p, r) = (keys(v), props(schema), required(schema));
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
    ];
    for (name, body) in samples {
        let op = &doc["paths"][format!("/api/v1/calc/{name}")]["post"];
        let schema = component(&doc, &op["responses"]["200"]["content"]["application/json"]["schema"]);
        let r = post_json(&format!("/api/v1/calc/{name}"), &body);
        assert_eq!(r.status, 200, "{name}: {}", r.body);
        let v = r.json();
        conforms(name, &v, schema);
        for p in v["params"].as_array().into_iter().flatten() {
            conforms(&format!("{name}.params[]"), p, &doc["components"]["schemas"]["ParamUse"]);
        }
        for s in v["steps"].as_array().into_iter().flatten().chain(v["warnings"].as_array().into_iter().flatten()) {
            conforms(&format!("{name}.steps[]"), s, &doc["components"]["schemas"]["Text"]);
        }
    }
    let e = get("/api/v1/calc/contribution?month=x&income=1").json();
    conforms("error", &e, &doc["components"]["schemas"]["Error"]);
}

#[test]
fn request_schemas_list_exactly_the_accepted_fields() {
    let doc = doc();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(post) = item.get("post") else { continue };
        // The calculators take JSON; the platform batch (CSV / NDJSON) has its own checks in
        // tests/platform_api.rs.
        let Some(body) = post["requestBody"]["content"].get("application/json") else { continue };
        let schema = component(&doc, &body["schema"]);
        // The server names the fields it accepts when it refuses an unknown one.
        let r = post_json(path, &json!({"__probe__": 1}));
        let v = r.json();
        assert_eq!(v["error"], "unknown_field", "{path}: {}", r.body);
        let msg = v["message"].as_str().unwrap_or("");
        let accepted: BTreeSet<String> =
            msg.split_once("expected").map(|(_, l)| l.split('`').skip(1).step_by(2).map(str::to_string).collect()).unwrap_or_default();
        assert_eq!(accepted, props(schema), "{path}: {msg}");
        // GET takes the same fields as query parameters.
        let params: BTreeSet<String> =
            item["get"]["parameters"].as_array().into_iter().flatten().filter_map(|p| p["name"].as_str().map(str::to_string)).collect();
        assert_eq!(params, accepted, "{path}: GET parameters");
        // A required field, left out, is refused by name.
        for f in required(schema) {
            let mut body = serde_json::Map::new();
            for other in required(schema).into_iter().filter(|o| *o != f) {
                body.insert(other, json!("1"));
            }
            let v = post_json(path, &Value::Object(body)).json();
            assert_eq!((v["error"].as_str(), v["field"].as_str()), (Some("missing_field"), Some(f.as_str())), "{path} without {f}");
        }
    }
}
