//! The platform API over real HTTP on a real store, SQLite and PostgreSQL: batches in, counts
//! and row errors out, authentication and signatures, replays, limits, personal data, garbage.
//!
//! `cargo test -p flexpension-server --test platform_api` (FLEXPENSION_SKIP_PG=1 skips the
//! PostgreSQL half).

#[path = "platform/harness.rs"]
mod harness;

use chrono::Utc;
use flexpension_rules::YearMonth;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_testkit::{Rng, resident_id};
use harness::{CSV_HEADER, Kind, Reply, Server, csv, logs, ok, row_errors};
use serde_json::Value;

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn accepts_csv_and_json_lines() {
        run(Kind::Sqlite, super::accepts_csv_and_json_lines);
    }

    #[test]
    fn bad_rows_are_named_by_line_and_never_written() {
        run(Kind::Sqlite, super::bad_rows_are_named_by_line_and_never_written);
    }

    #[test]
    fn duplicates_and_conflicts() {
        run(Kind::Sqlite, super::duplicates_and_conflicts);
    }

    #[test]
    fn malformed_bodies_write_nothing() {
        run(Kind::Sqlite, super::malformed_bodies_write_nothing);
    }

    #[test]
    fn authentication_and_signatures() {
        run(Kind::Sqlite, super::authentication_and_signatures);
    }

    #[test]
    fn replays_and_retries() {
        run(Kind::Sqlite, super::replays_and_retries);
    }

    #[test]
    fn personal_data_never_in_clear() {
        run(Kind::Sqlite, super::personal_data_never_in_clear);
    }

    #[test]
    fn garbage_never_fails_the_server() {
        run(Kind::Sqlite, super::garbage_never_fails_the_server);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn accepts_csv_and_json_lines() {
        run(Kind::Postgres, super::accepts_csv_and_json_lines);
    }

    #[test]
    fn bad_rows_are_named_by_line_and_never_written() {
        run(Kind::Postgres, super::bad_rows_are_named_by_line_and_never_written);
    }

    #[test]
    fn duplicates_and_conflicts() {
        run(Kind::Postgres, super::duplicates_and_conflicts);
    }

    #[test]
    fn malformed_bodies_write_nothing() {
        run(Kind::Postgres, super::malformed_bodies_write_nothing);
    }

    #[test]
    fn authentication_and_signatures() {
        run(Kind::Postgres, super::authentication_and_signatures);
    }

    #[test]
    fn replays_and_retries() {
        run(Kind::Postgres, super::replays_and_retries);
    }

    #[test]
    fn personal_data_never_in_clear() {
        run(Kind::Postgres, super::personal_data_never_in_clear);
    }

    #[test]
    fn garbage_never_fails_the_server() {
        run(Kind::Postgres, super::garbage_never_fails_the_server);
    }
}

fn counts(v: &Value) -> [u64; 4] {
    ["accepted", "duplicate", "conflicting", "rejected"].map(|k| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}")))
}

fn refused(r: &Reply, status: u16, code: &str, field: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let v = r.json();
    assert_eq!((v["error"].as_str(), v["field"].as_str()), (Some(code), Some(field)), "{}", r.body);
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.body);
}

fn month(s: &str) -> YearMonth {
    s.parse().expect("month")
}

fn accepts_csv_and_json_lines(s: &Server) {
    let (w0, w1) = (&s.ids[0], &s.ids[1]);
    let body = csv(&[
        ["o1", w0, "23.50", "2025-09-01T12:30:00+08:00", "instant_delivery", "g1"],
        ["o2", w1, "100", "2025-09-02 08:00:00", "ride_hailing", "g2"],
        // 16:30 UTC on 31 August is 1 September in China: September's income.
        ["o3", w0, "0.01", "2025-08-31T16:30:00Z", "same_city_freight", "g1"],
    ]);
    let v = ok(&s.csv(&s.key_a, &body));
    assert_eq!(counts(&v), [3, 0, 0, 0], "{v}");
    assert_eq!(v["income_fen"], 12_351);
    assert!(v["batch_id"].is_i64() && v["errors"].as_array().is_some_and(Vec::is_empty), "{v}");
    let premium_a = v["premium_fen"].as_i64().expect("premium");
    assert!(premium_a > 0, "{v}");

    // The same order id at another platform is another order. Amounts as numbers or text.
    let jsonl = format!(
        "{{\"order_id\":\"o1\",\"id_number\":\"{w0}\",\"amount_yuan\":12.5,\"settled_at\":\"2025-09-03T09:00:00+08:00\",\"order_type\":\"instant_delivery\",\"grid\":\"g2\"}}\n\
         \n\
         {{\"order_id\":\"o9\",\"id_number\":\"{w0}\",\"amount_yuan\":\"7\",\"settled_at\":\"2025-10-01T00:00:00+08:00\",\"order_type\":\"instant_delivery\",\"grid\":\"g1\",\"extra\":1}}\n"
    );
    let v = ok(&s.post(&s.key_b, "application/x-ndjson", &jsonl));
    assert_eq!(counts(&v), [2, 0, 0, 0], "{v}");

    // The worker's month: both platforms, the kept figure equal to the rows.
    let w = s.block_on(s.store.find_worker(w0)).expect("find").expect("worker");
    let m = s.block_on(s.store.worker_month_income(w.id, month("2025-09"))).expect("income");
    assert_eq!(m.income_fen, 2350 + 1 + 1250);
    let split: Vec<(i64, i64)> = m.by_platform.iter().map(|p| (p.income_fen, p.orders)).collect();
    assert_eq!(split, vec![(2351, 2), (1250, 1)]);
    assert_eq!(m, s.block_on(s.store.worker_month_income_from_rows(w.id, month("2025-09"))).expect("rows"));

    // Premiums: what the accepted orders accrued, by order type.
    let p = ok(&s.premiums(&s.key_a, "month=2025-09"));
    assert_eq!((p["platform_id"].as_i64(), p["month"].as_str(), p["orders"].as_i64()), (Some(s.a.id.0), Some("2025-09"), Some(3)));
    assert_eq!(p["premium_fen"].as_i64(), Some(premium_a));
    let types: Vec<&str> = p["by_order_type"].as_array().expect("lines").iter().filter_map(|l| l["order_type"].as_str()).collect();
    assert_eq!(types, ["ride_hailing", "instant_delivery", "same_city_freight"]);
    let empty = ok(&s.premiums(&s.key_a, "month=2025-08"));
    assert_eq!((empty["orders"].as_i64(), empty["premium_fen"].as_i64()), (Some(0), Some(0)));
    assert!(empty["by_order_type"].as_array().is_some_and(Vec::is_empty));
    // Platform B pays the high level: more per instant-delivery order than A.
    let pb = ok(&s.premiums(&s.key_b, "month=2025-09"));
    assert_eq!(pb["orders"].as_i64(), Some(1));
}

fn bad_rows_are_named_by_line_and_never_written(s: &Server) {
    let w0 = s.ids[0].as_str();
    let typo = format!("{}{}", &w0[..17], if w0.ends_with('0') { "1" } else { "0" });
    let stranger = resident_id("330102", "19770707", 123);
    let t = "2025-09-01T10:00:00+08:00";
    let body = csv(&[
        ["g-1", w0, "10", t, "ride_hailing", "g1"],                     // 2 good
        ["b-3", &typo, "10", t, "ride_hailing", "g1"],                  // 3 invalid ID
        ["b-4", &stranger, "10", t, "ride_hailing", "g1"],              // 4 unknown worker
        ["b-5", w0, "-5", t, "ride_hailing", "g1"],                     // 5 negative
        ["b-6", w0, "1000000", t, "ride_hailing", "g1"],                // 6 absurd
        ["b-7", w0, "12.345", t, "ride_hailing", "g1"],                 // 7 fractions of a fen
        ["b-8", w0, "10", "2019-06-01T10:00:00", "ride_hailing", "g1"], // 8 no rules for 2019
        ["b-9", w0, "10", "2099-01-01T10:00:00", "ride_hailing", "g1"], // 9 in the future
        ["b-10", w0, "10", t, "bicycle", "g1"],                         // 10 order type
        ["b-11", w0, "10", t, "ride_hailing", "g404"],                  // 11 unknown grid
        ["b-12", w0, "10", "yesterday", "ride_hailing", "g1"],          // 12 not a time
        ["", w0, "10", t, "ride_hailing", "g1"],                        // 13 no order id
        ["b-14", w0, "abc", t, "ride_hailing", "g1"],                   // 14 not a number
        ["g-15", w0, "0.99", t, "instant_delivery", "g2"],              // 15 good
    ]) + "only,three,fields\n"; // 16 malformed
    let v = ok(&s.csv(&s.key_a, &body));
    assert_eq!(counts(&v), [2, 0, 0, 13], "{v}");
    let want: Vec<(u64, &str, &str)> = vec![
        (3, "id_number", "invalid_id"),
        (4, "id_number", "unknown_worker"),
        (5, "amount_yuan", "amount"),
        (6, "amount_yuan", "amount"),
        (7, "amount_yuan", "amount"),
        (8, "settled_at", "no_rules"),
        (9, "settled_at", "settled_at"),
        (10, "order_type", "order_type"),
        (11, "grid", "unknown_grid"),
        (12, "settled_at", "settled_at"),
        (13, "order_id", "malformed"),
        (14, "amount_yuan", "amount"),
        (16, "line", "malformed"),
    ];
    let got = row_errors(&v);
    assert_eq!(got.iter().map(|(l, f, c)| (*l, f.as_str(), c.as_str())).collect::<Vec<_>>(), want, "{v}");
    for e in v["errors"].as_array().expect("errors") {
        assert!(e["reason"].as_str().is_some_and(|r| r.len() > 5), "{e}");
    }
    // Only the good rows were written.
    assert_eq!(s.totals(&s.a), (2, 1099));

    // JSON lines: a broken line is a rejected row too, named by its line.
    let jsonl = format!(
        "{{\"order_id\":\"j1\",\"id_number\":\"{w0}\",\"amount_yuan\":1,\"settled_at\":\"{t}\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {{oops\n\
         {{\"order_id\":\"j3\",\"id_number\":\"{w0}\",\"settled_at\":\"{t}\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {{\"order_id\":\"j4\",\"id_number\":\"{w0}\",\"amount_yuan\":null,\"settled_at\":\"{t}\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n"
    );
    let v = ok(&s.post(&s.key_a, "application/x-ndjson", &jsonl));
    assert_eq!(counts(&v), [1, 0, 0, 3], "{v}");
    let lines: Vec<u64> = row_errors(&v).iter().map(|p| p.0).collect();
    assert_eq!(lines, [2, 3, 4], "{v}");
    assert_eq!(s.totals(&s.a), (3, 1199));
}

fn duplicates_and_conflicts(s: &Server) {
    let (w0, w1) = (s.ids[0].as_str(), s.ids[1].as_str());
    let t = "2025-09-05T18:00:00+08:00";
    let v = ok(&s.csv(&s.key_a, &csv(&[["o1", w0, "10.00", t, "ride_hailing", "g1"], ["o2", w1, "20", t, "ride_hailing", "g1"]])));
    assert_eq!(counts(&v), [2, 0, 0, 0]);
    let body = csv(&[
        ["o1", w0, "10", t, "ride_hailing", "g1"], // 2 the same again: duplicate
        ["o2", w1, "25", t, "ride_hailing", "g1"], // 3 another amount: conflicting
        ["o3", w0, "5", t, "ride_hailing", "g1"],  // 4 new
        ["o3", w0, "5", t, "ride_hailing", "g1"],  // 5 repeated in the batch: duplicate
        ["o4", w1, "7", t, "ride_hailing", "g1"],  // 6 new
        ["o4", w0, "7", t, "ride_hailing", "g1"],  // 7 the same id, another worker: conflicting
        ["o2", w1, "20", t, "ride_hailing", "g2"], // 8 another grid: conflicting
    ]);
    let v = ok(&s.csv(&s.key_a, &body));
    assert_eq!(counts(&v), [2, 2, 3, 0], "{v}");
    let got = row_errors(&v);
    assert_eq!(
        got.iter().map(|p| (p.0, p.1.as_str(), p.2.as_str())).collect::<Vec<_>>(),
        [(3, "order_id", "conflict"), (7, "order_id", "conflict"), (8, "order_id", "conflict")]
    );
    let reasons: Vec<&str> = v["errors"].as_array().expect("errors").iter().filter_map(|e| e["reason"].as_str()).collect();
    assert!(reasons[0].contains("amount") && reasons[1].contains("worker") && reasons[2].contains("grid"), "{reasons:?}");
    // The stored amounts are the first ones.
    assert_eq!(s.totals(&s.a), (4, 1000 + 2000 + 500 + 700));
}

fn malformed_bodies_write_nothing(s: &Server) {
    let key = s.key_a.as_str();
    refused(&s.csv(key, ""), 400, "malformed", "body");
    refused(&s.csv(key, "\n \n"), 400, "malformed", "body");
    let no_grid = format!("order_id,id_number,amount_yuan,settled_at,order_type\no1,{},1,2025-09-01T10:00:00,ride_hailing\n", s.ids[0]);
    refused(&s.csv(key, &no_grid), 400, "malformed", "header");
    // Refused before anything is written: the very same signed request is refused the same way
    // again (its signature was not used up).
    let ts = Utc::now().timestamp().to_string();
    let sig = sign(key, &ts, no_grid.as_bytes());
    refused(&s.post_signed(key, "text/csv", &no_grid, &ts, &sig), 400, "malformed", "header");
    refused(&s.post_signed(key, "text/csv", &no_grid, &ts, &sig), 400, "malformed", "header");
    refused(&s.post(key, "application/x-ndjson", "[{\"order_id\":\"o1\"}]"), 400, "malformed", "body");
    refused(&s.post(key, "application/x-ndjson", "hello\n"), 400, "malformed", "body");
    refused(&s.post(key, "application/json", "{}"), 415, "unsupported_media_type", "content-type");
    refused(&s.post(key, "", "{}"), 415, "unsupported_media_type", "content-type");
    // Limits: rows, then bytes.
    let row = format!("x,{},1,2025-09-01T10:00:00,ride_hailing,g1\n", s.ids[0]);
    let many = format!("{CSV_HEADER}{}", row.repeat(flexpension_server::MAX_BATCH_ROWS + 1));
    refused(&s.csv(key, &many), 413, "payload_too_large", "body");
    let huge = format!("{CSV_HEADER}{}", "x".repeat(flexpension_server::MAX_BATCH_BYTES));
    refused(&s.csv(key, &huge), 413, "payload_too_large", "body");
    assert_eq!(s.totals(&s.a), (0, 0));
    // A CSV with only its header is a batch of nothing.
    assert_eq!(counts(&ok(&s.csv(key, CSV_HEADER))), [0, 0, 0, 0]);
}

fn authentication_and_signatures(s: &Server) {
    let body = csv(&[["a1", &s.ids[0], "10", "2025-09-01T10:00:00", "ride_hailing", "g1"]]);
    let b = body.as_bytes();
    let now = Utc::now().timestamp();
    let ts = now.to_string();
    let good = sign(&s.key_a, &ts, b);
    let path = "/api/v1/platform/earnings";
    let send = |h: &[(&str, &str)]| {
        let mut headers = vec![("content-type", "text/csv")];
        headers.extend_from_slice(h);
        s.send("POST", path, &headers, b)
    };
    let bearer = format!("Bearer {}", s.key_a);
    refused(&send(&[(TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &good)]), 401, "unauthenticated", "authorization");
    refused(
        &send(&[("authorization", "Bearer fpk_nope"), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &good)]),
        401,
        "bad_api_key",
        "authorization",
    );
    refused(&send(&[("authorization", "Basic dXNlcjpwYXNz")]), 401, "bad_api_key", "authorization");
    refused(&send(&[("authorization", &bearer), ("x-api-key", &s.key_b)]), 401, "bad_api_key", "x-api-key");
    refused(&send(&[("authorization", &bearer), (SIGNATURE_HEADER, &good)]), 401, "missing_signature", TIMESTAMP_HEADER);
    refused(&send(&[("authorization", &bearer), (TIMESTAMP_HEADER, &ts)]), 401, "missing_signature", SIGNATURE_HEADER);
    let by_b = sign(&s.key_b, &ts, b);
    refused(
        &send(&[("authorization", &bearer), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &by_b)]),
        401,
        "bad_signature",
        SIGNATURE_HEADER,
    );
    let other_body = sign(&s.key_a, &ts, b"order_id\n");
    refused(
        &send(&[("authorization", &bearer), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &other_body)]),
        401,
        "bad_signature",
        SIGNATURE_HEADER,
    );
    let other_ts = sign(&s.key_a, &(now - 1).to_string(), b);
    refused(
        &send(&[("authorization", &bearer), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &other_ts)]),
        401,
        "bad_signature",
        SIGNATURE_HEADER,
    );
    refused(
        &send(&[("authorization", &bearer), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, "v1=zz")]),
        401,
        "bad_signature",
        SIGNATURE_HEADER,
    );
    refused(
        &send(&[("authorization", &bearer), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &good[3..])]),
        401,
        "bad_signature",
        SIGNATURE_HEADER,
    );
    refused(
        &send(&[("authorization", &bearer), (TIMESTAMP_HEADER, "soon"), (SIGNATURE_HEADER, &good)]),
        401,
        "bad_signature",
        TIMESTAMP_HEADER,
    );
    // Correctly signed, but too old or too far ahead.
    // Ten seconds past the 300 s window each way, so a slow run cannot drift back inside it.
    for t in [now - 310, now + 310, 0] {
        let t = t.to_string();
        refused(&s.post_signed(&s.key_a, "text/csv", &body, &t, &sign(&s.key_a, &t, b)), 401, "stale_timestamp", TIMESTAMP_HEADER);
    }
    assert_eq!(s.totals(&s.a), (0, 0), "nothing refused was written");
    // X-Api-Key works as well as Bearer; a little clock skew is fine.
    let t = (now - 100).to_string();
    let r = send(&[("x-api-key", &s.key_a), (TIMESTAMP_HEADER, &t), (SIGNATURE_HEADER, &sign(&s.key_a, &t, b))]);
    assert_eq!(counts(&ok(&r)), [1, 0, 0, 0]);
    assert_eq!(s.totals(&s.a), (1, 1000));

    // Reads: the key, no signature.
    refused(&s.send("GET", "/api/v1/platform/premiums?month=2025-09", &[], b""), 401, "unauthenticated", "authorization");
    refused(&s.premiums("fpk_nope", "month=2025-09"), 401, "bad_api_key", "authorization");
    assert_eq!(ok(&s.premiums(&s.key_b, "month=2025-09"))["platform_id"].as_i64(), Some(s.b.id.0));
    refused(&s.premiums(&s.key_a, "month=2025-13"), 400, "invalid_input", "month");
    refused(&s.premiums(&s.key_a, ""), 400, "missing_field", "month");
    refused(&s.premiums(&s.key_a, "month=2025-09&worker=1"), 400, "unknown_field", "worker");
    refused(&s.send("DELETE", "/api/v1/platform/premiums", &[("x-api-key", &s.key_a)], b""), 405, "method_not_allowed", "");
    refused(&s.send("GET", path, &[("x-api-key", &s.key_a)], b""), 405, "method_not_allowed", "");
}

fn replays_and_retries(s: &Server) {
    let body = csv(&[
        ["r1", &s.ids[0], "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["r2", &s.ids[0], "-1", "2025-09-01T10:00:00", "ride_hailing", "g1"],
    ]);
    let ts = Utc::now().timestamp().to_string();
    let sig = sign(&s.key_a, &ts, body.as_bytes());
    let first = ok(&s.post_signed(&s.key_a, "text/csv", &body, &ts, &sig));
    assert_eq!(counts(&first), [1, 0, 0, 1]);
    // The very same request again: refused, which proves the first committed.
    refused(&s.post_signed(&s.key_a, "text/csv", &body, &ts, &sig), 409, "replayed", SIGNATURE_HEADER);
    let upper = format!("v1={}", sig[3..].to_uppercase());
    refused(&s.post_signed(&s.key_a, "text/csv", &body, &ts, &upper), 409, "replayed", SIGNATURE_HEADER);
    // Re-signed (a new timestamp): the report again, nothing written twice.
    let ts2 = (ts.parse::<i64>().expect("ts") + 1).to_string();
    let again = ok(&s.post_signed(&s.key_a, "text/csv", &body, &ts2, &sign(&s.key_a, &ts2, body.as_bytes())));
    assert_eq!(counts(&again), [0, 1, 0, 1]);
    assert_eq!(row_errors(&again), row_errors(&first));
    assert_eq!(s.totals(&s.a), (1, 1000));
    // A signature is per platform: B may send the same bytes (its own signature differs anyway).
    assert_eq!(counts(&ok(&s.csv(&s.key_b, &body))), [1, 0, 0, 1]);
}

fn personal_data_never_in_clear(s: &Server) {
    let registered = s.ids.clone();
    let w0 = registered[0].as_str();
    let stranger = resident_id("330102", "19770707", 123);
    let typo = format!("{}{}", &w0[..17], if w0.ends_with('0') { "1" } else { "0" });
    let bad_birth = "330106199013450012".to_string();
    let t = "2025-09-01T10:00:00+08:00";
    let mut seen = String::new();
    let body = csv(&[
        ["p1", w0, "10", t, "ride_hailing", "g1"],
        ["p2", &stranger, "10", t, "ride_hailing", "g1"],
        ["p3", &typo, "10", t, "ride_hailing", "g1"],
        ["p4", &bad_birth, "10", t, "ride_hailing", "g1"],
        ["p1", &registered[1], "10", t, "ride_hailing", "g1"],
        ["p5", &stranger, "-1", t, "bus", "g404"],
    ]);
    seen += &s.csv(&s.key_a, &body).body;
    // JSON that parsers echo: the number as a JSON number, in an array, a line that is only it.
    let jsonl = format!(
        "{{\"order_id\":\"q1\",\"id_number\":{typo},\"amount_yuan\":1,\"settled_at\":\"{t}\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {{\"order_id\":\"q2\",\"id_number\":[\"{stranger}\"],\"amount_yuan\":1,\"settled_at\":\"{t}\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {typo}\n\
         \"{stranger}\"\n\
         [\"{bad_birth}\", {typo}]\n\
         {{\"order_id\":{typo},\"id_number\":\"{stranger}\",\"amount_yuan\":\"{bad_birth}\",\"settled_at\":\"{stranger}\",\"order_type\":\"{w0}\",\"grid\":\"{typo}\"}}\n"
    );
    seen += &s.post(&s.key_a, "application/x-ndjson", &jsonl).body;
    seen += &s.csv(&s.key_a, &format!("{stranger},{typo}\n1,2\n")).body;
    // Numbers where keys and signatures go.
    seen += &s.csv(&stranger, &body).body;
    seen += &s.post_signed(&s.key_a, "text/csv", &body, &stranger, &sign(&s.key_a, &stranger, body.as_bytes())).body;
    seen += &s.post_signed(&s.key_a, "text/csv", &body, "1", &format!("v1={typo}")).body;
    seen += &s.premiums(&s.key_a, &format!("month={stranger}")).body;
    seen += &s.premiums(&s.key_a, &format!("month=2025-09&{typo}=1")).body;
    seen += &s.premiums(&s.key_a, "month=2025-09").body;
    assert!(seen.contains("1101") || seen.contains("3301"), "masked numbers are shown: {seen}");
    let logged = logs();
    assert!(logged.contains("earnings batch committed"), "the log is captured: {logged}");
    let mut secrets = registered.clone();
    secrets.extend([stranger, typo, bad_birth]);
    for id in &secrets {
        for form in [id.clone(), id.to_lowercase(), id[..17].to_string()] {
            assert!(!seen.contains(&form), "an answer to a platform holds a resident ID in clear: {seen}");
            assert!(!logged.contains(&form), "a log line holds a resident ID in clear: {logged}");
        }
    }
}

fn garbage_never_fails_the_server(s: &Server) {
    let w0 = s.ids[0].as_str();
    let mut bodies: Vec<Vec<u8>> = vec![
        vec![0, 0, 0],
        vec![0xff, 0xfe, 0x00, 0x7b, b'\n'],
        format!("{CSV_HEADER}o1,{w0},\u{0}1,2025-09-01T10:00:00,ride_hailing,g1\n").into_bytes(),
        [CSV_HEADER.as_bytes(), b"o1,\xff\xfe,1,2025-09-01T10:00:00,ride_hailing,g1\n"].concat(),
        format!("{CSV_HEADER}\"o1,{w0},1,2025-09-01T10:00:00,ride_hailing,g1\n").into_bytes(),
        format!("{CSV_HEADER}{}\n", "x".repeat(1 << 20)).into_bytes(),
        format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes(),
        format!("{{\"order_id\":\"o\",\"id_number\":\"{w0}\",\"amount_yuan\":1e400,\"settled_at\":\"2025-09-01T10:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n").into_bytes(),
        format!("{{\"order_id\":\"o\",\"id_number\":\"{w0}\",\"amount_yuan\":\"9223372036854775807\",\"settled_at\":\"262143-12-31T00:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n").into_bytes(),
        format!("\u{feff}{{\"order_id\":\"o\",\"id_number\":\"{w0}\",\"amount_yuan\":1,\"settled_at\":\"2025-09-01T10:00:00+14:59\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n").into_bytes(),
        format!("{CSV_HEADER}{},{w0},1,2025-09-01T10:00:00,ride_hailing,g1\n", "o".repeat(10_000)).into_bytes(),
        b"order_id,order_id,order_id,order_id,order_id,order_id\n1,2,3,4,5,6\n".to_vec(),
    ];
    let mut rng = Rng::new(1);
    for n in [1usize, 7, 100, 4096] {
        let mut bytes = vec![0; n];
        rng.fill(&mut bytes);
        bodies.push(bytes);
        let alphabet = b"{}[],\"\n:0a-";
        let text: String = (0..n).map(|_| *rng.pick(alphabet) as char).collect();
        bodies.push(text.into_bytes());
    }
    for b in &bodies {
        for ctype in ["text/csv", "application/x-ndjson"] {
            let ts = Utc::now().timestamp().to_string();
            let sig = sign(&s.key_a, &ts, b);
            let auth = format!("Bearer {}", s.key_a);
            let r = s.send(
                "POST",
                "/api/v1/platform/earnings",
                &[("authorization", &auth), ("content-type", ctype), (TIMESTAMP_HEADER, &ts), (SIGNATURE_HEADER, &sig)],
                b,
            );
            let what = format!("{ctype} {:?}", String::from_utf8_lossy(&b[..b.len().min(60)]));
            assert!(r.status < 500, "{what} -> {} {}", r.status, r.body);
            let v = r.json();
            if r.status >= 400 {
                assert!(v["error"].is_string() && v["message"].is_string() && v["field"].is_string(), "{what}: {}", r.body);
            } else {
                assert!(counts(&v).iter().sum::<u64>() as usize <= b.len(), "{what}: {v}");
            }
        }
    }
    assert_eq!(s.send("GET", "/healthz", &[], b"").status, 200);
}

#[test]
fn without_a_store_the_platform_api_is_off() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let params = std::sync::Arc::new(flexpension_rules::Params::embedded().expect("params"));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    rt.spawn(async move { axum::serve(listener, flexpension_server::router(flexpension_server::AppState::new(params))).await });
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut r = agent.get(format!("{base}/api/v1/platform/premiums?month=2025-09")).header("x-api-key", "k").call().expect("get");
    assert_eq!(r.status().as_u16(), 503);
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(v["error"], "no_store");
    // The calculators work as before.
    let r = agent.get(format!("{base}/api/v1/calc/contribution?month=2025-03&income=3800")).call().expect("get");
    assert_eq!(r.status().as_u16(), 200);
}

fn props(schema: &Value) -> std::collections::BTreeSet<String> {
    schema["properties"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

/// Object keys match the schema: nothing undocumented, nothing required missing.
fn conforms(what: &str, v: &Value, schema: &Value) {
    let keys: std::collections::BTreeSet<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    let required: std::collections::BTreeSet<String> =
        schema["required"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
    let p = props(schema);
    assert!(!p.is_empty(), "{what}: no schema");
    assert!(keys.is_subset(&p), "{what}: undocumented fields {:?}", keys.difference(&p).collect::<Vec<_>>());
    assert!(required.is_subset(&keys), "{what}: required but absent {:?}", required.difference(&keys).collect::<Vec<_>>());
}

#[test]
fn the_openapi_document_describes_the_platform_api() {
    let Some(s) = Server::start(Kind::Sqlite, 2) else { return };
    let doc = s.send("GET", "/api/v1/openapi.json", &[], b"").json();
    let schemas = &doc["components"]["schemas"];
    let post = &doc["paths"]["/api/v1/platform/earnings"]["post"];
    let text = post["description"].as_str().expect("description");
    for needle in ["replayed", "duplicate", "conflicting", "(platform, order id)", "50,000 rows", "16 MiB", "X-Flexpension-Signature"] {
        assert!(text.contains(needle), "the description says {needle}");
    }
    for code in ["200", "400", "401", "409", "413", "415", "503"] {
        assert!(post["responses"][code].is_object(), "earnings {code}");
    }
    assert_eq!(post["requestBody"]["content"]["application/x-ndjson"]["schema"]["$ref"], "#/components/schemas/EarningsRow");
    assert!(post["requestBody"]["content"]["text/csv"].is_object());
    let row = props(&schemas["EarningsRow"]);
    assert_eq!(row.into_iter().collect::<Vec<_>>().join(","), "amount_yuan,grid,id_number,order_id,order_type,settled_at");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object() && doc["components"]["securitySchemes"]["api_key"].is_object());

    let body = csv(&[
        ["d1", &s.ids[0], "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["d2", &s.ids[0], "x", "2025-09-01T10:00:00", "ride_hailing", "g1"],
    ]);
    let v = ok(&s.csv(&s.key_a, &body));
    conforms("IngestAnswer", &v, &schemas["IngestAnswer"]);
    for e in v["errors"].as_array().expect("errors") {
        conforms("RowProblem", e, &schemas["RowProblem"]);
    }
    let p = ok(&s.premiums(&s.key_a, "month=2025-09"));
    conforms("PremiumsAnswer", &p, &schemas["PremiumsAnswer"]);
    for l in p["by_order_type"].as_array().expect("lines") {
        conforms("PremiumLine", l, &schemas["PremiumLine"]);
    }
    let get = &doc["paths"]["/api/v1/platform/premiums"]["get"];
    assert_eq!(get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/PremiumsAnswer");
    let e = s.premiums("fpk_nope", "month=2025-09").json();
    conforms("Error", &e, &schemas["Error"]);
}
