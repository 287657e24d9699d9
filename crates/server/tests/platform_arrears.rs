//! A platform's overdue bills on both backends, with the server's day fixed: September's bill
//! falls due on 15 October (the region's due day); on the 14th and the 15th nothing is overdue,
//! on the 16th the API's bill says `overdue` (1 day), `/platform` shows the reminder at the top
//! and the officer's `/officer/contracts` lists the platform; once paid, all of it clears.
//! Reading writes nothing.
//!
//! `cargo test -p flexpension-server --test platform_arrears` (FLEXPENSION_SKIP_PG=1 skips the
//! PostgreSQL half).

#[path = "platform/harness.rs"]
mod harness;

use chrono::{NaiveDate, Utc};
use flexpension_rules::money::yuan_grouped;
use flexpension_server::people::add_person;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_store::people::Scope;
use harness::{Kind, Server, csv};

const PASSWORD: &str = "correct horse 42";

#[test]
fn overdue_only_after_the_due_day_and_cleared_once_paid_sqlite() {
    overdue_only_after_the_due_day_and_cleared_once_paid(Kind::Sqlite);
}

#[test]
fn overdue_only_after_the_due_day_and_cleared_once_paid_postgres() {
    overdue_only_after_the_due_day_and_cleared_once_paid(Kind::Postgres);
}

/// A server whose day is `today`, with September's orders on A (injury premiums, its bill) and
/// the logins of A's staff and the officer: (server, A's cookie, the officer's cookie, total).
fn on(kind: Kind, today: &str) -> Option<(Server, String, String, i64)> {
    let day: NaiveDate = today.parse().expect("day");
    let s = Server::start_with(kind, 2, |_, _, state| state.with_today(day))?;
    let t = "2025-09-10T12:00:00+08:00";
    let orders = csv(&[["c1", &s.ids[0], "100.00", t, "instant_delivery", "g1"], ["c2", &s.ids[1], "50.00", t, "instant_delivery", "g1"]]);
    assert_eq!(s.csv(&s.key_a, &orders).status, 200);
    s.block_on(async {
        add_person(&s.store, "staff.a", PASSWORD, &Scope::Platform(s.a.id)).await.expect("staff");
        add_person(&s.store, "officer.zj", PASSWORD, &Scope::Region("zj".into())).await.expect("officer");
    });
    let (a, o) = (s.login("staff.a", PASSWORD), s.login("officer.zj", PASSWORD));
    let total = s.block_on(s.store.platform_bill(s.a.id, "2025-09".parse().expect("month"))).expect("bill").total_fen;
    assert!(total > 0);
    Some((s, a, o, total))
}

fn bill(s: &Server) -> serde_json::Value {
    let r = s.send("GET", "/api/v1/platform/bill?month=2025-09", &[("authorization", &format!("Bearer {}", s.key_a))], "");
    harness::ok(&r)
}

fn page(s: &Server, path: &str, cookie: &str) -> String {
    let r = s.send("GET", path, &[("cookie", cookie)], "");
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

fn log_size(s: &Server) -> u64 {
    s.block_on(s.store.log_integrate()).expect("integrate").size
}

fn overdue_only_after_the_due_day_and_cleared_once_paid(kind: Kind) {
    // The day before the due day and the due day itself: nothing is overdue.
    for today in ["2025-10-14", "2025-10-15"] {
        let Some((s, a, o, total)) = on(kind, today) else { return };
        let b = bill(&s);
        assert_eq!(b["total_fen"].as_i64(), Some(total), "the bill's own fields stay: {b}");
        assert_eq!(
            (b["due_on"].as_str(), b["overdue"].as_bool(), b["days_overdue"].as_i64()),
            (Some("2025-10-15"), Some(false), Some(0)),
            "{today}: {b}"
        );
        assert_eq!((b["arrears_fen"].as_i64(), b["arrears_months"].as_array().map(Vec::len)), (Some(0), Some(0)), "{b}");
        let top = page(&s, "/platform", &a);
        assert!(
            !top.contains("id=\"arrears\"") && top.contains("2025-09的账单 2025-10-15 到期") && !top.contains("id=\"bill-overdue\""),
            "{today}: {top}"
        );
        assert!(page(&s, "/officer/contracts", &o).contains("id=\"no-arrears\""), "{today}");
    }

    // The day after: overdue by one day, on the API, the platform's page and the officer's.
    let Some((s, a, o, total)) = on(kind, "2025-10-16") else { return };
    let before = log_size(&s);
    let b = bill(&s);
    assert_eq!((b["overdue"].as_bool(), b["days_overdue"].as_i64(), b["arrears_fen"].as_i64()), (Some(true), Some(1), Some(total)), "{b}");
    assert_eq!(b["arrears_months"], serde_json::json!(["2025-09"]));
    assert_eq!(
        (b["due_rule"]["key"].as_str(), b["due_rule"]["value"].as_str(), b["due_rule"]["source"].as_str()),
        (Some("platform_bill_due_day"), Some("15"), Some("DESIGN")),
        "{b}"
    );
    assert!(b["steps"].to_string().contains("1 days overdue") && b["warnings"].to_string().contains("own choice"), "{b}");
    let top = page(&s, "/platform", &a);
    let reminder = top.find("id=\"arrears\"").expect("the reminder");
    assert!(reminder < top.find("id=\"totals\"").expect("the figures"), "the reminder comes first");
    assert!(
        top.contains(&yuan_grouped(total)) && top.contains("2025-09：未缴") && top.contains("已逾期 1 天") && top.contains("次月15日到期"),
        "{top}"
    );
    assert!(top.contains("id=\"bill-overdue\""), "{top}");
    let en = page(&s, "/platform?lang=en", &a);
    assert!(
        en.contains("Overdue bills") && en.contains("days overdue: 1") && en.contains("own choice: neither the law nor the paper says"),
        "{en}"
    );
    let officer = page(&s, "/officer/contracts", &o);
    let row = officer.split("id=\"arrears\"").nth(1).expect("the list");
    assert!(row.contains(&s.a.name) && !row.contains(&s.b.name) && row.contains(&yuan_grouped(total)) && row.contains(">1</td>"), "{row}");
    assert_eq!(log_size(&s), before, "reading wrote nothing");

    // Paid (signed, through the API): cleared at once.
    let body = format!("{{\"amount_fen\": {total}, \"reference\": \"LATE-1\"}}");
    let ts = Utc::now().timestamp().to_string();
    let auth = format!("Bearer {}", s.key_a);
    let sig = sign(&s.key_a, &ts, body.as_bytes());
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
        (TIMESTAMP_HEADER, ts.as_str()),
        (SIGNATURE_HEADER, sig.as_str()),
    ];
    assert_eq!(s.send("POST", "/api/v1/platform/payments", &headers, body.as_bytes()).status, 200);
    let b = bill(&s);
    assert_eq!(
        (b["overdue"].as_bool(), b["days_overdue"].as_i64(), b["arrears_fen"].as_i64(), b["outstanding_fen"].as_i64()),
        (Some(false), Some(0), Some(0), Some(0)),
        "{b}"
    );
    let top = page(&s, "/platform", &a);
    assert!(!top.contains("id=\"arrears\"") && !top.contains("id=\"bill-overdue\""), "{top}");
    assert!(page(&s, "/officer/contracts", &o).contains("id=\"no-arrears\""));
}
