//! The fund and platform commands of the built binary (a contract): `fund appropriate` and
//! `fund report --json` (appropriated_fen, committed_fen, paid_fen, balance_fen); `contract add`
//! (id); `platform bill --json` (contract_share_fen, injury_premium_fen, union_dues_fen, total_fen,
//! paid_fen); `platform pay` idempotent on --reference; `platform statement --json` (paid_fen,
//! deduction_fen, tax_effect_fen, immediate_refund) and its PDF. Refusals exit 2 naming the argument.

mod common;

use common::{TempDir, import_orders, import_young_worker, json, ok, refused, setup};

#[test]
fn fund_contract_bill_pay_and_statement() {
    let t = TempDir::new("cli-fund");
    let d = &t.0;
    let db = t.db("s.db");
    setup(d, &db, 1);
    let young = import_young_worker(d, &db, "2025-01");
    import_orders(d, &db, &[(&young, "3000.00", "2025-09")]);

    // The fund: bad input refused by argument, nothing written.
    refused(d, &["fund", "appropriate", "--year", "2025", "--amount-yuan", "100", "--city", "zz", "--db", &db], "--city");
    refused(d, &["fund", "appropriate", "--year", "2025", "--amount-yuan", "-5", "--db", &db], "--amount-yuan");
    refused(d, &["fund", "appropriate", "--year", "2025", "--amount-yuan", "99999999999", "--db", &db], "--amount-yuan");
    ok(d, &["fund", "appropriate", "--year", "2025", "--amount-yuan", "100", "--city", "g1", "--db", &db]);
    let r = json(d, &["fund", "report", "--year", "2025", "--json", "--db", &db]);
    assert_eq!((r["appropriated_fen"].as_i64(), r["balance_fen"].as_i64()), (Some(10_000), Some(10_000)), "{r}");

    // A collective contract; an overlapping one is refused.
    let c = json(
        d,
        &[
            "contract",
            "add",
            "--platform",
            "1",
            "--union",
            "浙江省新业态工会联合会",
            "--share-bp",
            "3000",
            "--from",
            "2025-09",
            "--json",
            "--db",
            &db,
        ],
    );
    assert!(c["id"].as_i64().is_some(), "{c}");
    refused(
        d,
        &["contract", "add", "--platform", "1", "--union", "另一工会", "--share-bp", "1000", "--from", "2025-10", "--db", &db],
        "--from",
    );

    ok(d, &["settle", "--month", "2025-09", "--policy", "paper", "--db", &db]);
    let r = json(d, &["fund", "report", "--year", "2025", "--json", "--db", &db]);
    assert_eq!(r["committed_fen"].as_i64(), Some(10_000), "the fund ran short and granted all it had: {r}");
    assert_eq!(r["balance_fen"].as_i64(), Some(0), "{r}");
    assert_eq!(r["paid_fen"].as_i64(), Some(0), "{r}");

    // The worker's statement says who pays what, and why the subsidy is short.
    let w = json(d, &["worker", "show", "--id-number", &young, "--json", "--db", &db]);
    assert!(w["platform_shares"][0]["amount_fen"].as_i64().unwrap_or(0) > 0, "{w}");
    assert_eq!(w["subsidy"][0]["policy"], "queue", "{w}");
    assert!(w["subsidy"][0]["why"].to_string().contains("waits for the province's next appropriation"), "{w}");

    let b = json(d, &["platform", "bill", "--platform", "1", "--month", "2025-09", "--json", "--db", &db]);
    let total = b["total_fen"].as_i64().expect("total");
    assert!(b["contract_share_fen"].as_i64().unwrap_or(0) > 0 && b["injury_premium_fen"].as_i64().unwrap_or(0) > 0, "{b}");
    assert_eq!(b["union_dues_fen"].as_i64(), Some(200), "{b}");
    assert_eq!(b["paid_fen"].as_i64(), Some(0), "{b}");
    let over = format!("{}.00", total / 100 + 1);
    refused(d, &["platform", "pay", "--platform", "1", "--amount-yuan", &over, "--reference", "R1", "--db", &db], "--amount-yuan");
    let amount = format!("{}.{:02}", total / 100, total % 100);
    let p = json(d, &["platform", "pay", "--platform", "1", "--amount-yuan", &amount, "--reference", "R1", "--json", "--db", &db]);
    assert_eq!(p["duplicate"], false, "{p}");
    let p = json(d, &["platform", "pay", "--platform", "1", "--amount-yuan", &amount, "--reference", "R1", "--json", "--db", &db]);
    assert_eq!(p["duplicate"], true, "{p}");
    let b2 = json(d, &["platform", "bill", "--platform", "1", "--month", "2025-09", "--json", "--db", &db]);
    assert_eq!(b2["paid_fen"].as_i64(), Some(total), "{b2}");

    let s = json(d, &["platform", "statement", "--platform", "1", "--year", "2025", "--json", "--out", "st.pdf", "--db", &db]);
    let paid = s["paid_fen"].as_i64().expect("paid");
    assert_eq!(paid, b["contract_share_fen"].as_i64().expect("share"), "{s}");
    assert_eq!(s["deduction_fen"].as_i64(), Some((paid * 3 + 1) / 2), "{s}");
    assert_eq!(s["immediate_refund"], false, "the platform's band is from_100m: {s}");
    assert!(s["tax_effect_fen"].as_i64().unwrap_or(0) > 0, "{s}");
    assert!(s["warnings"].to_string().contains("not yet law"), "{s}");
    let pdf = std::fs::read(d.join("st.pdf")).expect("pdf");
    assert!(pdf.starts_with(b"%PDF"));
}
