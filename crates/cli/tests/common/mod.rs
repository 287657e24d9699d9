//! Running the built `flexpension` binary: commands, a served process, signed requests.
#![allow(dead_code)]

pub mod fault_proxy;
pub mod regions;

use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_flexpension");

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("flexpension-{what}-{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    /// `sqlite:DIR/name`.
    pub fn db(&self, name: &str) -> String {
        format!("sqlite:{}", self.path(name).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run the binary in `dir` and wait.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).env_remove("FLEXPENSION_LOG").output().expect("run flexpension")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run and expect exit 0.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert!(o.status.success(), "{args:?} failed ({:?}): {}{}", o.status.code(), stdout(&o), stderr(&o));
    stdout(&o)
}

/// Run with --json and expect exit 0.
pub fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = ok(dir, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
}

/// Run and expect exit 2 with `arg` named on stderr; gives stderr.
pub fn refused(dir: &Path, args: &[&str], arg: &str) -> String {
    let o = run(dir, args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}{}", stdout(&o), stderr(&o));
    let e = stderr(&o);
    assert!(e.contains(arg), "{args:?} should name {arg}: {e}");
    e
}

/// The n-th test worker's resident ID (born 1960-1999).
pub fn worker_id(n: u32) -> String {
    flexpension_testkit::worker_id(n, 1960..2000)
}

/// A workers CSV for `n` workers in grid g1 (region zj); every third is enrolled from 2025-01.
pub fn workers_csv(n: u32) -> String {
    let mut s = String::from(flexpension_testkit::WORKERS_CSV_HEADER);
    for i in 0..n {
        s.push_str(&flexpension_testkit::worker_line(&worker_id(i), i, "g1", if i % 3 == 0 { "2025-01" } else { "" }));
    }
    s
}

/// Register platform A, grid g1 and `n` workers in a store; returns (platform id, API key).
pub fn setup(dir: &Path, db: &str, n: u32) -> (i64, String) {
    let p = json(dir, &["platform", "add", "--name", "骑手平台A", "--credit-code", "91350100M000100Y43", "--json", "--db", db]);
    ok(dir, &["grid", "add", "--code", "g1", "--name", "西湖区1号网格", "--db", db]);
    let file = dir.join("workers.csv");
    std::fs::write(&file, workers_csv(n)).expect("write workers");
    let file = file.display().to_string();
    ok(dir, &["import", "workers", &file, "--db", db]);
    (p["id"].as_i64().expect("id"), p["api_key"].as_str().expect("api_key").to_string())
}

/// Import one more worker (number 7, born 1990, grid g1), enrolled from `pension_from`
/// (`YYYY-MM`, or "" for never); gives the worker's resident ID.
pub fn import_young_worker(dir: &Path, db: &str, pension_from: &str) -> String {
    let young = flexpension_testkit::worker_id(7, 1990..1991);
    let line = flexpension_testkit::worker_line(&young, 7, "g1", pension_from);
    std::fs::write(dir.join("young.csv"), format!("{}{line}", flexpension_testkit::WORKERS_CSV_HEADER)).expect("write");
    ok(dir, &["import", "workers", "young.csv", "--db", db]);
    young
}

/// Import ride-hailing orders in grid g1 on platform 1, one per (resident ID, amount in yuan,
/// month `YYYY-MM`), settled on the 5th of the month; order ids o0, o1, ... in that order.
pub fn import_orders(dir: &Path, db: &str, orders: &[(&str, &str, &str)]) {
    let mut csv = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for (i, (id, yuan, month)) in orders.iter().enumerate() {
        csv.push_str(&format!("o{i},{id},{yuan},{month}-05T10:00:00+08:00,ride_hailing,g1\n"));
    }
    std::fs::write(dir.join("e.csv"), csv).expect("write");
    ok(dir, &["import", "earnings", "e.csv", "--platform", "1", "--db", db]);
}

/// `flexpension serve --db URL` on a free port; stderr (its log) goes to `log`.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Served {
    pub fn start(db: &str, log: &Path) -> Served {
        let err = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
            .env_remove("FLEXPENSION_LOG")
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("spawn serve");
        let mut line = String::new();
        let out = child.stdout.take().expect("stdout");
        BufReader::new(out).read_line(&mut line).expect("read the first line");
        let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line: {line:?}")).to_string();
        Served { child, base }
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(std::time::Duration::from_secs(60))).build().new_agent()
}

/// A signed request, kept as sent so a retry is the very same request.
#[derive(Clone)]
pub struct Signed {
    pub body: String,
    pub ts: String,
    pub sig: String,
}

impl Signed {
    pub fn new(key: &str, body: String) -> Signed {
        let ts = chrono::Utc::now().timestamp().to_string();
        let sig = sign(key, &ts, body.as_bytes());
        Signed { body, ts, sig }
    }
}

/// Post a signed CSV batch: Ok((status, body)) or Err when the connection failed.
pub fn post_csv(agent: &ureq::Agent, base: &str, key: &str, s: &Signed) -> Result<(u16, String), String> {
    let r = agent
        .post(format!("{base}/api/v1/platform/earnings"))
        .header("authorization", &format!("Bearer {key}"))
        .header("content-type", "text/csv")
        .header(TIMESTAMP_HEADER, &s.ts)
        .header(SIGNATURE_HEADER, &s.sig)
        .send(s.body.as_bytes());
    match r {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let body = r.body_mut().with_config().limit(64 << 20).read_to_string().map_err(|e| e.to_string())?;
            Ok((status, body))
        }
        Err(e) => Err(e.to_string()),
    }
}
