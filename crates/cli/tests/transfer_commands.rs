//! The transfer between two real servers on one machine (the built binary, random ports): a
//! Zhejiang store on SQLite and an Anhui store on PostgreSQL, each the other's peer. A worker
//! with every month from 2025-01 paid in Zhejiang moves to Anhui through `transfer request` at
//! Anhui; both ledgers balance, every fund over both regions is unchanged, the months and years
//! appear once at Anhui, the voucher verifies offline with `flexpension verify`; and the bad
//! input: unknown region or peer, a worker not registered at the receiver, a second request.
//!
//! The shipped holiday calendars end with 2026; a transfer's deadlines reach weeks ahead, so the
//! servers run with the shipped parameters plus a Monday-to-Friday test calendar for 2027 and
//! 2028 (test data, `--params`).

mod common;

use common::{TempDir, json, ok, run, stderr, stdout};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// The shipped parameter files and the test calendars, written to `dir`.
fn write_params(dir: &Path) {
    for (name, text) in flexpension_rules::params::EMBEDDED {
        let mut text = text.to_string();
        if *name == "sources.toml" {
            text.push_str("\n[TEST-CALENDAR]\ntitle = \"test data: Monday to Friday, no holidays\"\ndoc_no = \"\"\nurl = \"\"\n");
        }
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write params");
    }
    for (year, days) in [(2027, 261), (2028, 260)] {
        let text = format!(
            "year = {year}\nsource = \"TEST-CALENDAR\"\nconfidence = \"M\"\nworking_days_in_year = {days}\noff_days = []\nmakeup_workdays = []\n"
        );
        std::fs::write(dir.join(format!("holidays/{year}.toml")), text).expect("write calendar");
    }
}

/// A PostgreSQL database of its own, dropped at the end.
struct PgDb(String);

impl PgDb {
    fn new() -> Option<PgDb> {
        if std::env::var("FLEXPENSION_SKIP_PG").is_ok_and(|v| v == "1") {
            return None;
        }
        let name = format!("fp_transfer_{}_{}", std::process::id(), Instant::now().elapsed().subsec_nanos());
        let o = Command::new("psql").args([&format!("{PG}/test"), "-c", &format!("CREATE DATABASE {name}")]).output().expect("psql");
        assert!(o.status.success(), "PostgreSQL at {PG} is not usable: {}", String::from_utf8_lossy(&o.stderr));
        Some(PgDb(name))
    }
    fn url(&self) -> String {
        format!("{PG}/{}", self.0)
    }
    fn scalar(&self, sql: &str) -> i64 {
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

fn sqlite_scalar(path: &Path, sql: &str) -> i64 {
    let o = Command::new("sqlite3").arg(path).arg(sql).output().expect("sqlite3");
    String::from_utf8_lossy(&o.stdout).trim().parse().unwrap_or_else(|_| panic!("{sql}: {}", String::from_utf8_lossy(&o.stderr)))
}

/// `flexpension --params DIR serve` on a free port.
struct Server(Child, String);

impl Server {
    fn start(params: &Path, db: &str, log: &Path) -> Server {
        let err = std::fs::File::create(log).expect("log");
        let mut child = Command::new(common::BIN)
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

/// The sum of one account's postings (debit positive).
/// The balance of every account whose key `matches`, as the store derives it: a close's and a
/// crediting's postings are not stored but follow from the close, so a plain SUM over the
/// postings table would miss them.
fn fund(db: &str, matches: impl Fn(&str) -> bool) -> i64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let s = flexpension_store::Store::open(db).await.expect("open the store");
        let b = s.account_balances().await.expect("balances");
        s.close().await;
        b.into_iter().filter(|(a, _)| matches(a)).map(|(_, v)| v).sum()
    })
}

#[test]
fn a_worker_moves_between_two_real_servers() {
    let Some(pg) = PgDb::new() else { return };
    let t = TempDir::new("cli-transfer");
    let d = &t.0;
    let params = d.join("params");
    write_params(&params);
    let p = params.display().to_string();
    let cli = |args: &[&str]| -> Vec<String> { ["--params", &p].iter().chain(args).map(|s| s.to_string()).collect() };
    let okp = |args: &[&str]| ok(d, &cli(args).iter().map(String::as_str).collect::<Vec<_>>());
    let jsonp = |args: &[&str]| json(d, &cli(args).iter().map(String::as_str).collect::<Vec<_>>());
    let runp = |args: &[&str]| run(d, &cli(args).iter().map(String::as_str).collect::<Vec<_>>());
    let (zj, ah) = (t.db("zj.db"), pg.url());
    let zj_path = t.path("zj.db");
    okp(&["init", "--region", "zj", "--db", &zj]);
    okp(&["init", "--region", "ah", "--db", &ah]);

    // Zhejiang: a worker born 1990, enrolled from 2025-01, earning every month to last month;
    // every month closed and paid.
    common::setup(d, &zj, 1);
    let idn = flexpension_testkit::worker_id(7, 1990..1991);
    let line = flexpension_testkit::worker_line(&idn, 7, "g1", "2025-01");
    std::fs::write(d.join("w.csv"), format!("{}{line}", flexpension_testkit::WORKERS_CSV_HEADER)).expect("write");
    okp(&["import", "workers", "w.csv", "--db", &zj]);
    let today = chrono::Utc::now().date_naive();
    let this: flexpension_rules::YearMonth = flexpension_rules::YearMonth::of_date(today);
    let months: Vec<String> = (0..)
        .map_while(|i| "2025-01".parse::<flexpension_rules::YearMonth>().ok()?.add_months(i).filter(|m| *m < this))
        .map(|m| m.to_string())
        .collect();
    let mut earnings = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for (i, m) in months.iter().enumerate() {
        earnings.push_str(&format!("o{i},{idn},6000.00,{m}-05T10:00:00+08:00,ride_hailing,g1\n"));
    }
    std::fs::write(d.join("e.csv"), earnings).expect("write");
    okp(&["import", "earnings", "e.csv", "--platform", "1", "--db", &zj]);
    for m in &months {
        okp(&["settle", "--month", m, "--db", &zj]);
    }
    let shown = jsonp(&["worker", "show", "--id-number", &idn, "--json", "--db", &zj]);
    let owed = shown["account"]["arrears_fen"].as_i64().expect("arrears");
    let amount = format!("{}.{:02}", owed / 100, owed % 100);
    okp(&["pay", "--id-number", &idn, "--month", &this.to_string(), "--amount-yuan", &amount, "--reference", "r1", "--db", &zj]);
    let shown = jsonp(&["worker", "show", "--id-number", &idn, "--json", "--db", &zj]);
    let n = months.len() as i64;
    assert_eq!(shown["account"]["months_paid"].as_i64(), Some(n), "{shown}");
    assert_eq!(shown["counted"]["months"].as_i64(), Some(n), "{shown}");

    // Anhui: the same person registered there (hukou a division code in Anhui), not enrolled.
    okp(&["grid", "add", "--code", "h1", "--name", "蜀山区1号网格", "--db", &ah]);
    let line = format!("{idn},张三,13800000007,340102,h1,\n");
    std::fs::write(d.join("a.csv"), format!("{}{line}", flexpension_testkit::WORKERS_CSV_HEADER)).expect("write");
    okp(&["import", "workers", "a.csv", "--db", &ah]);

    // Bad input before the peers exist: an unknown region, no peer.
    let o = runp(&["transfer", "request", "--id-number", &idn, "--from", "zj", "--db", &ah]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--from") && stderr(&o).contains("peer"), "{}", stderr(&o));

    let zj_key = okp(&["log", "key", "--db", &zj]).trim().to_string();
    let ah_key = okp(&["log", "key", "--db", &ah]).trim().to_string();
    let sz = Server::start(&params, &zj, &t.path("zj.log"));
    let sa = Server::start(&params, &ah, &t.path("ah.log"));
    okp(&["peer", "add", "--code", "ah", "--url", &sa.1, "--key", &ah_key, "--db", &zj]);
    okp(&["peer", "add", "--code", "zj", "--url", &sz.1, "--key", &zj_key, "--db", &ah]);

    let pool_before = fund(&zj, |a| a == "pooling");
    let interest_before = fund(&zj, |a| a == "interest");

    for (args, arg) in [
        (vec!["--id-number", idn.as_str(), "--from", "js"], "--from"),
        (vec!["--id-number", idn.as_str(), "--from", "ah"], "--from"),
        (vec!["--id-number", "110101199003078515", "--from", "zj"], "--id-number"),
    ] {
        let mut full = vec!["transfer", "request", "--db", &ah];
        full.extend(args);
        let o = runp(&full);
        assert_eq!(o.status.code(), Some(2), "{full:?}: {}{}", stdout(&o), stderr(&o));
        assert!(stderr(&o).contains(arg), "{full:?}: {}", stderr(&o));
    }
    assert_eq!(jsonp(&["transfer", "list", "--json", "--db", &ah]), serde_json::json!([]), "nothing half-done");

    let started = Instant::now();
    let r = jsonp(&["transfer", "request", "--id-number", &idn, "--from", "zj", "--json", "--db", &ah]);
    let id = r["id"].as_str().expect("id").to_string();
    assert_eq!(r["state"], "applied", "{r}");
    let again = jsonp(&["transfer", "request", "--id-number", &idn, "--from", "zj", "--json", "--db", &ah]);
    assert_eq!((again["id"].as_str(), again["new"].as_bool()), (Some(id.as_str()), Some(false)), "a second request: the same transfer");

    let done = loop {
        let s = jsonp(&["transfer", "show", &id, "--json", "--db", &ah]);
        if s["state"] == "completed" || s["state"] == "refused" || started.elapsed() > Duration::from_secs(30) {
            break s;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    assert_eq!(done["state"], "completed", "{done}\n{}", std::fs::read_to_string(t.path("ah.log")).unwrap_or_default());
    eprintln!("one transfer end to end on loopback (CLI request to completed at the receiver): {took:?}");
    let sent = loop {
        let s = jsonp(&["transfer", "show", &id, "--json", "--db", &zj]);
        if s["state"] == "completed" || started.elapsed() > Duration::from_secs(30) {
            break s;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(sent["state"], "completed", "{sent}");
    assert_eq!(done["months"].as_i64(), Some(n));
    for f in ["pool_transfer_fen", "account_fen", "months"] {
        assert_eq!(done[f], sent[f], "{f}");
    }
    let (pool, account) = (done["pool_transfer_fen"].as_i64().expect("pool"), done["account_fen"].as_i64().expect("account"));
    assert!(pool > 0 && account > 0, "{done}");

    // Both ledgers balance; every fund over both regions is unchanged.
    let pg_url = pg.url();
    let total = |matches: &dyn Fn(&str) -> bool| fund(&zj, matches) + fund(&pg_url, matches);
    assert_eq!(fund(&zj, |_| true), 0, "the sender's ledger balances");
    assert_eq!(fund(&pg_url, |_| true), 0, "the receiver's ledger balances");
    assert_eq!(total(&|a| a == "pooling"), pool_before, "the pooling fund over both regions");
    assert_eq!(fund(&zj, |a| a == "region/ah") + fund(&pg_url, |a| a == "region/zj"), 0, "the clearing accounts cancel");
    assert_eq!(fund(&pg_url, |a| a == "region/zj"), pool + account);
    let interest = done["interest_fen"].as_i64().expect("interest");
    assert_eq!(total(&|a| a == "interest"), interest_before + interest);
    assert_eq!(total(&|a| a.starts_with("pa/")), -account);

    // The months and years once, at the receiver; none left at the sender.
    let a = jsonp(&["worker", "show", "--id-number", &idn, "--json", "--db", &ah]);
    assert_eq!(a["counted"]["months"].as_i64(), Some(n), "{a}");
    assert_eq!(a["counted"]["years"].as_i64(), Some(n / 12), "{a}");
    assert_eq!(a["counted"]["by_region"][0]["region"], "zj", "{a}");
    assert_eq!(a["account"]["personal_account_fen"].as_i64(), Some(account), "{a}");
    let z = jsonp(&["worker", "show", "--id-number", &idn, "--json", "--db", &zj]);
    assert_eq!(z["counted"]["months"].as_i64(), Some(0), "{z}");

    // The voucher verifies offline with the sender's key, and not with the receiver's.
    std::fs::write(d.join("voucher.json"), done["bundle"].as_str().expect("bundle")).expect("write");
    let v = okp(&["verify", "voucher.json", "--log-key", &zj_key]);
    assert!(v.contains("voucher"), "{v}");
    let o = runp(&["verify", "voucher.json", "--log-key", &ah_key]);
    assert!(!o.status.success(), "{}", stdout(&o));

    // Each step in both logs (receiver: applied, posted, completed; sender: requested, frozen,
    // sent, completed); both audits hold.
    drop(sz);
    drop(sa);
    assert_eq!(sqlite_scalar(&zj_path, "SELECT COUNT(*) FROM log_entries WHERE kind = 'transfer'"), 4);
    assert_eq!(pg.scalar("SELECT COUNT(*) FROM log_entries WHERE kind = 'transfer'"), 3);
    okp(&["log", "audit", "--db", &zj]);
    okp(&["log", "audit", "--db", &ah]);
}
