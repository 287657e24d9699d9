//! Data in through the platform API, on SQLite and PostgreSQL: a control character (NUL above
//! all) in any field is a row error, never a failed batch or a truncated value; a CSV quote left
//! open is named by its line; the list of row errors is capped and says how many more there were.
//!
//! `cargo test -p flexpension-server --test platform_data` (FLEXPENSION_SKIP_PG=1 skips the
//! PostgreSQL half).

#[path = "platform/harness.rs"]
mod harness;

use flexpension_store::MAX_REPORTED_ERRORS;
use harness::{CSV_HEADER, Server, csv, ok, row_errors};

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn control_characters_are_row_errors() {
        run(Kind::Sqlite, super::control_characters_are_row_errors);
    }

    #[test]
    fn an_open_quote_is_named() {
        run(Kind::Sqlite, super::an_open_quote_is_named);
    }

    #[test]
    fn the_error_list_is_capped() {
        run(Kind::Sqlite, super::the_error_list_is_capped);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn control_characters_are_row_errors() {
        run(Kind::Postgres, super::control_characters_are_row_errors);
    }

    #[test]
    fn an_open_quote_is_named() {
        run(Kind::Postgres, super::an_open_quote_is_named);
    }

    #[test]
    fn the_error_list_is_capped() {
        run(Kind::Postgres, super::the_error_list_is_capped);
    }
}

const T: &str = "2025-09-01T10:00:00+08:00";

fn control_characters_are_row_errors(s: &Server) {
    let w = s.ids[0].as_str();
    let body = csv(&[
        ["n1", w, "10", T, "ride_hailing", "g\u{0}1"],
        ["n2\u{0}", w, "10", T, "ride_hailing", "g1"],
        ["n3", w, "10", T, "ride_hailing", "g1"],
    ]);
    let v = ok(&s.csv(&s.key_a, &body));
    assert_eq!((v["accepted"].as_u64(), v["rejected"].as_u64()), (Some(1), Some(2)), "{v}");
    let want = vec![(2, "grid".to_string(), "malformed".to_string()), (3, "order_id".into(), "malformed".into())];
    assert_eq!(row_errors(&v), want, "{v}");
    assert!(v["errors"][0]["reason"].as_str().is_some_and(|r| r.contains("NUL")), "{v}");
    assert_eq!(v["errors_omitted"].as_u64(), Some(0), "{v}");
    assert_eq!(s.totals(&s.a), (1, 1000));

    let line = format!(
        "{{\"order_id\":\"j1\",\"id_number\":\"{w}\",\"amount_yuan\":1,\"settled_at\":\"{T}\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\\u0000\"}}\n"
    );
    let v = ok(&s.post(&s.key_a, "application/x-ndjson", &line));
    assert_eq!(row_errors(&v), vec![(1, "grid".to_string(), "malformed".to_string())], "{v}");
    assert_eq!(s.totals(&s.a), (1, 1000));
}

fn an_open_quote_is_named(s: &Server) {
    let w = s.ids[0].as_str();
    let body = format!("{CSV_HEADER}q1,{w},10,{T},ride_hailing,g1\n\"q2,{w},10,{T},ride_hailing,g1\nq3,{w},10,{T},ride_hailing,g1\n");
    let v = ok(&s.csv(&s.key_a, &body));
    assert_eq!(row_errors(&v), vec![(3, "line".to_string(), "malformed".to_string())], "{v}");
    assert!(v["errors"][0]["reason"].as_str().is_some_and(|r| r.contains("quote") && r.contains("line 4")), "{v}");
}

fn the_error_list_is_capped(s: &Server) {
    let w = s.ids[0].as_str();
    // 50,000 bad rows: ~4 MB of body, an answer of at most about a thousand errors.
    let bad = 50_000;
    let mut body = String::with_capacity(bad * 80 + 100);
    body.push_str(CSV_HEADER);
    for i in 0..bad {
        body.push_str(&format!("b{i},{w},x,{T},ride_hailing,g1\n"));
    }
    let r = s.csv(&s.key_a, &body);
    let v = ok(&r);
    assert_eq!(v["rejected"].as_u64(), Some(bad as u64));
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(MAX_REPORTED_ERRORS));
    assert_eq!(v["errors_omitted"].as_u64(), Some((bad - MAX_REPORTED_ERRORS) as u64));
    assert!(r.body.len() < 400 * MAX_REPORTED_ERRORS, "an answer of {} bytes", r.body.len());
}
