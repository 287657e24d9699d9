//! A platform's bill over HTTP on both backends: it reads its bill (API key), pays it signed,
//! the bill shows it paid; the very same signed request again is refused as a replay and a
//! new signature with the same reference changes nothing (`duplicate`); more than it owes is
//! refused; its tax statement says it is the paper's proposal, not law.

#[path = "platform/harness.rs"]
mod harness;

use chrono::Utc;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use harness::{Kind, Reply, Server, csv};

fn pay(s: &Server, key: &str, body: &str, ts: &str) -> Reply {
    let auth = format!("Bearer {key}");
    let sig = sign(key, ts, body.as_bytes());
    s.send(
        "POST",
        "/api/v1/platform/payments",
        &[("authorization", &auth), ("content-type", "application/json"), (TIMESTAMP_HEADER, ts), (SIGNATURE_HEADER, &sig)],
        body.as_bytes(),
    )
}

fn get(s: &Server, key: &str, path: &str) -> Reply {
    s.send("GET", path, &[("authorization", &format!("Bearer {key}"))], "")
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, 2) else { return };
    let t = "2025-09-10T12:00:00+08:00";
    let orders = csv(&[["c1", &s.ids[0], "100.00", t, "instant_delivery", "g1"], ["c2", &s.ids[1], "50.00", t, "instant_delivery", "g1"]]);
    assert_eq!(s.csv(&s.key_a, &orders).status, 200);
    let bill = get(&s, &s.key_a, "/api/v1/platform/bill?month=2025-09");
    assert_eq!(bill.status, 200, "{}", bill.body);
    let b = bill.json();
    let total = b["total_fen"].as_i64().expect("total");
    assert!(total > 0 && b["injury_premium_fen"].as_i64() == Some(total), "{b}");
    assert_eq!(b["paid_fen"].as_i64(), Some(0));

    let ts = Utc::now().timestamp().to_string();
    let over = format!("{{\"amount_fen\": {}, \"reference\": \"B-1\"}}", total + 1);
    let r = pay(&s, &s.key_a, &over, &ts);
    assert_eq!((r.status, r.code()), (422, "invalid_input".to_string()), "{}", r.body);
    let body = format!("{{\"amount_fen\": {total}, \"reference\": \"B-1\"}}");
    let ts = (Utc::now().timestamp() + 1).to_string();
    let r = pay(&s, &s.key_a, &body, &ts);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["duplicate"], false);
    let paid = get(&s, &s.key_a, "/api/v1/platform/bill?month=2025-09").json();
    assert_eq!((paid["paid_fen"].as_i64(), paid["outstanding_fen"].as_i64()), (Some(total), Some(0)), "{paid}");
    // The very same signed request: a replay, refused.
    let r = pay(&s, &s.key_a, &body, &ts);
    assert_eq!(r.status, 409, "{}", r.body);
    // Signed anew, the same reference: nothing changes.
    let r = pay(&s, &s.key_a, &body, &(Utc::now().timestamp() + 2).to_string());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["duplicate"], true);
    assert_eq!(get(&s, &s.key_a, "/api/v1/platform/bill?month=2025-09").json(), paid);
    // Another platform sees its own bill only.
    assert_eq!(get(&s, &s.key_b, "/api/v1/platform/bill?month=2025-09").json()["total_fen"].as_i64(), Some(0));
    // A bad signature is refused.
    let auth = format!("Bearer {}", s.key_a);
    let r = s.send("POST", "/api/v1/platform/payments", &[("authorization", &auth), ("content-type", "application/json")], body.as_bytes());
    assert_eq!(r.status, 401, "{}", r.body);

    let st = get(&s, &s.key_a, "/api/v1/platform/statement?year=2025");
    assert_eq!(st.status, 200, "{}", st.body);
    let v = st.json();
    assert_eq!(v["paid_fen"].as_i64(), Some(0), "injury premiums are not pension contributions: {v}");
    assert!(v["warnings"].to_string().contains("not yet law"), "{v}");
    assert!(v.get("immediate_refund").is_some() && v.get("deduction_fen").is_some() && v.get("tax_effect_fen").is_some(), "{v}");
}

#[test]
fn platform_bill_over_http_sqlite() {
    case(Kind::Sqlite);
}

#[test]
fn platform_bill_over_http_postgres() {
    case(Kind::Postgres);
}
