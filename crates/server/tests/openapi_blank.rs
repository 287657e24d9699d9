//! The OpenAPI document allows no blank value that the API then refuses: every required string
//! of a request (a body field, the text form of a number, a query parameter) has `minLength` 1
//! and a non-blank `pattern`, and the API does refuse each calculator field blank, by name. The
//! one exception is the ID checker's `number`: any text, blank too, gets a verdict (200).

mod common;

use common::{get, post_json};
use serde_json::{Value, json};

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => &doc["components"]["schemas"][name],
        None => s,
    }
}

/// The string forms a value of `schema` may take (itself, or the string items of a oneOf).
fn strings<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let s = resolve(doc, schema);
    let mut out: Vec<&Value> = s["oneOf"].as_array().into_iter().flatten().flat_map(|i| strings(doc, i)).collect();
    if s["type"] == "string" {
        out.push(s);
    }
    out
}

fn not_blank(what: &str, s: &Value) {
    assert!(s["minLength"].as_u64().is_some_and(|n| n >= 1), "{what}: a blank string is allowed: {s}");
    assert_eq!(s["pattern"].as_str(), Some(r"\S"), "{what}: {s}");
}

#[test]
fn required_strings_are_not_blank_in_the_document() {
    let doc = get("/api/v1/openapi.json").json();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths").iter().filter(|(p, _)| !p.ends_with("/id-check")) {
        for (method, op) in item.as_object().expect("operations") {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["required"] == true && p["in"] == "query" {
                    for s in strings(&doc, &p["schema"]) {
                        not_blank(&format!("{method} {path} ?{}", p["name"]), s);
                        checked += 1;
                    }
                }
            }
            for (kind, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                let schema = resolve(&doc, &content["schema"]);
                for f in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    for s in strings(&doc, &schema["properties"][f]) {
                        not_blank(&format!("{method} {path} {kind} {f}"), s);
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 45, "only {checked} required strings found");
}

#[test]
fn the_api_refuses_each_required_field_blank() {
    let samples = [
        ("contribution", json!({"month": "2025-03", "income": "3800"})),
        ("retirement", json!({"birth": "1971-04", "sex": "female"})),
        ("pension", json!({"retire": "2025-12", "age": "60y1m", "benefit_base": "8462", "index": "0.872", "months": 517, "balance": "1"})),
        ("workdays", json!({"from": "2025-09-26", "add": 7})),
        ("injury", json!({"order_type": "instant_delivery", "orders": 1200, "date": "2025-09-01"})),
        ("estimate", json!({"month": "2025-03", "years": 15})),
        ("residents", json!({"grade": 100, "years": 10, "month": "2025-03"})),
    ];
    for (name, body) in samples {
        let path = format!("/api/v1/calc/{name}");
        assert_eq!(post_json(&path, &body).status, 200, "{name}: the sample itself");
        // `date` is optional (blank: today); the rest are required.
        for (field, _) in body.as_object().expect("object").iter().filter(|(f, _)| *f != "date") {
            for blank in ["", "  "] {
                let mut b = body.clone();
                b[field] = json!(blank);
                let r = post_json(&path, &b);
                assert_eq!(r.status, 400, "{name} with {field} {blank:?}: {}", r.body);
                assert_eq!(r.json()["field"].as_str(), Some(field.as_str()), "{name} with {field} {blank:?}: {}", r.body);
            }
        }
    }
    let r = post_json("/api/v1/calc/id-check", &json!({"number": ""}));
    assert_eq!((r.status, r.json()["valid"].as_bool()), (200, Some(false)), "{}", r.body);
}
