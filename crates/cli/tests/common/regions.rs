//! Two regions on one machine, for the transfer's tests: the shipped parameters with test
//! calendars, a PostgreSQL database of its own, `flexpension serve` on a free port (restartable
//! after a kill), and the funds as the store derives them.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

pub const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// The shipped parameter files and the test calendars, written to `dir`.
pub fn write_params(dir: &Path) {
    for (name, text) in params_files() {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write params");
    }
}

/// The files `write_params` writes, as (name, text).
pub fn params_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for (name, text) in flexpension_rules::params::EMBEDDED {
        let mut text = text.to_string();
        if *name == "sources.toml" {
            text.push_str("\n[TEST-CALENDAR]\ntitle = \"test data: Monday to Friday, no holidays\"\ndoc_no = \"\"\nurl = \"\"\n");
        }
        if *name == "regions/zj.toml" || *name == "national.toml" {
            text = back_to(&text, "2023-01-01");
        }
        files.push((name.to_string(), text));
    }
    for (year, days) in [(2027, 261), (2028, 260)] {
        let text = format!(
            "year = {year}\nsource = \"TEST-CALENDAR\"\nconfidence = \"M\"\nworking_days_in_year = {days}\noff_days = []\nmakeup_workdays = []\n"
        );
        files.push((format!("holidays/{year}.toml"), text));
    }
    files.sort();
    files
}

/// Test data: every value that starts after `from` also holds from `from` (its first value,
/// sourced to the test calendar), so a worker can have 36 paid months before this month (some
/// shipped values start in 2024 and 2025).
fn back_to(text: &str, from: &str) -> String {
    let mut t: toml::Table = text.parse().expect("parameters");
    back_table(&mut t, from);
    toml::to_string(&t).expect("toml")
}

fn back_table(t: &mut toml::Table, from: &str) {
    for (_, v) in t.iter_mut() {
        match v {
            toml::Value::Table(inner) => back_table(inner, from),
            toml::Value::Array(list) => {
                let Some(first) = list.first().and_then(|f| f.as_table()).cloned() else { continue };
                let Some(begins) = first.get("effective_from").map(|d| d.as_str().map_or_else(|| d.to_string(), str::to_string)) else {
                    continue;
                };
                let Ok(day) = chrono::NaiveDate::parse_from_str(begins.trim_matches('"'), "%Y-%m-%d") else { continue };
                if day.to_string().as_str() <= from {
                    continue;
                }
                let mut early = first;
                early.insert("effective_from".into(), toml::Value::String(from.into()));
                early.insert("effective_to".into(), toml::Value::String(day.pred_opt().expect("a day").to_string()));
                early.insert("source".into(), toml::Value::String("TEST-CALENDAR".into()));
                early.insert("confidence".into(), toml::Value::String("M".into()));
                early.remove("note_en");
                early.remove("note_zh");
                list.insert(0, toml::Value::Table(early));
            }
            _ => {}
        }
    }
}

/// A PostgreSQL database of its own, dropped at the end.
pub struct PgDb(String);

impl PgDb {
    pub fn new() -> Option<PgDb> {
        if std::env::var("FLEXPENSION_SKIP_PG").is_ok_and(|v| v == "1") {
            return None;
        }
        let name = format!("fp_transfer_{}_{}", std::process::id(), Instant::now().elapsed().subsec_nanos());
        let o = Command::new("psql").args([&format!("{PG}/test"), "-c", &format!("CREATE DATABASE {name}")]).output().expect("psql");
        assert!(o.status.success(), "PostgreSQL at {PG} is not usable: {}", String::from_utf8_lossy(&o.stderr));
        Some(PgDb(name))
    }
    pub fn url(&self) -> String {
        format!("{PG}/{}", self.0)
    }
    pub fn scalar(&self, sql: &str) -> i64 {
        let o = Command::new("psql").args([&self.url(), "-tAc", sql]).output().expect("psql");
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or_else(|_| panic!("{sql}: {}", String::from_utf8_lossy(&o.stderr)))
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ =
            Command::new("psql").args([&format!("{PG}/test"), "-c", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0)]).output();
    }
}

pub fn sqlite_scalar(path: &Path, sql: &str) -> i64 {
    let o = Command::new("sqlite3").arg(path).arg(sql).output().expect("sqlite3");
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or_else(|_| panic!("{sql}: {}", String::from_utf8_lossy(&o.stderr)))
}

/// `flexpension --params DIR serve` on a free port.
pub struct Server(pub Child, pub String);

impl Server {
    /// Start it; its log goes to the end of `log` (a restart adds to it).
    pub fn start(params: &Path, db: &str, log: &Path) -> Server {
        let err = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log");
        let mut child = Command::new(super::BIN)
            .args(["--params", &params.display().to_string(), "serve", "--addr", "127.0.0.1:0", "--db", db])
            .env_remove("FLEXPENSION_LOG")
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .expect("serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).to_string();
        Server(child, base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The balance of every account whose key `matches`, as the store derives it: a close's and a
/// crediting's postings are not stored but follow from the close, so a plain SUM over the
/// postings table would miss them.
pub fn fund(db: &str, matches: impl Fn(&str) -> bool) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let s = flexpension_store::Store::open(db).await.expect("open the store");
        let b = s.account_balances().await.expect("balances");
        s.close().await;
        b.into_iter().filter(|(a, _)| matches(a)).map(|(_, v)| v).sum()
    })
}

/// The months paid in Zhejiang before a move.
pub const MONTHS: [&str; 3] = ["2026-08", "2026-09", "2026-10"];

/// Worker `i`'s resident ID (distinct for i below 1000).
pub fn id_number(i: u32) -> String {
    flexpension_testkit::worker_id(i, 1980..2000)
}

/// `n` workers in Zhejiang (`zj`), enrolled from the first of `MONTHS`, earning 6000 yuan a
/// month, every month closed and paid (one payment file); the same people registered in Anhui
/// (`ah`), not enrolled. `p`: the parameter directory.
pub fn populate(d: &Path, p: &str, zj: &str, ah: &str, n: u32) {
    use super::{json, ok};
    use flexpension_rules::YearMonth;
    let okp = |args: &[&str]| ok(d, &[&["--params", p], args].concat());
    // Zhejiang: every worker enrolled from the first month, earning 6000 yuan a month, every
    // month closed and paid (one payment file).
    okp(&["platform", "add", "--name", "骑手平台A", "--credit-code", "91350100M000100Y43", "--db", zj]);
    okp(&["grid", "add", "--code", "g1", "--name", "西湖区1号网格", "--db", zj]);
    let mut workers = String::from(flexpension_testkit::WORKERS_CSV_HEADER);
    let mut earnings = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for i in 0..n {
        let idn = id_number(i);
        workers.push_str(&flexpension_testkit::worker_line(&idn, i, "g1", MONTHS[0]));
        for (k, m) in MONTHS.iter().enumerate() {
            earnings.push_str(&format!("o{i}-{k},{idn},6000.00,{m}-05T10:00:00+08:00,ride_hailing,g1\n"));
        }
    }
    std::fs::write(d.join("w.csv"), &workers).expect("write");
    std::fs::write(d.join("e.csv"), earnings).expect("write");
    okp(&["import", "workers", "w.csv", "--db", zj]);
    okp(&["import", "earnings", "e.csv", "--platform", "1", "--db", zj]);
    for m in MONTHS {
        okp(&["settle", "--month", m, "--db", zj]);
    }
    let shown = json(d, &["--params", p, "worker", "show", "--id-number", &id_number(0), "--json", "--db", zj]);
    let owed = shown["account"]["arrears_fen"].as_i64().expect("arrears");
    assert!(owed > 0, "{shown}");
    let this = YearMonth::of_date(chrono::Utc::now().date_naive()).to_string();
    let mut pays = String::from("reference,id_number,amount_yuan,month,payer\n");
    for i in 0..n {
        pays.push_str(&format!("p{i},{},{}.{:02},{this},self\n", id_number(i), owed / 100, owed % 100));
    }
    std::fs::write(d.join("p.csv"), pays).expect("write");
    okp(&["pay", "--file", "p.csv", "--db", zj]);
    assert_eq!(months_counted(zj, n), vec![MONTHS.len() as u32; n as usize], "every month paid in Zhejiang");

    // Anhui: the same people registered there, not enrolled.
    okp(&["grid", "add", "--code", "h1", "--name", "蜀山区1号网格", "--db", ah]);
    let mut there = String::from(flexpension_testkit::WORKERS_CSV_HEADER);
    for i in 0..n {
        there.push_str(&format!("{},{},{},340102,h1,\n", id_number(i), flexpension_testkit::worker_name(i), flexpension_testkit::phone(i)));
    }
    std::fs::write(d.join("a.csv"), there).expect("write");
    okp(&["import", "workers", "a.csv", "--db", ah]);
}

/// Each worker's months counted in one store, by worker id (1..=n, the import order).
pub fn months_counted(db: &str, n: u32) -> Vec<u32> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let s = flexpension_store::Store::open(db).await.expect("open the store");
        let mut out = Vec::new();
        for w in 1..=i64::from(n) {
            out.push(s.months_by_region(flexpension_store::WorkerId(w)).await.expect("months").months);
        }
        s.close().await;
        out
    })
}
