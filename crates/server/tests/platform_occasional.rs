//! A platform declares its workers' occasional income over HTTP, on both backends: signed, it
//! opens room in the worker's pension savings account (read back from the store); the very
//! same signed request again is a replay (409); signed anew with the same reference it changes
//! nothing (`duplicate`), with other data it is refused; another platform's worker is not
//! found; a bad id number, year or amount is a 422 naming its field; no clear ID in the logs.

#[path = "platform/harness.rs"]
mod harness;

use chrono::{Datelike, Utc};
use flexpension_rules::Params;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use harness::{Kind, Reply, Server, csv};

const PATH: &str = "/api/v1/platform/occasional-income";

fn declare(s: &Server, key: &str, body: &str, ts: i64) -> Reply {
    let ts = ts.to_string();
    let auth = format!("Bearer {key}");
    let sig = sign(key, &ts, body.as_bytes());
    s.send(
        "POST",
        PATH,
        &[("authorization", &auth), ("content-type", "application/json"), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &sig)],
        body.as_bytes(),
    )
}

fn body(id: &str, year: impl std::fmt::Display, yuan: &str, reference: &str) -> String {
    format!("{{\"id_number\": \"{id}\", \"year\": {year}, \"occasional_yuan\": \"{yuan}\", \"reference\": \"{reference}\"}}")
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, 2) else { return };
    let params = Params::embedded().expect("params");
    let year = (Utc::now() + chrono::Duration::hours(8)).year();
    let t = "2025-09-10T12:00:00+08:00";
    // Platform A reports earnings for worker 1 only; B for nobody.
    assert_eq!(s.csv(&s.key_a, &csv(&[["o1", &s.ids[0], "100.00", t, "instant_delivery", "g1"]])).status, 200);
    let worker = s.block_on(s.store.find_worker(&s.ids[0])).expect("find").expect("worker").id;
    let status = || s.block_on(s.store.savings_status(&params, worker, year)).expect("status");
    let before = status();
    assert_eq!(before.occasional_income_fen, 0);
    let mut ts = Utc::now().timestamp();
    let mut next = || {
        ts += 1;
        ts
    };

    let good = body(&s.ids[0], year, "5000.00", "OCC-1");
    let r = declare(&s, &s.key_a, &good, next());
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!((v["occasional_fen"].as_i64(), v["duplicate"].as_bool()), (Some(500_000), Some(false)), "{v}");
    assert!(!r.body.contains(&s.ids[0]), "the ID is masked: {}", r.body);
    assert!(v.get("balance_fen").is_none() && v.get("room_fen").is_none(), "nothing of the worker's account: {v}");
    // The worker's room reflects it.
    let after = status();
    assert_eq!(after.occasional_income_fen, 500_000);
    assert!(after.limit_fen > 0 && after.room_fen == after.limit_fen, "{after:?}");

    // The very same signed request: a replay, refused.
    let sig_ts = next();
    assert_eq!(declare(&s, &s.key_a, &good, sig_ts).status, 200);
    let r = declare(&s, &s.key_a, &good, sig_ts);
    assert_eq!((r.status, r.code()), (409, "replayed".to_string()), "{}", r.body);
    // Signed anew: nothing changes.
    let r = declare(&s, &s.key_a, &good, next());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["duplicate"], true);
    assert_eq!(status(), after);
    // The same reference with another amount: refused, nothing changes.
    let r = declare(&s, &s.key_a, &body(&s.ids[0], year, "9000.00", "OCC-1"), next());
    assert_eq!((r.status, r.code()), (409, "exists".to_string()), "{}", r.body);
    assert_eq!(status(), after);

    // Another platform's worker (and a worker nobody reported): not found, nothing changes.
    let r = declare(&s, &s.key_b, &body(&s.ids[0], year, "100.00", "B-1"), next());
    assert_eq!((r.status, r.code()), (404, "not_found".to_string()), "{}", r.body);
    let r = declare(&s, &s.key_a, &body(&s.ids[1], year, "100.00", "OCC-2"), next());
    assert_eq!((r.status, r.code()), (404, "not_found".to_string()), "{}", r.body);
    assert!(!r.body.contains(&s.ids[1]), "{}", r.body);
    assert_eq!(status(), after);

    // Bad fields: 422 naming the field.
    for (b, field) in [
        (body("123", year, "1.00", "OCC-3"), "id_number"),
        (body(&s.ids[0], year + 1, "1.00", "OCC-3"), "year"),
        (body(&s.ids[0], 1800, "1.00", "OCC-3"), "year"),
        (body(&s.ids[0], year, "-1.00", "OCC-3"), "occasional_yuan"),
        (body(&s.ids[0], year, "1.001", "OCC-3"), "occasional_yuan"),
        (body(&s.ids[0], year, "1.00", " OCC-3"), "reference"),
    ] {
        let r = declare(&s, &s.key_a, &b, next());
        assert_eq!(
            (r.status, r.code(), r.json()["field"].as_str().map(str::to_string)),
            (422, "invalid_input".into(), Some(field.into())),
            "{b}: {}",
            r.body
        );
    }
    assert_eq!(status(), after);
    // Unsigned: refused.
    let auth = format!("Bearer {}", s.key_a);
    assert_eq!(s.send("POST", PATH, &[("authorization", &auth)], good.as_bytes()).status, 401);
    // Too large: refused.
    let big = body(&s.ids[0], year, "1.00", &"x".repeat(5000));
    assert_eq!(declare(&s, &s.key_a, &big, next()).status, 413);
    assert!(!harness::logs().contains(&s.ids[0]), "no clear ID in the logs");
}

#[test]
fn platform_occasional_income_sqlite() {
    case(Kind::Sqlite);
}

#[test]
fn platform_occasional_income_postgres() {
    case(Kind::Postgres);
}
