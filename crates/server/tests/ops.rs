//! Operations on both backends: `/metrics` on the operations address parses as the Prometheus
//! text format and its counters move with traffic (requests by route template, ingest rows);
//! the public address gives a stranger no metrics; a token shuts the operations address to
//! anyone without it; every answer has an `x-request-id`, which API errors repeat in their
//! body; `/readyz` is ready with a store and says why not when it is stopping.

#[path = "platform/harness.rs"]
mod harness;

use harness::{Kind, Server, csv};
use std::collections::HashMap;

/// The metrics are the process's: the tests of this binary run one at a time so that the
/// counters one test reads move only with its own traffic.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// A server with its operations address (token `tok` when `token`); (server, ops base).
fn start(kind: Kind, token: bool) -> Option<(Server, String)> {
    let mut ops = None;
    let s = Server::start_with(kind, 4, |rt, _, state| {
        let l = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind ops");
        ops = Some(format!("http://{}", l.local_addr().expect("addr")));
        rt.spawn(flexpension_server::ops::serve_ops(l, state.clone(), token.then(|| "tok".to_string())));
        state
    })?;
    Some((s, ops.expect("ops address")))
}

fn get(url: &str, auth: Option<&str>) -> (u16, String) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut req = agent.get(url);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let mut r = req.call().expect("GET");
    (r.status().as_u16(), r.body_mut().read_to_string().expect("body"))
}

/// A sample: metric name and its labels.
type Key = (String, Vec<(String, String)>);

/// Parse the Prometheus text format (0.0.4) strictly enough to catch a malformed line: comments
/// are `# HELP name text` or `# TYPE name kind`; a sample is `name{l="v",...} value`.
fn parse(text: &str) -> HashMap<Key, f64> {
    let mut out = HashMap::new();
    let name_ok = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix("# ") {
            let mut w = c.splitn(3, ' ');
            let (kw, name, rest) = (w.next().unwrap_or(""), w.next().unwrap_or(""), w.next().unwrap_or(""));
            assert!(kw == "HELP" || kw == "TYPE", "line {i}: {line}");
            assert!(name_ok(name), "line {i}: {line}");
            if kw == "TYPE" {
                assert!(["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest), "line {i}: {line}");
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("line {i}: {line}"));
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().unwrap_or_else(|_| panic!("line {i}: value {value:?}: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, Vec::new()),
            Some((n, rest)) => {
                let body = rest.strip_suffix('}').unwrap_or_else(|| panic!("line {i}: {line}"));
                let mut labels = Vec::new();
                for pair in body.split("\",").filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("line {i}: label {pair:?}"));
                    assert!(name_ok(k), "line {i}: label name {k:?}");
                    labels.push((k.to_string(), v.trim_end_matches('"').to_string()));
                }
                labels.sort();
                (n, labels)
            }
        };
        assert!(name_ok(name), "line {i}: {line}");
        out.insert((name.to_string(), labels), v);
    }
    out
}

fn sample(m: &HashMap<Key, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut want: Vec<(String, String)> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    want.sort();
    m.get(&(name.to_string(), want)).copied().unwrap_or(0.0)
}

fn metrics_move_with_traffic(s: &Server, ops: &str) {
    let (status, text) = get(&format!("{ops}/metrics"), None);
    assert_eq!(status, 200, "{text}");
    let before = parse(&text);
    assert_eq!(sample(&before, "flexpension_store_up", &[]), 1.0, "{text}");
    for _ in 0..3 {
        assert_eq!(s.send("GET", "/healthz", &[], "").status, 200);
    }
    // A worker's page by number: one route label, not one per number.
    for id in ["1", "2", "3"] {
        s.send("GET", &format!("/officer/workers/{id}"), &[], "");
    }
    let t0 = "2025-09-01T10:00:00+08:00";
    let batch = csv(&[
        ["o1", &s.ids[0], "10", t0, "ride_hailing", "g1"],
        ["o2", &s.ids[1], "12", t0, "ride_hailing", "g1"],
        ["o3", "not-an-id", "12", t0, "ride_hailing", "g1"],
    ]);
    let r = s.csv(&s.key_a, &batch);
    assert_eq!(r.status, 200, "{}", r.body);
    // The same rows again with one more: duplicates, and one accepted.
    let again = format!("{batch}o4,{},12,{t0},ride_hailing,g1\n", s.ids[2]);
    let r = s.csv(&s.key_a, &again);
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, text) = get(&format!("{ops}/metrics"), None);
    let after = parse(&text);
    let d = |name: &str, labels: &[(&str, &str)]| sample(&after, name, labels) - sample(&before, name, labels);
    let health = [("method", "GET"), ("route", "/healthz"), ("status", "200")];
    assert_eq!(d("flexpension_http_requests_total", &health), 3.0, "{text}");
    assert!(d("flexpension_http_request_duration_seconds_count", &[("method", "GET"), ("route", "/healthz")]) >= 3.0, "{text}");
    let page_series: Vec<_> =
        after.keys().filter(|(n, l)| n == "flexpension_http_requests_total" && l.iter().any(|(_, v)| v.contains("workers/"))).collect();
    assert!(
        !page_series.is_empty() && page_series.iter().all(|(_, l)| l.iter().any(|(_, v)| v == "/officer/workers/{id}")),
        "{page_series:?}"
    );
    assert_eq!(d("flexpension_ingest_rows_total", &[("outcome", "accepted")]), 3.0, "{text}");
    assert_eq!(d("flexpension_ingest_rows_total", &[("outcome", "duplicate")]), 2.0, "{text}");
    assert_eq!(d("flexpension_ingest_rows_total", &[("outcome", "rejected")]), 2.0, "{text}");
    assert!(sample(&after, "flexpension_log_entries", &[]) >= 1.0, "{text}");
    assert_eq!(sample(&after, "flexpension_queue_depth", &[("queue", "agency_outbox")]), 0.0, "{text}");
    assert!(text.contains("flexpension_queue_depth{queue=\"complaint_deadlines\"}"), "{text}");
    assert_eq!(sample(&after, "flexpension_queue_depth", &[("queue", "notices")]), 0.0, "{text}");
    assert_eq!(sample(&after, "flexpension_queue_depth", &[("queue", "texts")]), 0.0, "{text}");
    // No personal data among the labels.
    for id in &s.ids {
        assert!(!text.contains(id.as_str()), "an ID number in /metrics");
    }
}

fn a_stranger_on_the_public_address_gets_no_metrics(s: &Server, _ops: &str) {
    for path in ["/metrics", "/metrics/", "/api/v1/metrics"] {
        let r = s.send("GET", path, &[], "");
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(!r.body.contains("flexpension_http_requests_total") && !r.body.contains("# TYPE"), "{path}: {}", r.body);
    }
}

fn request_ids_are_answered_and_in_error_bodies(s: &Server, _ops: &str) {
    let r = s.send("GET", "/healthz", &[], "");
    let a = r.header("x-request-id").expect("x-request-id").to_string();
    let r = s.send("GET", "/healthz", &[("x-request-id", "330102199001011234")], "");
    let b = r.header("x-request-id").expect("x-request-id").to_string();
    assert!(a != b && b != "330102199001011234", "the server makes its own ids");
    // API errors of several kinds: each body names the request's id.
    for (method, path, body) in
        [("GET", "/api/v1/nothing-here", ""), ("POST", "/api/v1/platform/earnings", "x"), ("GET", "/api/v1/calc/contribution?income=x", "")]
    {
        let r = s.send(method, path, &[], body);
        assert!(r.status >= 400, "{path}: {}", r.status);
        let id = r.header("x-request-id").expect("x-request-id");
        let v = r.json();
        assert!(v["error"].is_string(), "{path}: {v}");
        assert_eq!(v["request_id"].as_str(), Some(id), "{path}: {v}");
    }
}

fn readyz_says_ready_with_a_store(s: &Server, ops: &str) {
    for base in [s.base.as_str(), ops] {
        let (status, body) = get(&format!("{base}/readyz"), None);
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(
            (v["ready"].as_bool(), v["store"].as_bool(), v["migrations_current"].as_bool()),
            (Some(true), Some(true), Some(true)),
            "{v}"
        );
    }
    assert_eq!(get(&format!("{ops}/healthz"), None), (200, "ok".to_string()));
}

/// A case on a server with its operations address, one at a time.
fn run(kind: Kind, case: fn(&Server, &str)) {
    let _one = serial();
    if let Some((s, ops)) = start(kind, false) {
        case(&s, &ops);
    }
}

// Each case on each backend.
mod sqlite {
    use super::{Kind, run};

    #[test]
    fn metrics_move_with_traffic() {
        run(Kind::Sqlite, super::metrics_move_with_traffic);
    }

    #[test]
    fn a_stranger_on_the_public_address_gets_no_metrics() {
        run(Kind::Sqlite, super::a_stranger_on_the_public_address_gets_no_metrics);
    }

    #[test]
    fn request_ids_are_answered_and_in_error_bodies() {
        run(Kind::Sqlite, super::request_ids_are_answered_and_in_error_bodies);
    }

    #[test]
    fn readyz_says_ready_with_a_store() {
        run(Kind::Sqlite, super::readyz_says_ready_with_a_store);
    }
}

mod postgres {
    use super::{Kind, run};

    #[test]
    fn metrics_move_with_traffic() {
        run(Kind::Postgres, super::metrics_move_with_traffic);
    }

    #[test]
    fn a_stranger_on_the_public_address_gets_no_metrics() {
        run(Kind::Postgres, super::a_stranger_on_the_public_address_gets_no_metrics);
    }

    #[test]
    fn request_ids_are_answered_and_in_error_bodies() {
        run(Kind::Postgres, super::request_ids_are_answered_and_in_error_bodies);
    }

    #[test]
    fn readyz_says_ready_with_a_store() {
        run(Kind::Postgres, super::readyz_says_ready_with_a_store);
    }
}

#[test]
fn a_token_shuts_the_operations_address() {
    let _one = serial();
    let Some((s, ops)) = start(Kind::Sqlite, true) else { return };
    for auth in [None, Some("Bearer wrong"), Some("tok"), Some("Bearer tokk"), Some("Basic tok")] {
        let (status, body) = get(&format!("{ops}/metrics"), auth);
        assert_eq!(status, 401, "{auth:?}: {body}");
        assert!(!body.contains("flexpension_"), "{body}");
    }
    let (status, body) = get(&format!("{ops}/metrics"), Some("Bearer tok"));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("flexpension_store_up"), "{body}");
    // The public address has no token to guess.
    assert_eq!(s.send("GET", "/metrics", &[("authorization", "Bearer tok")], "").status, 404);
}

#[test]
fn readyz_is_not_ready_while_stopping() {
    let _one = serial();
    let mut state = None;
    let Some(s) = Server::start_with(Kind::Sqlite, 1, |_, _, st| {
        state = Some(st.clone());
        st
    }) else {
        return;
    };
    let state = state.expect("state");
    state.ops().begin_stop();
    let r = s.send("GET", "/readyz", &[], "");
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["stopping"].as_bool(), Some(true), "{}", r.body);
}
