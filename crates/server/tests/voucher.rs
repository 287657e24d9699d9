//! The contribution voucher on a running server, on both backends: issuing is a POST with the
//! session's CSRF token and every GET only draws what was issued; the public log and the verify
//! page let a stranger reach nobody's data (no voucher number or worker in the log, nothing
//! without the check code, one answer for a wrong code and an unknown number); a PDF whose page
//! was drawn from other figures, with the signed data spliced in, fails the offline check and the
//! check names the figure.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_server::voucher::{PAGE_CHECK, VoucherBody, VoucherPayload, check_pdf};
use flexpension_store::WorkerId;
use flexpension_store::log::VerifyOptions;
use flexpension_store::people::Scope;
use harness::{Server, hidden, seed_two_closed_months};

const PASSWORD: &str = "correct horse 42";

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

fn seed(s: &Server) -> (String, String) {
    seed_two_closed_months(s);
    s.block_on(async {
        for (login, w) in [("13800000000", 1), ("worker.b", 2)] {
            add_person(&s.store, login, PASSWORD, &Scope::Worker(WorkerId(w))).await.expect("person");
        }
    });
    (s.login("13800000000", PASSWORD), s.login("worker.b", PASSWORD))
}

fn log_size(s: &Server) -> u64 {
    s.block_on(s.store.log_integrate()).expect("integrate").size
}

fn opts(s: &Server) -> VerifyOptions {
    VerifyOptions { log_key: s.store.log_keys().verifier_key().to_string(), ..VerifyOptions::default() }
}

fn issue_and_check(s: &Server) {
    let (a, b) = seed(s);
    let me = s.send("GET", "/me", &[("cookie", &a)], "").body;
    assert!(me.contains(r#"action="/me/voucher""#) && me.contains(r#"id="voucher-issue""#), "{me}");
    let csrf = hidden(&me, "csrf");
    assert_eq!(csrf.len(), 64);

    // Nothing issued yet: the latest voucher is a page with the button, and GETs write nothing.
    let size = log_size(s);
    let none = s.send("GET", "/me/voucher.pdf", &[("cookie", &a)], "");
    assert_eq!(none.status, 404);
    assert!(none.body.contains(r#"id="voucher-issue""#) && none.body.contains(&csrf), "{}", none.body);
    assert_eq!(s.send("GET", "/me/voucher", &[("cookie", &a)], "").status, 405);
    // A POST another site could make (no token, someone else's token) is refused.
    assert_eq!(s.send("POST", "/me/voucher", &[("cookie", &a), FORM], "lang=zh").status, 403);
    assert_eq!(s.send("POST", "/me/voucher", &[("cookie", &a), FORM], format!("csrf={}", "0".repeat(64))).status, 403);
    assert_eq!(s.send("POST", "/me/voucher", &[FORM], format!("csrf={csrf}")).status, 401);
    assert_eq!(log_size(s), size, "refused requests log nothing");
    assert_eq!(s.block_on(s.store.latest_voucher(WorkerId(1))).expect("latest"), None);

    // Issued by the button: a redirect to that voucher's PDF.
    let issued = s.send("POST", "/me/voucher", &[("cookie", &a), FORM], format!("csrf={csrf}&lang=zh"));
    assert_eq!(issued.status, 303, "{}", issued.body);
    let location = issued.header("location").expect("location").to_string();
    let id = location.strip_prefix("/me/voucher/").and_then(|l| l.strip_suffix(".pdf")).expect("a voucher's PDF").to_string();
    assert!(id.starts_with("ZJ-") && id.len() == 22 && !id.contains("000001"), "{id}");
    let size = log_size(s);
    let pdf = s.send("GET", &location, &[("cookie", &a)], "");
    assert_eq!((pdf.status, pdf.header("content-type")), (200, Some("application/pdf")));
    let latest = s.send("GET", "/me/voucher.pdf", &[("cookie", &a)], "");
    assert_eq!(latest.status, 200);
    assert_eq!(latest.header("content-disposition"), Some(&*format!("attachment; filename=\"voucher-{id}.pdf\"")));
    assert_eq!(log_size(s), size, "GETs issue nothing");
    // Someone else's voucher is not found, for another worker and for nobody.
    assert_eq!(s.send("GET", &location, &[("cookie", &b)], "").status, 404);
    assert_eq!(s.send("GET", &location, &[], "").status, 401);

    // Offline: the PDF verifies, its page bound to the signed data, and the figures are listed.
    let r = check_pdf(&pdf.bytes, &opts(s)).expect("a voucher");
    assert!(r.ok(), "{}", r.to_text());
    assert!(r.checks.iter().any(|c| c.name == PAGE_CHECK && c.ok), "{}", r.to_text());
    let text = r.to_text();
    assert!(text.contains("2025-09") && text.contains("2025-10") && text.contains("personal account balance"), "{text}");
    assert!(check_pdf(&latest.bytes, &opts(s)).expect("a voucher").ok());

    // Drawn again from other figures, with the signed data spliced in: refused, the figure named.
    let payload = flexpension_voucher::extract_payload(&pdf.bytes).expect("payload");
    let p: VoucherPayload = serde_json::from_slice(&payload).expect("payload");
    let note = p.bundle.voucher.clone().expect("note");
    let body = VoucherBody::from_note(&note).expect("body");
    let mut doc = body.face(&note, payload.clone()).expect("face");
    let signed = flexpension_voucher::format_fen(doc.months[0].paid_fen);
    doc.months[0].paid_fen += 80_000;
    let forged = flexpension_voucher::render_pdf(&doc).expect("render");
    assert_eq!(flexpension_voucher::extract_payload(&forged).expect("payload"), payload);
    let r = check_pdf(&forged, &opts(s)).expect("a voucher");
    assert!(!r.ok(), "{}", r.to_text());
    let page = r.checks.iter().find(|c| c.name == PAGE_CHECK).expect("the page check");
    assert!(!page.ok && page.detail.contains(&format!("row 2025-09, paid: signed “{signed}”")), "{}", r.to_text());
    assert!(r.to_text().ends_with("NOT VERIFIED\n"));

    // The public log: one voucher entry, holding the note's digest and nothing else.
    let cp = s.send("GET", "/log/checkpoint", &[], "").body;
    let n: u64 = cp.lines().nth(1).and_then(|l| l.parse().ok()).expect("size");
    assert!(n < 256);
    let tile = s.send("GET", &format!("/log/tile/entries/000.p/{n}"), &[], "");
    assert_eq!(tile.status, 200);
    let mut entries = Vec::new();
    let mut at = 0;
    while at + 2 <= tile.bytes.len() {
        let len = usize::from(u16::from_be_bytes([tile.bytes[at], tile.bytes[at + 1]]));
        entries.push(String::from_utf8(tile.bytes[at + 2..at + 2 + len].to_vec()).expect("utf-8"));
        at += 2 + len;
    }
    let code = flexpension_server::voucher::check_code(&note);
    let vouchers: Vec<&String> = entries.iter().filter(|e| e.contains(r#""kind":"voucher""#)).collect();
    assert_eq!(vouchers.len(), 1, "{entries:#?}");
    let digest = flexpension_tlog::Hash(<sha2::Sha256 as sha2::Digest>::digest(note.as_bytes()).into()).to_hex();
    let e: serde_json::Value = serde_json::from_str(vouchers[0]).expect("entry");
    assert_eq!(e["data"], serde_json::json!({ "digest": digest }));
    for e in &entries {
        assert!(!e.contains(&id) && !e.contains(&code), "a log entry names the voucher: {e}");
    }

    // The verify page: nothing without the code; one answer for a wrong code and an unknown number.
    let name = &body.name;
    let total = flexpension_rules::money::yuan(body.total_paid_fen);
    let ask = s.send("GET", &format!("/verify/voucher/{id}"), &[], "");
    assert_eq!(ask.status, 200);
    let ask = ask.body;
    assert!(ask.contains(r#"data-verdict="ask""#) && !ask.contains(name) && !ask.contains(&total) && !ask.contains("2025-09"), "{ask}");
    let other = format!("ZJ-{}", &id[3..].chars().rev().collect::<String>());
    let wrong = s.send("GET", &format!("/verify/voucher/{id}?code=AAAA-AAAA"), &[], "");
    let unknown = s.send("GET", &format!("/verify/voucher/{other}?code=AAAA-AAAA"), &[], "");
    assert_eq!((wrong.status, unknown.status), (404, 404));
    assert_eq!(wrong.body.replace(&id, "ID"), unknown.body.replace(&other, "ID"));
    assert!(wrong.body.contains(r#"data-verdict="unknown""#) && !wrong.body.contains(&total));
    let right = s.send("GET", &format!("/verify/voucher/{id}?code={}", code.to_lowercase()), &[], "");
    assert_eq!(right.status, 200);
    let right = right.body;
    assert!(right.contains(r#"data-verdict="verified""#) && right.contains(&total), "{right}");
    assert!(!right.contains(name) && !right.contains(&body.id_masked), "the page shows no name or ID: {right}");
    // The page's QR address is the PDF's.
    assert!(doc.verify_url.ends_with(&format!("/verify/voucher/{id}?code={code}")), "{}", doc.verify_url);

    // Without a savings account the voucher says nothing of one.
    assert_eq!(body.savings, None);
    assert!(!text.contains("savings"), "{text}");
    savings(s, &a, &csrf);
}

/// With a pension savings account: its balance and the year's deposits are signed, printed,
/// listed by the check, and an edit of either is caught.
fn savings(s: &Server, a: &str, csrf: &str) {
    let params = flexpension_rules::Params::embedded().expect("params");
    let year = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive().format("%Y").to_string().parse::<i32>().expect("year");
    s.block_on(async {
        s.store.declare_occasional(&params, WorkerId(1), year, None, 2_500_000).await.expect("declare");
        s.store.deposit_savings(&params, WorkerId(1), year, 300_000, Some(1)).await.expect("deposit");
    });
    let issued = s.send("POST", "/me/voucher", &[("cookie", a), FORM], format!("csrf={csrf}&lang=zh"));
    assert_eq!(issued.status, 303, "{}", issued.body);
    let pdf = s.send("GET", issued.header("location").expect("location"), &[("cookie", a)], "");
    assert_eq!(pdf.status, 200);
    let r = check_pdf(&pdf.bytes, &opts(s)).expect("a voucher");
    assert!(r.ok(), "{}", r.to_text());
    let text = r.to_text();
    assert!(text.contains(&format!("pension savings account balance 3000.00; deposited in {year} 3000.00")), "{text}");

    let payload = flexpension_voucher::extract_payload(&pdf.bytes).expect("payload");
    let p: VoucherPayload = serde_json::from_slice(&payload).expect("payload");
    let note = p.bundle.voucher.clone().expect("note");
    let body = VoucherBody::from_note(&note).expect("body");
    assert_eq!(body.savings.map(|v| (v.balance_fen, v.year, v.deposited_fen)), Some((300_000, year, 300_000)));
    // The page drawn with another balance, the signed data spliced in: the figure is named.
    let mut doc = body.face(&note, payload.clone()).expect("face");
    doc.savings = doc.savings.map(|v| flexpension_voucher::VoucherSavings { balance_fen: 3_000_000, ..v });
    let r = check_pdf(&flexpension_voucher::render_pdf(&doc).expect("render"), &opts(s)).expect("a voucher");
    let page = r.checks.iter().find(|c| c.name == PAGE_CHECK).expect("the page check");
    assert!(!page.ok && page.detail.contains("pension savings balance: signed “3000.00”, printed “30000.00”"), "{}", r.to_text());
    // The signed data edited to match (and the page drawn from it): the signature fails.
    let mut p2 = p.clone();
    p2.bundle.voucher = Some(note.replace(r#""savings":{"balance_fen":300000"#, r#""savings":{"balance_fen":3000000"#));
    assert_ne!(p2.bundle.voucher.as_deref(), Some(note.as_str()));
    let payload2 = serde_json::to_vec(&p2).expect("payload");
    let edited = VoucherBody::from_note(p2.bundle.voucher.as_deref().expect("note")).expect("body");
    let doc = edited.face(p2.bundle.voucher.as_deref().expect("note"), payload2).expect("face");
    let r = check_pdf(&flexpension_voucher::render_pdf(&doc).expect("render"), &opts(s)).expect("a voucher");
    assert!(!r.ok(), "{}", r.to_text());
    assert!(r.checks.iter().any(|c| c.name == "voucher" && !c.ok), "{}", r.to_text());
}

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn issue_and_check() {
        run(Kind::Sqlite, super::issue_and_check);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn issue_and_check() {
        run(Kind::Postgres, super::issue_and_check);
    }
}
