//! `flexpension complaint` on the built binary (a contract): `file` writes an evidence package
//! that `verify` checks offline and that fails, naming what changed, once a row, an amount or a
//! file in it is changed; `show` gives `state`, `due_at`, `breached`; `respond --as platform:ID`;
//! `sla --now` lists the ids past their deadline. Bad files are refused naming `--attach`.

mod common;

use common::{TempDir, import_orders, json, ok, refused, run, setup, stdout, worker_id};
use serde_json::Value;

const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'];

/// `complaint file` of unpaid orders by worker `id` on platform 1 in `months`, with `more`
/// arguments.
fn file_args<'a>(id: &'a str, months: &'a str, more: &[&'a str], db: &'a str) -> Vec<&'a str> {
    let mut a = vec!["complaint", "file", "--id-number", id, "--platform", "1", "--kind", "unpaid_orders", "--months", months];
    a.extend_from_slice(more);
    a.extend(["--db", db]);
    a
}

/// `verify` of a package: (exit code, stdout).
fn verify(d: &std::path::Path, file: &str, key: &str) -> (Option<i32>, String) {
    let o = run(d, &["verify", file, "--log-key", key]);
    (o.status.code(), stdout(&o))
}

#[test]
fn file_verify_tamper_show_respond_and_deadline() {
    let t = TempDir::new("cli-complaint");
    let d = &t.0;
    let db = t.db("s.db");
    setup(d, &db, 3);
    let (w0, w1) = (worker_id(0), worker_id(1));
    import_orders(
        d,
        &db,
        &[
            (&w0, "3000.00", "2025-03"),
            (&w0, "3001.00", "2025-03"),
            (&w0, "3002.00", "2025-04"),
            (&w0, "3003.00", "2025-02"),
            (&w1, "2000.00", "2025-03"),
        ],
    );
    ok(d, &["settle", "--month", "2025-03", "--db", &db]);
    std::fs::write(d.join("photo.jpg"), JPEG).expect("photo");
    std::fs::write(d.join("fake.png"), b"MZ\x90\0 a program").expect("fake");

    // Bad files are refused before anything is stored.
    let e = refused(d, &file_args(&w0, "2025-03", &["--attach", "fake.png"], &db), "--attach");
    assert!(e.contains("named as image/png but its content is something else"), "{e}");
    refused(
        d,
        &["complaint", "file", "--id-number", &w0, "--platform", "1", "--kind", "stolen_bike", "--months", "2025-03", "--db", &db],
        "--kind",
    );
    refused(
        d,
        &["complaint", "file", "--id-number", &w0, "--platform", "1", "--kind", "other", "--months", "March", "--db", &db],
        "--months",
    );
    refused(
        d,
        &["complaint", "file", "--id-number", &w0, "--platform", "9", "--kind", "other", "--months", "2025-03", "--db", &db],
        "--platform",
    );

    let more = ["--attach", "photo.jpg", "--text", "三月的单没结", "--json"];
    let filed = json(d, &file_args(&w0, "2025-03,2025-04", &more, &db));
    let id = filed["id"].as_i64().expect("id");
    let package = filed["package"].as_str().expect("package").to_string();
    assert_eq!((filed["state"].as_str(), filed["orders"].as_u64()), (Some("delivered"), Some(3)), "{filed}");
    assert!(std::path::Path::new(&d.join(&package)).exists() || std::path::Path::new(&package).exists(), "{package}");

    let key = ok(d, &["log", "key", "--db", &db]).trim().to_string();
    let (code, out) = verify(d, &package, &key);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("VERIFIED") && out.contains("2025-03: 2 orders"), "{out}");
    // The same package for people, as a PDF: it verifies, its pages included.
    let pdf = filed["pdf"].as_str().expect("pdf").to_string();
    let (code, out) = verify(d, &pdf, &key);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("VERIFIED") && out.contains("ok   printed pages"), "{out}");
    let mut appended = std::fs::read(d.join(&pdf)).or_else(|_| std::fs::read(&pdf)).expect("read pdf");
    appended.extend_from_slice(b"\n%%EOF\n");
    std::fs::write(d.join("t.pdf"), appended).expect("write");
    let (code, out) = verify(d, "t.pdf", &key);
    assert!(code == Some(1) && out.contains("FAIL printed pages") && out.contains("added after the end"), "{out}");

    // Changing an amount, a file, or the complaint: verify fails (exit 1) and names it.
    let original = std::fs::read_to_string(d.join(&package)).expect("read package");
    let tampered = |edit: &dyn Fn(&mut Value), expect: &str| {
        let mut v: Value = serde_json::from_str(&original).expect("json");
        edit(&mut v);
        std::fs::write(d.join("t.json"), serde_json::to_vec(&v).expect("json")).expect("write");
        let (code, out) = verify(d, "t.json", &key);
        assert_eq!(code, Some(1), "{out}");
        assert!(out.contains(expect), "expected '{expect}' in:\n{out}");
    };
    tampered(
        &|v| {
            let row = &mut v["bundle"]["proofs"][1]["row"]["data"];
            *row = Value::String(row.as_str().unwrap_or("").replace("\"amount_fen\":300000", "\"amount_fen\":900000"));
        },
        "FAIL order o0 row in its batch",
    );
    tampered(&|v| v["uploads"][0]["data"] = Value::String("/9j/4AAQSkZJRgAB".into()), "FAIL upload 1 'photo.jpg': its content differs");
    tampered(&|v| v["complaint"]["kind"] = Value::String("other".into()), "FAIL complaint: kind");

    let shown = json(d, &["complaint", "show", &id.to_string(), "--json", "--db", &db]);
    assert_eq!((shown["state"].as_str(), shown["breached"].as_bool()), (Some("delivered"), Some(false)), "{shown}");
    let due_at = shown["due_at"].as_str().expect("due_at").to_string();
    let due = chrono::DateTime::parse_from_rfc3339(&due_at).expect("due_at is RFC 3339");
    let filed_at = chrono::DateTime::from_timestamp_micros(shown["filed_at_us"].as_i64().expect("filed")).expect("time");
    assert_eq!((due.to_utc() - filed_at).num_hours(), 72);

    // A second complaint, answered by its platform (not by another).
    let second = json(
        d,
        &["complaint", "file", "--id-number", &w0, "--platform", "1", "--kind", "deductions", "--months", "2025-04", "--json", "--db", &db],
    );
    let id2 = second["id"].as_i64().expect("id").to_string();
    refused(d, &["complaint", "respond", &id2, "--as", "platform:2", "--text", "x", "--db", &db], "ID/--as");
    refused(d, &["complaint", "respond", &id2, "--as", "worker:1", "--text", "x", "--db", &db], "--as");
    let r = json(d, &["complaint", "respond", &id2, "--as", "platform:1", "--text", "已核实，补发", "--json", "--db", &db]);
    assert_eq!(r["state"], "responded", "{r}");

    // The deadline: an hour before, nothing; at it, the first only; again, the same, no new escalation.
    let at = |h: i64| (due + chrono::Duration::hours(h)).to_rfc3339();
    let sla = |now: &str| json(d, &["complaint", "sla", "--now", now, "--json", "--db", &db]);
    assert_eq!(sla(&at(-1))["breached"], serde_json::json!([]));
    let s = sla(&due_at);
    assert_eq!((s["breached"].clone(), s["escalated"].clone()), (serde_json::json!([id]), serde_json::json!([id])), "{s}");
    let s = sla(&at(5));
    assert_eq!((s["breached"].clone(), s["escalated"].clone()), (serde_json::json!([id]), serde_json::json!([])), "{s}");
    let shown = json(d, &["complaint", "show", &id.to_string(), "--json", "--db", &db]);
    assert_eq!(shown["breached"], true, "{shown}");
    refused(d, &["complaint", "sla", "--now", "tomorrow", "--db", &db], "--now");
    let text = ok(d, &["complaint", "show", &id.to_string(), "--db", &db]);
    assert!(text.contains("BREACHED") && text.contains("escalate by system"), "{text}");
}
