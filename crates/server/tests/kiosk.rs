//! The self-service terminal (`/kiosk`) on a running server, on both backends: a stranger's
//! screens show no personal data; the keypad's keys write nothing; a code goes to the text file
//! and signs in once; wrong tries are capped; an unknown ID number (or one without an account)
//! gets the same answer and no text; sends are limited per ID number; the session ends after
//! the idle time; the voucher prints as a PDF; "finished" signs out; the ID number is never
//! logged.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_store::WorkerId;
use flexpension_store::people::Scope;
use harness::{Reply, Server, hidden, seed_two_closed_months};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

fn start(kind: harness::Kind) -> Option<(Server, std::path::PathBuf)> {
    let file = std::env::temp_dir().join(format!("flexpension-kiosk-sms-{}-{:?}-{}.txt", std::process::id(), kind, rand_suffix()));
    let f = file.clone();
    let s = Server::start_with(kind, 4, move |_, _, state| state.with_sms_file(&f))?;
    Some((s, file))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn seed(s: &Server) {
    seed_two_closed_months(s);
    s.block_on(async {
        add_person(&s.store, "13800000000", "correct horse 42", &Scope::Worker(WorkerId(1))).await.expect("person");
    });
}

fn texts(file: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(file).unwrap_or_default().lines().map(str::to_string).collect()
}

/// The sign-in page's form token and its cookie.
fn form(s: &Server) -> (String, String) {
    let r = s.send("GET", "/kiosk/sign-in", &[], "");
    assert_eq!(r.status, 200, "{}", r.body);
    let token = hidden(&r.body, "csrf");
    assert_eq!(r.cookie("fp_kiosk_form").as_deref(), Some(token.as_str()));
    (token.clone(), format!("fp_kiosk_form={token}"))
}

/// Ask for a code for `id`: the reply and the cookies for the code's page.
fn ask(s: &Server, id: &str) -> (Reply, String) {
    let (token, cookie) = form(s);
    let r = s.send("POST", "/kiosk/code", &[("cookie", &cookie), FORM], format!("csrf={token}&lang=zh&entry={id}"));
    let next = format!(
        "fp_kiosk_form={}; fp_kiosk_ticket={}",
        r.cookie("fp_kiosk_form").unwrap_or_default(),
        r.cookie("fp_kiosk_ticket").unwrap_or_default()
    );
    (r, next)
}

fn try_code(s: &Server, page: &Reply, cookies: &str, code: &str) -> Reply {
    let token = hidden(&page.body, "csrf");
    let cookies = cookies
        .split("; ")
        .map(|c| if c.starts_with("fp_kiosk_form=") { format!("fp_kiosk_form={token}") } else { c.to_string() })
        .collect::<Vec<_>>()
        .join("; ");
    s.send("POST", "/kiosk/verify", &[("cookie", &cookies), FORM], format!("csrf={token}&lang=zh&entry={code}"))
}

fn code_of(line: &str) -> String {
    let digits: Vec<char> = line.chars().collect();
    (0..digits.len().saturating_sub(5))
        .map(|i| digits[i..i + 6].iter().collect::<String>())
        .find(|w| w.chars().all(|c| c.is_ascii_digit()))
        .expect("a 6-digit code in the text")
}

/// Strip what differs between two answers by design: tokens.
fn shape(body: &str) -> String {
    let t = hidden(body, "csrf");
    if t.is_empty() { body.to_string() } else { body.replace(&t, "TOKEN") }
}

fn stranger_sees_nothing_personal(s: &Server) {
    seed(s);
    let name = s.block_on(s.store.worker(WorkerId(1))).expect("worker").expect("worker").name;
    for path in ["/kiosk", "/kiosk?lang=en", "/kiosk/sign-in", "/kiosk/estimate?income=5000&go=1"] {
        let r = s.send("GET", path, &[], "");
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(!r.body.contains(&name) && !r.body.contains(&s.ids[0]), "{path}");
        assert!(r.cookie("fp_session").is_none(), "{path}");
        let csp = r.header("content-security-policy").expect("csp");
        assert!(csp.contains("default-src 'self'") && !r.body.contains("<script>"), "{path}: no inline script");
    }
    let est = s.send("GET", "/kiosk/estimate?income=5000&go=1", &[], "").body;
    assert_eq!(est.matches("class=\"k-card\"").count(), 2, "the law and the proposal");
    // A key is an edit: the field, nothing computed; a GET writes nothing.
    let est = s.send("GET", "/kiosk/estimate?income=500&key=0", &[], "").body;
    assert!(est.contains("value=\"5000\"") && !est.contains("k-results"), "{est}");
    // Not signed in: the signed-in screen and its forms lead back to the start.
    for (m, p) in [("GET", "/kiosk/me"), ("POST", "/kiosk/voucher")] {
        let r = s.send(m, p, &[FORM], "csrf=x");
        assert_eq!((r.status, r.header("location")), (303, Some("/kiosk")), "{m} {p}");
    }
    let js = s.send("GET", "/static/kiosk.js", &[], "");
    assert_eq!((js.status, js.header("content-type")), (200, Some("text/javascript; charset=utf-8")));
}

fn code_flow(s: &Server, file: &std::path::Path) {
    seed(s);
    let id = s.ids[0].clone();
    // A keypad key writes nothing and sends nothing.
    let (token, cookie) = form(s);
    let r = s.send("POST", "/kiosk/code", &[("cookie", &cookie), FORM], format!("csrf={token}&lang=zh&entry=3301&key=0"));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("value=\"33010\""));
    assert!(texts(file).is_empty());
    // A wrong check digit: said at once.
    let bad = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
    assert_eq!(ask(s, &bad).0.status, 422);
    // A forged form token: refused.
    let r = s.send("POST", "/kiosk/code", &[("cookie", "fp_kiosk_form=x"), FORM], format!("csrf=x&lang=zh&entry={id}"));
    assert_eq!(r.status, 403);
    assert!(texts(file).is_empty());

    // The code goes out as a text (not holding the ID number); the page shows no phone digits.
    let (page, cookies) = ask(s, &id);
    assert_eq!(page.status, 200, "{}", page.body);
    let sent = texts(file);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("worker=1") && sent[0].contains("****") && !sent[0].contains(&id), "{}", sent[0]);
    let code = code_of(sent[0].split('\t').nth(3).expect("text"));
    assert!(!page.body.contains("****") && !page.body.contains(&id), "{}", page.body);
    assert_eq!(s.block_on(s.store.sms_pending()).expect("pending").len(), 0, "sent and blanked");

    // Unknown numbers, and a registered worker without an account: the same answer, no text.
    let unknown = flexpension_testkit::worker_id(99, 1990..1991);
    for other in [unknown.as_str(), s.ids[1].as_str()] {
        let (r, _) = ask(s, other);
        assert_eq!(r.status, page.status);
        assert_eq!(shape(&r.body), shape(&page.body));
        assert_eq!(r.cookie("fp_kiosk_ticket").map(|t| t.len()), Some(64));
    }
    assert_eq!(texts(file).len(), 1);

    // Wrong tries are counted and capped; after the cap the right code opens nothing.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut last = try_code(s, &page, &cookies, wrong);
    assert_eq!(last.status, 401);
    assert!(last.body.contains("4"), "{}", last.body);
    for _ in 0..3 {
        last = try_code(s, &last, &cookies, wrong);
        assert_eq!(last.status, 401);
    }
    last = try_code(s, &last, &cookies, wrong);
    assert_eq!(last.status, 429, "the fifth wrong try spends the code");
    let dead = try_code(s, &page, &cookies, &code);
    assert_eq!(dead.status, 429);
    assert!(dead.cookie("fp_session").is_none());
    // No ticket (or a made-up one): gone.
    assert_eq!(try_code(s, &page, &format!("fp_kiosk_form=x; fp_kiosk_ticket={}", "ab".repeat(32)), &code).status, 410);
    assert_eq!(try_code(s, &page, "fp_kiosk_form=x", &code).status, 410);

    // A new code signs in once.
    let (page, cookies) = ask(s, &id);
    let sent = texts(file);
    assert_eq!(sent.len(), 2);
    let code = code_of(sent[1].split('\t').nth(3).expect("text"));
    let ok = try_code(s, &page, &cookies, &code);
    assert_eq!((ok.status, ok.header("location")), (303, Some("/kiosk/me")), "{}", ok.body);
    let token = ok.cookie("fp_session").expect("session");
    assert_eq!(try_code(s, &page, &cookies, &code).status, 410, "used up");
    let session = format!("fp_session={token}");

    // The session ends after the idle time, on the server (the parameter: 120 s).
    let now = chrono::Utc::now();
    assert!(s.block_on(s.store.session(&token, now + chrono::TimeDelta::seconds(100))).expect("session").is_some());
    assert!(s.block_on(s.store.session(&token, now + chrono::TimeDelta::seconds(125))).expect("session").is_none(), "idle");

    // Signed in: the name masked, this month's bill, the voucher printed as a PDF.
    let me = s.send("GET", "/kiosk/me", &[("cookie", &session)], "");
    assert_eq!(me.status, 200, "{}", me.body);
    let name = s.block_on(s.store.worker(WorkerId(1))).expect("worker").expect("worker").name;
    let first: String = name.chars().take(1).collect();
    assert!(me.body.contains(&format!("{first}*")) && !me.body.contains(&name) && !me.body.contains(&id), "{}", me.body);
    assert!(me.body.contains("2025-10"), "{}", me.body);
    let csrf = hidden(&me.body, "csrf");
    assert_eq!(s.send("POST", "/kiosk/voucher", &[("cookie", &session), FORM], "csrf=nope").status, 403);
    let pdf = s.send("POST", "/kiosk/voucher", &[("cookie", &session), FORM], format!("csrf={csrf}&lang=zh"));
    assert_eq!((pdf.status, pdf.header("content-type")), (200, Some("application/pdf")), "{}", pdf.body);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(pdf.header("content-disposition").is_some_and(|d| d.starts_with("inline")));

    // Finished: signed out; the screen is gone.
    let done = s.send("POST", "/kiosk/finish", &[("cookie", &session), FORM], format!("csrf={csrf}&lang=zh"));
    assert_eq!((done.status, done.header("location")), (303, Some("/kiosk")));
    assert_eq!(s.send("GET", "/kiosk/me", &[("cookie", &session)], "").status, 303);

    // Sends are limited per ID number (3 an hour), known or not, with the same answer.
    let (r, _) = ask(s, &id);
    assert_eq!(r.status, 200, "the third code this hour");
    for _ in 0..2 {
        assert_eq!(ask(s, &unknown).0.status, 200, "the unknown number's second and third");
    }
    for other in [id.as_str(), unknown.as_str()] {
        let r = ask(s, other).0;
        assert_eq!(r.status, 429, "{other}: {}", r.body);
        assert!(r.header("retry-after").is_some());
    }
    assert_eq!(texts(file).len(), 3);

    // The ID number never reaches the log.
    let logs = harness::logs();
    assert!(logs.contains("kiosk: a code asked for"));
    assert!(!logs.contains(&id) && !logs.contains(&unknown), "an ID number in the log");
    let _ = std::fs::remove_file(file);
}

fn run(kind: harness::Kind, case: fn(&Server, &std::path::Path)) {
    if let Some((s, file)) = start(kind) {
        case(&s, &file);
    }
}

mod sqlite {
    use super::*;

    #[test]
    fn stranger_sees_nothing_personal() {
        run(harness::Kind::Sqlite, |s, _| super::stranger_sees_nothing_personal(s));
    }

    #[test]
    fn code_flow() {
        run(harness::Kind::Sqlite, super::code_flow);
    }
}

mod postgres {
    use super::*;

    #[test]
    fn stranger_sees_nothing_personal() {
        run(harness::Kind::Postgres, |s, _| super::stranger_sees_nothing_personal(s));
    }

    #[test]
    fn code_flow() {
        run(harness::Kind::Postgres, super::code_flow);
    }
}
