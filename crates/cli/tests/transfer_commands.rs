//! The transfer between two real servers on one machine (the built binary, random ports): a
//! Zhejiang store on SQLite and an Anhui store on PostgreSQL, each the other's peer. A worker
//! with 36 paid months in Zhejiang moves to Anhui through `transfer request` at
//! Anhui; both ledgers balance, every fund over both regions is unchanged, the months and years
//! appear once at Anhui, the voucher verifies offline with `flexpension verify`; and the bad
//! input: unknown region or peer, a worker not registered at the receiver, a second request.
//!
//! The shipped holiday calendars end with 2026; a transfer's deadlines reach weeks ahead, so the
//! servers run with the shipped parameters plus a Monday-to-Friday test calendar for 2027 and
//! 2028 (test data, `--params`).

mod common;

use common::regions::{PgDb, Server, fund, sqlite_scalar, write_params};
use common::{TempDir, json, ok, run, stderr, stdout};
use std::time::{Duration, Instant};

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

    // Zhejiang: a worker born 1990, enrolled 36 months ago, earning every month to last month;
    // every month closed and paid: 36 paid months.
    common::setup(d, &zj, 1);
    let today = chrono::Utc::now().date_naive();
    let this: flexpension_rules::YearMonth = flexpension_rules::YearMonth::of_date(today);
    let first = this.add_months(-36).expect("a month");
    let idn = flexpension_testkit::worker_id(7, 1990..1991);
    let line = flexpension_testkit::worker_line(&idn, 7, "g1", &first.to_string());
    std::fs::write(d.join("w.csv"), format!("{}{line}", flexpension_testkit::WORKERS_CSV_HEADER)).expect("write");
    okp(&["import", "workers", "w.csv", "--db", &zj]);
    let months: Vec<String> = (0..).map_while(|i| first.add_months(i).filter(|m| *m < this)).map(|m| m.to_string()).collect();
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
    assert_eq!(n, 36);
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

    // The preview: Zhejiang's server answers what would move; nothing is stored on either side.
    let q = jsonp(&["transfer", "quote", "--id-number", &idn, "--from", "zj", "--json", "--db", &ah]);
    assert_eq!((q["refusal"].is_null(), q["months"].as_i64(), q["from"].as_str()), (true, Some(n), Some("zj")), "{q}");
    let text = okp(&["transfer", "quote", "--id-number", &idn, "--from", "zj", "--lang", "en", "--db", &ah]);
    assert!(text.contains("Article 4") && text.contains(&format!("{n} months")), "{text}");
    let o = runp(&["transfer", "quote", "--id-number", &idn, "--from", "js", "--db", &ah]);
    assert!(o.status.code() == Some(2) && stderr(&o).contains("--from"), "{}", stderr(&o));
    assert_eq!(jsonp(&["transfer", "list", "--json", "--db", &zj]), serde_json::json!([]), "a quote freezes nothing");
    assert_eq!(jsonp(&["transfer", "list", "--json", "--db", &ah]), serde_json::json!([]));

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
        assert_eq!(q[f], done[f], "the preview was what moved: {f}");
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
    assert_eq!((a["benefit_place"]["value"]["place"].as_str(), a["benefit_place"]["value"]["rule"].as_u64()), (Some("ah"), Some(1)), "{a}");
    assert_eq!(a["enrolments"][0]["scheme"], "employee_pension", "insured here from the transfer month: {a}");
    assert_eq!(a["account"]["personal_account_fen"].as_i64(), Some(account), "{a}");
    let z = jsonp(&["worker", "show", "--id-number", &idn, "--json", "--db", &zj]);
    assert_eq!(z["counted"]["months"].as_i64(), Some(0), "{z}");

    // The voucher verifies offline with the sender's key, and not with the receiver's.
    std::fs::write(d.join("voucher.json"), done["bundle"].as_str().expect("bundle")).expect("write");
    let v = okp(&["verify", "voucher.json", "--log-key", &zj_key]);
    assert!(v.contains("voucher"), "{v}");
    let o = runp(&["verify", "voucher.json", "--log-key", &ah_key]);
    assert!(!o.status.success(), "{}", stdout(&o));
    // The same as the worker's PDF: the pages drawn from the signed voucher, checked offline.
    let bundle: flexpension_store::log::bundle::ProofBundle =
        serde_json::from_str(done["bundle"].as_str().expect("bundle")).expect("bundle");
    let note = done["voucher"].as_str().expect("voucher");
    let pdf = flexpension_server::transfer_pdf::draw(note, &bundle, flexpension_server::transfer_pdf::Lang::Zh).expect("draw");
    std::fs::write(d.join("transfer.pdf"), &pdf).expect("write");
    let v = okp(&["verify", "transfer.pdf", "--log-key", &zj_key]);
    assert!(v.contains("printed pages") && v.contains("exactly what the signed voucher draws"), "{v}");
    let o = runp(&["verify", "transfer.pdf", "--log-key", &ah_key]);
    assert!(!o.status.success(), "another region's key: {}", stdout(&o));

    // The worker's contribution voucher at the receiver covers the months of both regions: the
    // moved months are signed by Anhui with Zhejiang's key and the digest of Zhejiang's signed
    // transfer voucher, which the PDF carries with its proof; verify checks it with that key.
    let o = runp(&["voucher", "--id-number", &idn, "--out", "ah-voucher.pdf", "--region", "ah", "--lang", "en", "--db", &ah]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let v = okp(&["verify", "ah-voucher.pdf", "--log-key", &ah_key]);
    assert!(v.contains("months from zj") && v.contains(&format!("{n} months signed by zj")), "{v}");
    assert!(v.contains("exactly what the signed voucher draws") && v.contains("moved in from"), "{v}");
    let o = runp(&["verify", "ah-voucher.pdf", "--log-key", &zj_key]);
    assert!(!o.status.success(), "the receiver's voucher is not the sender's: {}", stdout(&o));

    // Each step in both logs (receiver: applied, posted, completed; sender: requested, frozen,
    // sent, completed); both audits hold.
    drop(sz);
    drop(sa);
    assert_eq!(sqlite_scalar(&zj_path, "SELECT COUNT(*) FROM log_entries WHERE kind = 'transfer'"), 4);
    assert_eq!(pg.scalar("SELECT COUNT(*) FROM log_entries WHERE kind = 'transfer'"), 3);
    okp(&["log", "audit", "--db", &zj]);
    okp(&["log", "audit", "--db", &ah]);
}
