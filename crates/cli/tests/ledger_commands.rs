//! The ledger commands of the built binary on SQLite: refusals exit 2 and name the
//! argument; a reclose without --policy keeps the month's policy; report month carries
//! subsidy_paid_fen; pay --file books a remittance file and names each bad row.

mod common;

use common::{TempDir, import_orders, import_young_worker, json, ok, refused, run, setup, stderr, stdout, worker_id};

#[test]
fn settle_pay_and_report_refuse_by_argument_and_book_files() {
    let t = TempDir::new("cli-ledger");
    let d = &t.0;
    let db = t.db("s.db");
    // Worker 0 (born 1960, enrolled from 2025-01, past the retirement age) and worker 1 (never
    // enrolled); then a worker born 1990 enrolled from 2025-01.
    setup(d, &db, 2);
    let young = import_young_worker(d, &db, "2025-01");
    import_orders(d, &db, &[(&young, "3000.00", "2025-09"), (&young, "3000.00", "2025-10")]);

    // 1: months not over, and gaps.
    refused(d, &["settle", "--month", "2099-12", "--db", &db], "--month");
    let s = json(d, &["settle", "--month", "2025-09", "--policy", "paper", "--json", "--db", &db]);
    assert_eq!(s["settle"]["policy"], "paper", "{s}");
    refused(d, &["settle", "--month", "2025-11", "--db", &db], "--month");
    // 3: reopened without --policy, the month keeps paper, and says so.
    let s = json(d, &["settle", "--month", "2025-09", "--reopen", "--json", "--db", &db]);
    assert_eq!((s["settle"]["policy"].as_str(), s["settle"]["policy_kept"].as_bool()), (Some("paper"), Some(true)), "{s}");
    let text = ok(d, &["settle", "--month", "2025-09", "--reopen", "--db", &db]);
    assert!(text.contains("policy paper (kept"), "{text}");

    // 6: the subsidy billed and the subsidy drawn.
    let r = json(d, &["report", "month", "--month", "2025-09", "--json", "--db", &db]);
    assert!(r["subsidy_fen"].as_i64().unwrap_or(0) > 0, "{r}");
    assert_eq!(r["subsidy_paid_fen"], 0, "{r}");
    let owed = r["contribution_fen"].as_i64().unwrap_or(0) - r["subsidy_fen"].as_i64().unwrap_or(0);

    // 2, 7: payments refused by argument, nothing written.
    refused(d, &["pay", "--id-number", &young, "--month", "2099-01", "--amount-yuan", "10", "--db", &db], "--month");
    refused(d, &["pay", "--id-number", &young, "--month", "2024-06", "--amount-yuan", "10", "--db", &db], "--month");
    refused(
        d,
        &["pay", "--id-number", &young, "--month", "2025-10", "--amount-yuan", "10", "--payer", "platform:999", "--db", &db],
        "--payer",
    );
    refused(d, &["pay", "--id-number", &worker_id(1), "--month", "2025-10", "--amount-yuan", "10", "--db", &db], "--id-number");
    refused(
        d,
        &["pay", "--id-number", &young, "--month", "2025-10", "--amount-yuan", "10", "--reference", " 7", "--db", &db],
        "--reference",
    );
    let r = json(d, &["report", "month", "--month", "2025-09", "--json", "--db", &db]);
    assert_eq!(r["paid_fen"], 0, "nothing was booked: {r}");

    // The payment file: one good row (the month in full), one bad; then the same file again.
    let yuan = format!("{}.{:02}", owed / 100, owed % 100);
    let file =
        format!("reference,id_number,amount_yuan,month,payer\nB-1,{young},{yuan},2025-09,self\nB-2,{young},5.00,2025-09,platform:999\n");
    std::fs::write(d.join("pay.csv"), file).expect("write");
    let o = run(d, &["pay", "--file", "pay.csv", "--json", "--db", &db]);
    assert_eq!(o.status.code(), Some(2), "a refused row exits 2: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!((v["accepted"].as_u64(), v["rejected"].as_u64(), v["months_credited"].as_u64()), (Some(1), Some(1), Some(1)), "{v}");
    assert_eq!((v["errors"][0]["line"].as_u64(), v["errors"][0]["field"].as_str()), (Some(3), Some("payer")), "{v}");
    assert!(stderr(&o).contains("line 3: payer"), "{}", stderr(&o));
    let again = run(d, &["pay", "--file", "pay.csv", "--json", "--db", &db]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&again)).expect("json");
    assert_eq!((v["accepted"].as_u64(), v["duplicate"].as_u64()), (Some(0), Some(1)), "{v}");
    let r = json(d, &["report", "month", "--month", "2025-09", "--json", "--db", &db]);
    assert_eq!(r["paid_fen"], owed, "{r}");
    assert_eq!(r["subsidy_paid_fen"], r["subsidy_fen"], "{r}");

    // 5: interest for a year after a later one.
    ok(d, &["interest", "--year", "2025", "--db", &db]);
    refused(d, &["interest", "--year", "2024", "--db", &db], "--year");
}

#[test]
fn a_frozen_worker_stops_settle_and_pay_until_unfrozen() {
    let t = TempDir::new("cli-freeze");
    let d = &t.0;
    let db = t.db("s.db");
    setup(d, &db, 1);
    let young = flexpension_testkit::worker_id(7, 1990..1991);
    let line = flexpension_testkit::worker_line(&young, 7, "g1", "2025-01");
    std::fs::write(d.join("young.csv"), format!("{}{line}", flexpension_testkit::WORKERS_CSV_HEADER)).expect("write");
    ok(d, &["import", "workers", "young.csv", "--db", &db]);
    refused(d, &["worker", "freeze", "--id-number", &young, "--reason", " ", "--db", &db], "--reason");
    let out = ok(d, &["worker", "freeze", "--id-number", &young, "--reason", "transfer to js", "--db", &db]);
    assert!(out.contains("frozen: transfer to js"), "{out}");
    refused(d, &["worker", "freeze", "--id-number", &young, "--reason", "again", "--db", &db], "--id-number");
    let o = run(d, &["settle", "--month", "2025-09", "--db", &db]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the close of 2025-09 is refused") && stderr(&o).contains("frozen (transfer to js)"), "{}", stderr(&o));
    let o = run(d, &["pay", "--id-number", &young, "--amount-yuan", "100", "--month", "2025-09", "--reference", "R1", "--db", &db]);
    assert!(!o.status.success() && stderr(&o).contains("a payment is refused"), "{}", stderr(&o));
    let out = ok(d, &["worker", "unfreeze", "--id-number", &young, "--db", &db]);
    assert!(out.contains("unfrozen (was frozen: transfer to js)"), "{out}");
    refused(d, &["worker", "unfreeze", "--id-number", &young, "--db", &db], "--id-number");
    ok(d, &["settle", "--month", "2025-09", "--db", &db]);
}
