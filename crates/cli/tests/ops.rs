//! Operations as real processes: `backup` while `serve` runs and `restore` give a store whose
//! reports and log equal the original's (SQLite and PostgreSQL); SIGTERM during an ingest loses
//! no acknowledged row; `--log-format json` writes one JSON object a line with the request's id
//! as answered; a demo's logs hold no ID number or phone; `serve --print-config` shows flags
//! over environment over file, secrets masked; `/metrics` only on the operations address.

mod common;

use common::{BIN, Signed, TempDir, agent, ok, post_csv, setup, worker_id};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// `flexpension serve` with extra arguments and environment, stderr to `log`; the main and
/// (when asked) operations addresses read from its first lines.
struct Serve {
    child: Child,
    base: String,
    ops: Option<String>,
}

impl Serve {
    fn start(args: &[&str], env: &[(&str, &str)], log: &Path) -> Serve {
        let err = std::fs::File::create(log).expect("log file");
        let mut cmd = Command::new(BIN);
        cmd.arg("serve").args(args).env_remove("FLEXPENSION_LOG").stdout(Stdio::piped()).stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("first line");
        let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line: {line:?}")).to_string();
        let ops = if args.contains(&"--ops-addr") {
            line.clear();
            out.read_line(&mut line).expect("second line");
            Some(line.trim().strip_prefix("operations on ").unwrap_or_else(|| panic!("unexpected second line: {line:?}")).to_string())
        } else {
            None
        };
        Serve { child, base, ops }
    }

    /// SIGTERM, then wait (at most a minute) for the exit code.
    fn term(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let o = Command::new("kill").args(["-TERM", &pid]).output().expect("kill");
        assert!(o.status.success());
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s.code();
            }
            assert!(start.elapsed() < Duration::from_secs(60), "serve did not stop within a minute of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str) -> (u16, Vec<(String, String)>, String) {
    let mut r = agent().get(url).call().expect("GET");
    let headers = r.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    (r.status().as_u16(), headers, r.body_mut().read_to_string().expect("body"))
}

/// A PostgreSQL database of its own, dropped at the end; None when PostgreSQL tests are skipped.
struct PgDb(String);

impl PgDb {
    fn new(what: &str) -> Option<PgDb> {
        if std::env::var("FLEXPENSION_SKIP_PG").is_ok_and(|v| v == "1") {
            return None;
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let name = format!("fp_ops_{what}_{}_{nanos}", std::process::id());
        let o = Command::new("psql").args([&format!("{PG}/test"), "-c", &format!("CREATE DATABASE {name}")]).output().expect("psql");
        assert!(o.status.success(), "PostgreSQL at {PG} is not usable: {}", String::from_utf8_lossy(&o.stderr));
        Some(PgDb(name))
    }
    fn url(&self) -> String {
        format!("{PG}/{}", self.0)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ =
            Command::new("psql").args([&format!("{PG}/test"), "-c", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0)]).output();
    }
}

/// A CSV batch of `n` orders `{prefix}-{k}` for the first `workers` test workers.
fn batch(prefix: &str, n: usize, workers: u32) -> String {
    let mut s = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for k in 0..n {
        let w = worker_id((k as u32) % workers);
        s.push_str(&format!("{prefix}-{k},{w},{}.{:02},2025-09-0{}T10:00:00+08:00,ride_hailing,g1\n", 10 + k % 7, k % 100, 1 + k % 9));
    }
    s
}

/// What a store's reports say: the month report, a worker, the log's audit and checkpoint.
fn reports(dir: &Path, db: &str) -> Vec<String> {
    let mut out = Vec::new();
    for month in ["2025-09", "2025-10"] {
        out.push(ok(dir, &["report", "month", "--db", db, "--month", month, "--json"]));
    }
    for n in 0..3 {
        out.push(ok(dir, &["worker", "show", "--db", db, "--id-number", &worker_id(n), "--month", "2025-09", "--json"]));
    }
    out.push(ok(dir, &["log", "checkpoint", "--db", db]));
    out.push(ok(dir, &["log", "key", "--db", db]));
    let audit = ok(dir, &["log", "audit", "--db", db]);
    assert!(audit.starts_with("intact"), "log audit: {audit}");
    out.push(audit);
    out
}

/// A store with orders, a month closed and paid, then a backup taken while the server runs and
/// writes, restored elsewhere: every report and the log are the same, and the log is intact.
fn backup_and_restore(db: &str, restored: &str, t: &TempDir) {
    let d = &t.0;
    let (_, key) = setup(d, db, 6);
    let log = t.path("serve.log");
    let s = Serve::start(&["--addr", "127.0.0.1:0", "--db", db], &[], &log);
    let a = agent();
    let (status, body) = post_csv(&a, &s.base, &key, &Signed::new(&key, batch("b", 40, 6))).expect("post");
    assert_eq!(status, 200, "{body}");
    ok(d, &["settle", "--month", "2025-09", "--db", db]);
    ok(d, &["pay", "--id-number", &worker_id(0), "--month", "2025-10", "--amount-yuan", "300", "--reference", "r1", "--db", db]);
    // The log publisher integrates and signs the checkpoint within a few seconds.
    std::thread::sleep(Duration::from_secs(3));
    // Writers go on during the backup.
    let writer = {
        let (base, key) = (s.base.clone(), key.clone());
        std::thread::spawn(move || {
            let a = agent();
            for i in 0..5 {
                let _ = post_csv(&a, &base, &key, &Signed::new(&key, batch(&format!("w{i}"), 20, 6)));
            }
        })
    };
    let out = t.path("store.backup");
    let out_s = out.display().to_string();
    let said = ok(d, &["backup", "--db", db, "--out", &out_s]);
    assert!(said.contains("backed up"), "{said}");
    writer.join().expect("writer");
    assert_eq!(s.term(), Some(0), "serve exits 0 on SIGTERM");
    // A second backup to the same file is refused, nothing overwritten.
    let o = common::run(d, &["backup", "--db", db, "--out", &out_s]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));

    // The restored store is the backup's moment; the original went on, so back it up again
    // now that nothing writes, restore that, and compare everything.
    let quiet = t.path("quiet.backup");
    ok(d, &["backup", "--db", db, "--out", &quiet.display().to_string()]);
    ok(d, &["restore", &quiet.display().to_string(), "--db", restored]);
    assert_eq!(reports(d, db), reports(d, restored), "the restored store's reports equal the original's");
    // Restoring onto a store that exists is refused.
    let o = common::run(d, &["restore", &out_s, "--db", restored]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
}

#[test]
fn sqlite_backup_while_serving_restores_identical_reports() {
    let t = TempDir::new("ops-backup");
    let (db, restored) = (t.db("s.db"), t.db("restored/r.db"));
    backup_and_restore(&db, &restored, &t);
    // The backup taken during the writes is a consistent store of its own.
    let mid = t.db("mid.db");
    ok(&t.0, &["restore", &t.path("store.backup").display().to_string(), "--db", &mid]);
    ok(&t.0, &["log", "audit", "--db", &mid]);
    ok(&t.0, &["report", "month", "--db", &mid, "--month", "2025-09", "--json"]);
}

#[test]
fn postgres_backup_while_serving_restores_identical_reports() {
    let (Some(a), Some(b)) = (PgDb::new("a"), PgDb::new("b")) else { return };
    let t = TempDir::new("ops-backup-pg");
    backup_and_restore(&a.url(), &b.url(), &t);
    // A SQLite backup is not restored into PostgreSQL, nor the other way round.
    let o = common::run(&t.0, &["restore", &t.path("store.backup").display().to_string(), "--db", &t.db("x.db")]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
}

#[test]
fn sigterm_during_an_ingest_loses_no_acknowledged_row() {
    let t = TempDir::new("ops-sigterm");
    let db = t.db("s.db");
    let (_, key) = setup(&t.0, &db, 8);
    let log = t.path("serve.log");
    let s = Serve::start(&["--addr", "127.0.0.1:0", "--db", &db], &[], &log);
    // Several clients post batches until the server stops answering.
    let clients: Vec<_> = (0..3)
        .map(|c| {
            let (base, key) = (s.base.clone(), key.clone());
            std::thread::spawn(move || {
                let a = agent();
                let mut acked = Vec::new();
                for i in 0.. {
                    let prefix = format!("c{c}b{i}");
                    match post_csv(&a, &base, &key, &Signed::new(&key, batch(&prefix, 300, 8))) {
                        Ok((200, body)) => {
                            let v: serde_json::Value = serde_json::from_str(&body).expect("json");
                            assert_eq!(v["accepted"].as_u64(), Some(300), "{v}");
                            acked.push(prefix);
                        }
                        _ => break,
                    }
                    if i > 10_000 {
                        break;
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(s.term(), Some(0), "serve exits 0 on SIGTERM");
    let acked: Vec<String> = clients.into_iter().flat_map(|c| c.join().expect("client")).collect();
    assert!(!acked.is_empty(), "some batches were acknowledged before the stop");
    // Every acknowledged row is there: ask the store for each batch's first and last order.
    let path = t.path("s.db");
    let stored = Command::new("sqlite3").arg(&path).arg("SELECT order_id FROM earnings").output().expect("sqlite3");
    let stored = String::from_utf8_lossy(&stored.stdout);
    let ids: std::collections::HashSet<&str> = stored.lines().collect();
    for prefix in &acked {
        for k in 0..300 {
            let id = format!("{prefix}-{k}");
            assert!(ids.contains(id.as_str()), "acknowledged order {id} is missing after the stop");
        }
    }
    ok(&t.0, &["log", "audit", "--db", &db]);
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("stop asked"), "{text}");
    // Each background job said it stopped (none was aborted).
    for job in ["log publisher", "risk monitor", "agency delivery", "complaint deadlines"] {
        assert!(text.contains(&format!("job stopped job=\"{job}\"")), "{job}: {text}");
    }
    assert!(!text.contains("aborted"), "{text}");
    eprintln!("{} batches of 300 rows acknowledged before the stop", acked.len());
}

#[test]
fn json_logs_parse_line_by_line_with_request_ids() {
    let t = TempDir::new("ops-json");
    let db = t.db("s.db");
    let (_, key) = setup(&t.0, &db, 3);
    let log = t.path("serve.log");
    let s = Serve::start(&["--addr", "127.0.0.1:0", "--db", &db, "--log-format", "json", "--ops-addr", "127.0.0.1:0"], &[], &log);
    let (status, headers, _) = get(&format!("{}/healthz", s.base));
    assert_eq!(status, 200);
    let id = headers.iter().find(|(k, _)| k == "x-request-id").map(|(_, v)| v.clone()).expect("x-request-id");
    let (status, body) = post_csv(&agent(), &s.base, &key, &Signed::new(&key, batch("j", 5, 3))).expect("post");
    assert_eq!(status, 200, "{body}");
    // /metrics: on the operations address only, moving with the traffic.
    let ops = s.ops.clone().expect("ops address");
    let (status, _, m) = get(&format!("{ops}/metrics"));
    assert_eq!(status, 200);
    assert!(m.contains("flexpension_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"), "{m}");
    assert!(m.contains("flexpension_ingest_rows_total{outcome=\"accepted\"} 5"), "{m}");
    let (status, _, body) = get(&format!("{}/metrics", s.base));
    assert!(status == 404 && !body.contains("flexpension_"), "{status}: {body}");
    assert_eq!(s.term(), Some(0));
    let text = std::fs::read_to_string(&log).expect("log");
    let mut requests = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["timestamp"].is_string() && v["level"].is_string(), "{v}");
        if v["message"] == "request" {
            requests += 1;
            assert!(v["request_id"].is_string() && v["route"].is_string() && v["status"].is_u64(), "{v}");
        }
    }
    assert!(requests >= 3, "{text}");
    assert!(text.contains(&format!("\"request_id\":\"{id}\"")), "the answered id is in the log: {text}");
    for n in 0..3 {
        assert!(!text.contains(&worker_id(n)), "an ID number in the log");
    }
}

/// Every 18-character run that is a valid resident ID (check digit and all).
fn resident_ids_in(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    for i in 0..b.len().saturating_sub(17) {
        let w = &b[i..i + 18];
        if w[..17].iter().all(u8::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == b'X') {
            let s = String::from_utf8_lossy(w).into_owned();
            if flexpension_rules::checkdigit::resident_id(&s).is_ok() {
                found.push(s);
            }
        }
    }
    found
}

#[test]
fn a_demo_run_logs_no_id_number_or_phone() {
    let t = TempDir::new("ops-demo-logs");
    let data = t.path("demo").display().to_string();
    let workers = 300u32;
    let o = Command::new(BIN)
        .args(["demo", "--no-serve", "--workers", &workers.to_string(), "--data", &data])
        .env("FLEXPENSION_LOG", "debug")
        .env("FLEXPENSION_LOG_FORMAT", "json")
        .current_dir(&t.0)
        .output()
        .expect("demo");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    let mut events = 0;
    for line in err.lines().filter(|l| l.starts_with('{')) {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        events += 1;
    }
    assert!(events > 0, "the demo logged no JSON event: {err}");
    assert_eq!(resident_ids_in(&err), Vec::<String>::new(), "ID numbers in the demo's log");
    // The demo's phones are the test kit's, one per worker.
    for k in 0..workers {
        let phone = flexpension_testkit::phone(k);
        assert!(!err.contains(&phone), "phone {k} in the demo's log");
    }
    // The guide names one worker's ID on purpose (stdout, for the person running it): its
    // checker finds it, so the absence above means something.
    assert!(!resident_ids_in(&String::from_utf8_lossy(&o.stdout)).is_empty());
}

#[test]
fn print_config_shows_flags_over_env_over_file_with_secrets_masked() {
    let t = TempDir::new("ops-config");
    let file = t.path("serve.toml");
    std::fs::write(
        &file,
        "addr = \"127.0.0.1:7001\"\nregion = \"zj\"\ndb = \"postgres://fp:file-secret@db.example/fp\"\nops_addr = \"127.0.0.1:7101\"\n\
         ops_token = \"file-token\"\nlog_format = \"json\"\nwitness_quorum = 1\nwitness = [\"http://w1=k1\"]\n",
    )
    .expect("config");
    let f = file.display().to_string();
    let o = Command::new(BIN)
        .args(["serve", "--config", &f, "--print-config", "--addr", "127.0.0.1:7003"])
        .env("FLEXPENSION_ADDR", "127.0.0.1:7002")
        .env("FLEXPENSION_OPS_ADDR", "127.0.0.1:7102")
        .env("FLEXPENSION_LOG_FORMAT", "text")
        .env_remove("FLEXPENSION_LOG")
        .output()
        .expect("serve --print-config");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: toml::Value = toml::from_str(&out).unwrap_or_else(|e| panic!("not TOML ({e}): {out}"));
    assert_eq!(v["addr"].as_str(), Some("127.0.0.1:7003"), "the flag wins: {out}");
    assert_eq!(v["ops_addr"].as_str(), Some("127.0.0.1:7102"), "the environment beats the file: {out}");
    assert_eq!(v["log_format"].as_str(), Some("text"), "{out}");
    assert_eq!(v["region"].as_str(), Some("zj"), "the file beats the default: {out}");
    assert_eq!(v["log_level"].as_str(), Some("info"), "the default: {out}");
    assert_eq!(v["db"].as_str(), Some("postgres://fp:***@db.example/fp"), "{out}");
    assert_eq!(v["ops_token"].as_str(), Some("***"), "{out}");
    assert!(!out.contains("secret") && !out.contains("file-token"), "{out}");
    // An unknown key is named.
    std::fs::write(&file, "adress = \"x\"\n").expect("config");
    let o = common::run(&t.0, &["serve", "--config", &f, "--print-config"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("adress"), "{}", common::stderr(&o));
}
