//! `flexpension demo --no-serve` on a small population: the books balance, money was billed,
//! paid and owed, the special fund ran short in a city, platforms were billed under their
//! contracts, a few workers moved to the second region, and a demo worker can be looked up with
//! the CLI.

mod common;

use common::TempDir;

#[test]
fn a_small_demo_builds_balanced_books() {
    let t = TempDir::new("demo-small");
    let data = t.path("demo");
    let data_s = data.display().to_string();
    let o = common::run(&t.0, &["demo", "--no-serve", "--workers", "500", "--data", &data_s]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = common::stdout(&o);
    assert!(out.contains("worker.demo") && out.contains("officer.demo") && out.contains("platform2.demo"), "{out}");
    assert!(out.contains("inspector.demo") && out.contains("/inspection/complaints") && out.contains("legalaid.demo"), "{out}");
    let db = format!("sqlite:{}", data.join("flexpension.db").display());
    // The breached complaint went to labour inspection and union legal aid took it on.
    let c = common::json(&t.0, &["complaint", "show", "1", "--db", &db, "--json"]);
    let steps: Vec<String> = c["steps"].as_array().expect("steps").iter().map(|st| format!("{}/{}", st["action"], st["actor"])).collect();
    assert!(c["breached"] == true && steps.contains(&"\"take\"/\"legal_aid\"".to_string()), "{c}");
    let r = common::json(&t.0, &["report", "month", "--db", &db, "--month", "2025-12", "--json"]);
    let n = |k: &str| r[k].as_i64().unwrap_or_else(|| panic!("{k} in {r}"));
    assert_eq!(n("trial_balance_fen"), 0, "{r}");
    assert!(n("workers") > 0 && n("contribution_fen") > 0 && n("paid_fen") > 0 && n("arrears_fen") > 0, "{r}");

    // A few workers moved to the demo's second region (Anhui, its own store and server) through
    // the two agencies' messages: completed at both, both logs intact.
    let ah = format!("sqlite:{}", data.join("ah.db").display());
    let (tin, tout) = (
        common::json(&t.0, &["transfer", "list", "--json", "--db", &ah]),
        common::json(&t.0, &["transfer", "list", "--json", "--db", &db]),
    );
    let done = |v: &serde_json::Value, dir: &str| {
        v.as_array().into_iter().flatten().filter(|t| t["state"] == "completed" && t["direction"] == dir).count()
    };
    assert!(done(&tin, "in") > 0 && done(&tin, "in") == done(&tout, "out"), "{tin} {tout}");
    assert!(out.contains("workers moved to Anhui"), "{out}");
    for d in [&ah, &db] {
        let o = common::run(&t.0, &["log", "audit", "--db", d]);
        assert!(o.status.success(), "{}", common::stdout(&o));
    }

    // The guide's worker can be shown.
    let id = out.split("--id-number ").nth(1).and_then(|s| s.split_whitespace().next()).expect("a worker in the guide");
    let w = common::json(&t.0, &["worker", "show", "--db", &db, "--id-number", id, "--month", "2025-12", "--json"]);
    assert!(w["income_fen"].as_i64().unwrap_or(0) > 0, "{w}");

    // Run again: a fresh database, the same demo.
    let o2 = common::run(&t.0, &["demo", "--no-serve", "--workers", "500", "--data", &data_s]);
    assert!(o2.status.success(), "{}", common::stderr(&o2));
    let r2 = common::json(&t.0, &["report", "month", "--db", &db, "--month", "2025-12", "--json"]);
    assert_eq!(r, r2, "the same seed gives the same books");

    // The demo ran the monitor and the credit rating for its last month: they found the
    // earners without cover; running the month again opens and changes nothing. The JSON
    // counts are a contract.
    let args = ["monitor", "run", "--db", &db, "--month", "2026-08", "--json"];
    let m = common::json(&t.0, &args);
    let k = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    let counts = ["uninsured", "lapsed", "at_risk", "interrupted", "short_of_years"].map(|n| k(&m, n));
    assert!(counts[0] > 0 && (k(&m, "opened"), k(&m, "closed")) == (0, 0), "{m}");
    let c = common::json(&t.0, &["credit", "run", "--db", &db, "--month", "2026-08", "--json"]);
    let rated = c["platforms"].as_array().map_or(0, Vec::len);
    assert!(rated > 0 && k(&c, "changed") == 0, "{c}");
    assert!(c["platforms"].as_array().into_iter().flatten().all(|p| p["share_bp"].is_u64() && p["grade"].is_string()), "{c}");

    // The paper's pilot year: the fund appropriated per city, one city ran short and its
    // subsidies wait in the queue; two platforms under contracts, the first paid its bills.
    let f = common::json(&t.0, &["fund", "report", "--db", &db, "--year", "2026", "--json"]);
    let fen = |v: &serde_json::Value, k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));
    assert!(fen(&f, "appropriated_fen") > 0 && fen(&f, "queued_fen") > 0 && fen(&f, "paid_fen") > 0, "{f}");
    assert!(f["cities"].as_object().into_iter().flatten().any(|(_, c)| fen(c, "balance_fen") == 0 && fen(c, "queued_fen") > 0), "{f}");
    let bill = |p: &str| common::json(&t.0, &["platform", "bill", "--db", &db, "--platform", p, "--month", "2026-08", "--json"]);
    let (b1, b2) = (bill("1"), bill("2"));
    assert!(fen(&b1, "contract_share_fen") > 0 && fen(&b2, "contract_share_fen") > 0, "{b1} {b2}");
    assert_eq!((fen(&b1, "paid_fen"), fen(&b2, "paid_fen")), (fen(&b1, "total_fen"), 0), "{b1} {b2}");

    // It scored every worker with income for the policy-fit profile; the store's table has them.
    assert!(out.contains("outreach"), "{out}");
    let table = t.path("table.csv");
    let table_s = table.display().to_string();
    common::ok(&t.0, &["outreach", "features", "--db", &db, "--month", "2026-08", "--out", &table_s]);
    let rows = std::fs::read_to_string(&table).expect("table").lines().count() - 1;
    let run = common::json(&t.0, &["outreach", "run", "--db", &db, "--month", "2026-08", "--json"]);
    assert_eq!(run["workers"].as_u64(), Some(rows as u64), "{run}");
}
