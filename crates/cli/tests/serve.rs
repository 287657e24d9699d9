//! `flexpension serve` and `demo` with and without `--db`, as real processes: the platform API
//! works through them, and neither their answers to a platform nor their log (stderr) ever hold
//! a resident ID in clear.

mod common;

use common::{Served, Signed, TempDir, agent, post_csv, setup, worker_id};
use flexpension_testkit::resident_id;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn get(base: &str, path: &str, key: Option<&str>) -> (u16, String) {
    let mut req = agent().get(format!("{base}{path}"));
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let mut r = req.call().expect("GET");
    (r.status().as_u16(), r.body_mut().read_to_string().expect("body"))
}

#[test]
fn the_served_process_keeps_resident_ids_out_of_answers_and_logs() {
    let t = TempDir::new("serve-privacy");
    let db = t.db("s.db");
    let log = t.path("serve.log");
    let (_, key) = setup(&t.0, &db, 3);
    let served = Served::start(&db, &log);
    let base = served.base.clone();
    let w0 = worker_id(0);
    let stranger = resident_id("330102", "19770707", 123);
    let typo = format!("{}{}", &w0[..17], if w0.ends_with('0') { "1" } else { "0" });
    let t0 = "2025-09-01T10:00:00+08:00";
    let body = format!(
        "order_id,id_number,amount_yuan,settled_at,order_type,grid\n\
         p1,{w0},10,{t0},ride_hailing,g1\n\
         p2,{stranger},10,{t0},ride_hailing,g1\n\
         p3,{typo},10,{t0},ride_hailing,g1\n\
         p1,{},10,{t0},ride_hailing,g1\n\
         {stranger},{typo},{stranger},{stranger},{stranger},{stranger}\n",
        worker_id(1)
    );
    let a = agent();
    let mut seen = String::new();
    let (status, answer) = post_csv(&a, &base, &key, &Signed::new(&key, body.clone())).expect("post");
    assert_eq!(status, 200, "{answer}");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("json");
    assert_eq!((v["accepted"].as_u64(), v["conflicting"].as_u64(), v["rejected"].as_u64()), (Some(1), Some(1), Some(3)), "{v}");
    seen += &answer;
    // The same request again, an ID as the key, as the signature, as the month.
    let first = Signed::new(&key, body.clone());
    seen += &post_csv(&a, &base, &key, &first).expect("post").1;
    seen += &post_csv(&a, &base, &key, &first).expect("replay").1;
    seen += &post_csv(&a, &base, &stranger, &Signed::new(&stranger, body.clone())).expect("post").1;
    let forged = Signed { body: body.clone(), ts: first.ts.clone(), sig: format!("v1={typo}") };
    seen += &post_csv(&a, &base, &key, &forged).expect("post").1;
    seen += &get(&base, &format!("/api/v1/platform/premiums?month={stranger}"), Some(&key)).1;
    let (status, p) = get(&base, "/api/v1/platform/premiums?month=2025-09", Some(&key));
    assert_eq!(status, 200, "{p}");
    seen += &p;
    // The worker's own calculator may echo the number it was given, but never logs it.
    assert_eq!(get(&base, &format!("/api/v1/calc/id-check?number={stranger}"), None).0, 200);

    // Stop gracefully (SIGTERM) so that every log line is out.
    let pid = served.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let mut served = served;
    let _ = served.child.wait();
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("earnings batch committed") && logged.contains("replayed"), "the log is there: {logged}");
    for id in [w0.as_str(), &stranger, &typo, &worker_id(1), &worker_id(2)] {
        for form in [id.to_string(), id.to_lowercase(), id[..17].to_string()] {
            assert!(!seen.contains(&form), "an answer to a platform holds a resident ID in clear: {seen}");
            assert!(!logged.contains(&form), "the server's log holds a resident ID in clear: {logged}");
        }
    }
}

#[test]
fn serve_without_a_store_and_the_demo_with_one() {
    let t = TempDir::new("serve-demo");
    // No --db: the calculators as before, the platform API off.
    let mut child = Command::new(common::BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("line");
    let base = line.trim().trim_start_matches("listening on ").to_string();
    assert_eq!(get(&base, "/api/v1/calc/contribution?month=2025-03&income=3800", None).0, 200);
    let (status, body) = get(&base, "/api/v1/platform/premiums?month=2025-09", Some("fpk_x"));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("no_store"), "{body}");
    let _ = child.kill();
    let _ = child.wait();

    // The demo opens DATA/flexpension.db.
    let data = t.path("demo");
    let mut child = Command::new(common::BIN)
        .args(["demo", "--addr", "127.0.0.1:0", "--workers", "200", "--data", &data.display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut text = String::new();
    for _ in 0..60 {
        let mut l = String::new();
        if out.read_line(&mut l).unwrap_or(0) == 0 {
            break;
        }
        text.push_str(&l);
        if l.contains("Ctrl-C") {
            break;
        }
    }
    assert!(data.join("flexpension.db").exists(), "{text}");
    assert!(text.contains("flexpension.db") && text.contains("/api/docs/"), "{text}");
    let base = text.lines().next().unwrap_or("").trim_start_matches("listening on ").to_string();
    let (status, body) = get(&base, "/api/v1/platform/premiums?month=2025-09", Some("fpk_x"));
    assert_eq!((status, body.contains("bad_api_key")), (401, true), "{body}");
    let _ = child.kill();
    let _ = child.wait();

    // A bad region or store URL is the user's mistake: exit 2.
    let o = common::run(&t.0, &["serve", "--addr", "127.0.0.1:0", "--region", "mars"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("--region"));
    let o = common::run(&t.0, &["serve", "--addr", "127.0.0.1:0", "--db", "mysql://x"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("--db"));
}
