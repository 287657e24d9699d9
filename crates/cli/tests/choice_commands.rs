//! The worker's own choices on the command line (a contract), on SQLite: `enrol` (combinations
//! refused and explained, leaving), `base choose` (limits), `savings declare | deposit | use`
//! (`balance_fen`, `room_fen`; over the room exit 2 and nothing written; arrears paid from the
//! account); the voucher then signs the account's balance and `verify` lists it and names an
//! edit of it. Months are counted back from today, as the store's clock is the system's.

mod common;

use common::{TempDir, import_orders, import_young_worker, json, ok, refused, run, setup, stderr, stdout};
use flexpension_rules::YearMonth;

fn this_month() -> YearMonth {
    YearMonth::of_date((chrono::Utc::now() + chrono::Duration::hours(8)).date_naive())
}

#[test]
fn enrol_base_and_savings_by_contract() {
    let t = TempDir::new("cli-choice");
    let d = &t.0;
    let db = t.db("s.db");
    setup(d, &db, 1);
    let now = this_month();
    let m = |n: i64| now.add_months(n).expect("month").to_string();
    let young = import_young_worker(d, &db, &m(-3));
    import_orders(d, &db, &[(&young, "3000.00", &m(-3)), (&young, "3000.00", &m(-2))]);

    // enrol: unbundled, one basic pension at a time, explained; bad input names the argument.
    let e = refused(d, &["enrol", "--id-number", &young, "--scheme", "residents_pension", "--db", &db], "--scheme");
    assert!(e.contains("one basic pension at a time"), "{e}");
    refused(d, &["enrol", "--id-number", &young, "--scheme", "pension", "--db", &db], "--scheme");
    refused(d, &["enrol", "--id-number", &young, "--scheme", "medical", "--from", &m(-1), "--db", &db], "--from");
    let j = json(d, &["enrol", "--id-number", &young, "--scheme", "medical", "--json", "--db", &db]);
    assert_eq!((j["scheme"].as_str(), j["from"].as_str()), (Some("medical"), Some(&*m(0))), "{j}");
    refused(d, &["enrol", "--id-number", &young, "--scheme", "medical", "--db", &db], "--scheme");
    let text = ok(d, &["enrol", "--id-number", &young, "--scheme", "injury_cover", "--from", &m(1), "--db", &db]);
    assert!(text.contains("joined injury_cover"), "{text}");

    // base choose: inside the limits, for a month not closed.
    refused(d, &["base", "choose", "--id-number", &young, "--from", &m(0), "--base-yuan", "1", "--db", &db], "--base-yuan");
    refused(d, &["base", "choose", "--id-number", &young, "--from", &m(-1), "--base-yuan", "8000", "--db", &db], "--from");
    let j = json(d, &["base", "choose", "--id-number", &young, "--from", &m(0), "--base-yuan", "8000", "--json", "--db", &db]);
    assert_eq!(j["base_fen"], 800_000, "{j}");

    // Two months billed and unpaid.
    ok(d, &["settle", "--month", &m(-3), "--db", &db]);
    ok(d, &["settle", "--month", &m(-2), "--db", &db]);
    let year = now.year().to_string();

    // savings: the room is 20% of the year's occasional income.
    let j = json(d, &["savings", "declare", "--id-number", &young, "--year", &year, "--occasional-yuan", "50000", "--json", "--db", &db]);
    assert_eq!(j["room_fen"], 1_000_000, "{j}");
    let o = run(d, &["savings", "deposit", "--id-number", &young, "--amount-yuan", "10000.01", "--year", &year, "--json", "--db", &db]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--amount-yuan") && stderr(&o).contains("10000.00"), "names the room: {}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let j = json(d, &["savings", "deposit", "--id-number", &young, "--amount-yuan", "6000", "--year", &year, "--json", "--db", &db]);
    assert_eq!((j["balance_fen"].as_i64(), j["room_fen"].as_i64()), (Some(600_000), Some(400_000)), "{j}");
    assert_eq!(j["tax"]["tax_saved_now_fen"], 120_000, "{j}");

    // savings use: a month not owed is refused; an owed month is paid with the older ones.
    refused(d, &["savings", "use", "--id-number", &young, "--month", &m(-1), "--db", &db], "--month");
    let j = json(d, &["savings", "use", "--id-number", &young, "--month", &m(-2), "--json", "--db", &db]);
    let credited: Vec<&str> = j["payment"]["credited_months"].as_array().expect("months").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(credited, [m(-3), m(-2)], "{j}");
    let paid = j["payment"]["amount_fen"].as_i64().expect("amount");
    assert_eq!(j["balance_fen"].as_i64(), Some(600_000 - paid), "{j}");
    assert_eq!(j["payment"]["arrears_fen"], 0, "{j}");

    // Nothing owed now: the worker may leave the employee pension from next month.
    let text = ok(d, &["enrol", "--id-number", &young, "--scheme", "employee_pension", "--leave", "--db", &db]);
    assert!(text.contains(&format!("left employee_pension from {}", m(1))), "{text}");
    let r = json(d, &["report", "month", "--month", &m(-2), "--json", "--db", &db]);
    assert_eq!(r["trial_balance_fen"], 0, "{r}");

    // The voucher carries the savings account, signed: `verify` lists it and names an edit.
    ok(d, &["voucher", "--id-number", &young, "--out", "v.pdf", "--db", &db]);
    let key = ok(d, &["log", "key", "--db", &db]).trim().to_string();
    let o = run(d, &["verify", "v.pdf", "--log-key", &key]);
    let balance = flexpension_voucher::format_fen(600_000 - paid);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(&format!("pension savings account balance {balance}; deposited in {year} 6000.00")), "{}", stdout(&o));
    let pdf = std::fs::read(d.join("v.pdf")).expect("read");
    let payload = flexpension_voucher::extract_payload(&pdf).expect("payload");
    let p: flexpension_server::voucher::VoucherPayload = serde_json::from_slice(&payload).expect("payload");
    let note = p.bundle.voucher.expect("note");
    let body = flexpension_server::voucher::VoucherBody::from_note(&note).expect("body");
    let mut doc = body.face(&note, payload).expect("face");
    doc.savings = doc.savings.map(|v| flexpension_voucher::VoucherSavings { balance_fen: v.balance_fen + 100_000, ..v });
    std::fs::write(d.join("forged.pdf"), flexpension_voucher::render_pdf(&doc).expect("render")).expect("write");
    let o = run(d, &["verify", "forged.pdf", "--log-key", &key]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(&format!("pension savings balance: signed “{balance}”")), "{}", stdout(&o));
}
