//! Throw garbage at every endpoint: whatever arrives, the answer is a 2xx or a 4xx with the error
//! shape, never a 5xx, and the server stays up.

mod common;

use common::{get, post, request};
use flexpension_testkit::Rng;
use serde_json::{Value, json};

const ENDPOINTS: [&str; 8] = ["contribution", "retirement", "pension", "workdays", "injury", "id-check", "estimate", "residents"];

/// Field names each calculator reads, plus one nobody reads.
const FIELDS: [&str; 22] = [
    "region",
    "month",
    "income",
    "base",
    "policy",
    "overlay",
    "birth",
    "sex",
    "category",
    "retire",
    "age",
    "benefit_base",
    "index",
    "months",
    "balance",
    "from",
    "add",
    "to",
    "order_type",
    "orders",
    "level",
    "date",
];
const MORE_FIELDS: [&str; 6] = ["number", "kind", "years", "grade", "nobody", ""];

/// Values chosen to hit edges: empty, signs, huge, tiny, wrong calendar, wide digits, markup.
fn nasty() -> Vec<Value> {
    let mut v: Vec<Value> = [
        "",
        " ",
        "0",
        "-0",
        "-1",
        "1e308",
        "-1e308",
        "1e-308",
        "NaN",
        "inf",
        "-inf",
        "0x10",
        "1_000",
        "3800.005",
        "3800.",
        ".",
        "99999999999999999999999",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "10000000000",
        "10000000000.01",
        "2025-13",
        "2025-00",
        "0000-01",
        "9999-12",
        "-2025-03",
        "+2025-03",
        "2025-3",
        "2025-03-01",
        "2025-02-30",
        "1900-01-01",
        "9999-12-31",
        "262143-12-31",
        "２０２５-０３",
        "٣٨٠٠",
        "60y13m",
        "60y",
        "200y",
        "y1m",
        "99999999y",
        "male",
        "female",
        "female50",
        "female55",
        "current",
        "paper",
        "paper-2024",
        "zj",
        "ride_hailing",
        "instant_delivery",
        "same_city_freight",
        "high",
        "standard",
        "resident_id",
        "uscc",
        "11010519491231002X",
        "91350100M000100Y43",
        "<script>alert(1)</script>",
        "'; DROP TABLE x;--",
        "\u{0}",
        "\u{202e}",
        "😀",
        "缴费",
        "%",
        "%%",
        "%zz",
        "&",
        "=",
        "+",
        "\\",
        "\"",
    ]
    .iter()
    .map(|s| json!(s))
    .collect();
    v.extend([
        json!(0),
        json!(-1),
        json!(3800),
        json!(3800.5),
        json!(1e300),
        json!(-1e300),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(0.1),
        json!(null),
        json!(true),
        json!([]),
        json!([1, 2]),
        json!({}),
        json!({"a": 1}),
        json!("x".repeat(10_000)),
    ]);
    v
}

fn check(what: &str, r: &common::Reply) {
    assert!(r.status < 500, "{what} -> {} {}", r.status, r.body);
    if r.status >= 400 {
        let v: Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{what}: error is not JSON ({e}): {}", r.body));
        assert!(v["error"].is_string() && v["message"].is_string() && v["field"].is_string(), "{what}: {}", r.body);
    }
}

fn as_query_value(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
}

#[test]
fn random_fields_and_values_never_fail_the_server() {
    let mut rng = Rng::new(1);
    let values = nasty();
    let names: Vec<&str> = FIELDS.iter().chain(MORE_FIELDS.iter()).copied().collect();
    for endpoint in ENDPOINTS {
        let path = format!("/api/v1/calc/{endpoint}");
        // The endpoint's usual fields with one or more nasty values, and random extra fields.
        for _ in 0..150 {
            let mut body = serde_json::Map::new();
            for _ in 0..(1 + rng.below(6)) {
                body.insert(rng.pick(&names).to_string(), rng.pick(&values).clone());
            }
            let body = Value::Object(body);
            check(&format!("POST {path} {body}"), &common::post_json(&path, &body));
            let mut q = form_urlencoded::Serializer::new(String::new());
            for (k, v) in body.as_object().into_iter().flatten() {
                q.append_pair(k, &as_query_value(v));
            }
            let q = q.finish();
            check(&format!("GET {path}?{q}"), &get(&format!("{path}?{q}")));
        }
    }
}

#[test]
fn valid_shapes_with_nasty_values_never_fail_the_server() {
    // Every field of a valid request, one at a time, replaced by every nasty value: this reaches
    // the calculators themselves rather than stopping at the parser.
    let samples: Vec<(&str, Value)> = vec![
        ("contribution", json!({"region": "zj", "month": "2025-03", "income": "3800", "base": "5000", "policy": "paper"})),
        ("retirement", json!({"birth": "1971-04", "sex": "female", "category": "female55", "region": "zj"})),
        (
            "pension",
            json!({"region": "zj", "retire": "2025-12", "age": "60y1m", "benefit_base": "8462", "index": "0.872", "months": 517, "balance": "111640.05"}),
        ),
        ("workdays", json!({"from": "2025-09-26", "add": 7})),
        ("workdays", json!({"from": "2025-09-26", "to": "2025-10-26"})),
        ("injury", json!({"order_type": "instant_delivery", "orders": 1200, "level": "high", "date": "2025-09-01", "region": "zj"})),
        ("id-check", json!({"number": "11010519491231002X", "kind": "resident_id"})),
        ("estimate", json!({"region": "zj", "policy": "paper", "base": "6000", "month": "2025-03", "years": 15, "age": "60y3m"})),
        ("residents", json!({"grade": 100, "years": 15, "month": "2025-03", "income": 3800})),
    ];
    for (endpoint, sample) in samples {
        let path = format!("/api/v1/calc/{endpoint}");
        for field in sample.as_object().expect("object").keys() {
            for v in nasty() {
                let mut body = sample.clone();
                body[field] = v;
                check(&format!("POST {path} {body}"), &common::post_json(&path, &body));
            }
        }
    }
}

#[test]
fn raw_bytes_and_odd_requests_never_fail_the_server() {
    let bodies: Vec<Vec<u8>> = vec![
        vec![],
        b"null".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"{}".to_vec(),
        b"{\"month\":}".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"{\"month\": \"\xff\xfe\"}".to_vec(),
        "[".repeat(100_000).into_bytes(),
        format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes(),
        b"month=2025-03&income=3800".to_vec(),
        b"%%%%&&&===".to_vec(),
    ];
    for endpoint in ENDPOINTS {
        let path = format!("/api/v1/calc/{endpoint}");
        for b in &bodies {
            let text = String::from_utf8_lossy(b).into_owned();
            for ctype in ["application/json", "application/x-www-form-urlencoded", "", "application/problem+json", "image/png"] {
                check(&format!("POST {path} [{ctype}] {:?}", text.chars().take(40).collect::<String>()), &post(&path, ctype, &text));
            }
        }
        for q in ["%", "%zz", "a", "=", "&&&", "month", "month=%FF%FE", "income[]=1", "income[0]=1&income[1]=2", &"x=1&".repeat(3000)] {
            check(&format!("GET {path}?{q}"), &get(&format!("{path}?{q}")));
        }
        for method in ["PUT", "PATCH", "DELETE", "OPTIONS"] {
            check(&format!("{method} {path}"), &request(method, &path, "{}"));
        }
    }
    for p in ["/api", "/api/", "/api/v1", "/api/v1/", "/api/v1/calc", "/api/v1/calc/", "/api/v1/calc/contribution/extra", "/api/%zz"] {
        let r = get(p);
        assert_eq!(r.status, 404, "{p}");
        check(p, &r);
    }
    // Still alive.
    assert_eq!(get("/healthz").status, 200);
}

#[test]
fn the_page_survives_garbage_too() {
    let mut rng = Rng::new(42);
    let values = nasty();
    let names = ["income", "month", "years", "incomes", "base", "grade", "region", "lang", "x"];
    for _ in 0..300 {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for _ in 0..(1 + rng.below(6)) {
            let name = *rng.pick(&names);
            q.append_pair(name, &as_query_value(rng.pick(&values)));
        }
        let q = q.finish();
        let r = get(&format!("/?{q}"));
        assert_eq!(r.status, 200, "/?{q}: {}", r.body);
        assert!(!r.body.contains("<script>alert(1)"), "unescaped input echoed: /?{q}");
    }
}
