//! Collective contracts in two steps on the consoles, on both backends: platform A files a
//! contract from `/platform/contracts` (state `filed`), the officer approves it on
//! `/officer/contracts` (state `approved`) and may withdraw it; a platform cannot decide, sees
//! only its own contracts and files only for itself; a stranger gets nothing; bad fields are
//! shown on the form naming the field, and nothing is written; reading the pages writes nothing.
//!
//! `cargo test -p flexpension-server --test contracts_page` (FLEXPENSION_SKIP_PG=1 skips the
//! PostgreSQL half).

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_store::WorkerId;
use flexpension_store::people::Scope;
use harness::{Server, enc, hidden};

const PASSWORD: &str = "correct horse 42";

mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn contracts_are_filed_by_the_platform_and_approved_by_the_officer() {
        run(Kind::Sqlite, super::contracts_are_filed_by_the_platform_and_approved_by_the_officer);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn contracts_are_filed_by_the_platform_and_approved_by_the_officer() {
        run(Kind::Postgres, super::contracts_are_filed_by_the_platform_and_approved_by_the_officer);
    }
}

fn form(cookie: &str) -> [(&str, &str); 2] {
    [("cookie", cookie), ("content-type", "application/x-www-form-urlencoded")]
}

/// A filing form's body.
fn filing(csrf: &str, union: &str, share: &str, from: &str, to: &str, min_base: &str) -> String {
    format!(
        "csrf={csrf}&lang=zh&union={}&share={}&from={from}&to={to}&min_base={min_base}&supplementary={}",
        enc(union),
        enc(share),
        enc("意外伤害险")
    )
}

/// The entries of the log (integrated now): a page that wrote would add one.
fn log_size(s: &Server) -> u64 {
    s.block_on(s.store.log_integrate()).expect("integrate").size
}

fn contracts_are_filed_by_the_platform_and_approved_by_the_officer(s: &Server) {
    s.block_on(async {
        for (login, scope) in [
            ("officer.zj", Scope::Region("zj".into())),
            ("staff.a", Scope::Platform(s.a.id)),
            ("staff.b", Scope::Platform(s.b.id)),
            ("13800000000", Scope::Worker(WorkerId(1))),
        ] {
            add_person(&s.store, login, PASSWORD, &scope).await.expect("person");
        }
    });
    let [officer, staff_a, staff_b, worker] = ["officer.zj", "staff.a", "staff.b", "13800000000"].map(|l| s.login(l, PASSWORD));
    let get = |path: &str, cookie: &str| s.send("GET", path, &[("cookie", cookie)], "");
    let contracts = || s.block_on(s.store.contracts()).expect("contracts");

    // Nothing filed: both pages say so, and reading them writes nothing.
    let before = log_size(s);
    let empty = get("/platform/contracts", &staff_a);
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains("id=\"no-contracts\"") && empty.body.contains("id=\"file-contract\""), "{}", empty.body);
    assert!(empty.body.contains("href=\"/platform/contracts?lang=zh\" aria-current=\"page\""), "the platform's menu: {}", empty.body);
    let none = get("/officer/contracts", &officer);
    assert_eq!(none.status, 200, "{}", none.body);
    assert!(none.body.contains("id=\"no-contracts\"") && none.body.contains("集体合同"), "{}", none.body);
    assert!(none.body.contains("href=\"/officer/contracts?lang=zh\" aria-current=\"page\""), "the officer's menu: {}", none.body);
    assert!(get("/officer", &officer).body.contains("href=\"/officer/contracts?lang=zh\""), "the dashboard's menu names the page");

    // Bad fields: each named on the form, 422, nothing written.
    let csrf_a = hidden(&empty.body, "csrf");
    let post = |cookie: &str, body: String| s.send("POST", "/platform/contracts", &form(cookie), body);
    let r = post(&staff_a, filing(&csrf_a, "市总工会", "130", "2025-13", "soon", "-5"));
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["share", "from", "to", "min_base"] {
        assert!(r.body.contains(&format!("data-field=\"{field}\"")), "{field} is named: {}", r.body);
        assert!(
            r.body.contains(&format!("id=\"{field}-error\""))
                && r.body.contains(&format!("aria-describedby=\"{field}-hint {field}-error\"")),
            "{field}"
        );
    }
    assert!(r.body.contains("value=\"130\"") && r.body.contains("市总工会"), "what was typed is kept: {}", r.body);
    assert!(!r.body.contains("data-field=\"union\""), "the name was fine");
    let en =
        s.send("POST", "/platform/contracts", &form(&staff_a), filing(&csrf_a, " ", "30", "2025-09", "", "").replace("lang=zh", "lang=en"));
    assert!(
        en.status == 422 && en.body.contains("data-field=\"union\"") && en.body.contains("Fill in the union federation"),
        "{}",
        en.body
    );
    let r = post(&staff_a, filing(&csrf_a, "市总工会", "30", "2025-09", "2025-08", ""));
    assert!(r.status == 422 && r.body.contains("data-field=\"to\""), "the store's check of the months: {}", r.body);
    let r = post(&staff_a, filing(&csrf_a, "市总工会", "30", "2025-09", "", "0"));
    assert!(r.status == 422 && r.body.contains("data-field=\"min_base\""), "the store's check of the base: {}", r.body);
    assert_eq!(post(&staff_a, filing("not-the-token", "市总工会", "30", "2025-09", "", "")).status, 403);
    assert!(contracts().is_empty(), "no refusal wrote a contract");
    assert_eq!(log_size(s), before, "the pages and the refusals wrote nothing");

    // A files (naming B's id changes nothing: the platform is the session's).
    let r = post(&staff_a, filing(&csrf_a, "杭州市快递行业工会联合会", "30", "2025-09", "", "4986") + &format!("&platform={}", s.b.id.0));
    assert_eq!(r.status, 303, "{}", r.body);
    let all = contracts();
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert_eq!((c.platform, c.state.as_str(), c.share_bp, c.min_base_fen), (s.a.id.0, "filed", 3000, Some(498_600)), "{c:?}");
    assert_eq!(c.supplementary.as_deref(), Some("意外伤害险"));
    assert_eq!(r.header("location"), Some(format!("/platform/contracts?lang=zh#contract-{}", c.id).as_str()));
    let mine = get("/platform/contracts", &staff_a);
    let row = format!("id=\"contract-{}\" data-state=\"filed\"", c.id);
    assert!(mine.body.contains(&row) && mine.body.contains("等待备案") && mine.body.contains("30%"), "{}", mine.body);
    // Overlapping months: named on the form as the first month.
    let r = post(&staff_a, filing(&csrf_a, "另一工会", "20", "2026-01", "", ""));
    assert!(r.status == 422 && r.body.contains("data-field=\"from\"") && r.body.contains("已有您的另一份合同"), "{}", r.body);
    // B sees none of A's contracts.
    let theirs = get("/platform/contracts", &staff_b);
    assert!(
        theirs.status == 200
            && theirs.body.contains("id=\"no-contracts\"")
            && !theirs.body.contains("杭州市快递行业工会联合会")
            && !theirs.body.contains("data-state="),
        "{}",
        theirs.body
    );

    // The officer: the contract waits, with its figures; approve it.
    let list = get("/officer/contracts", &officer);
    assert!(list.body.contains(&row) && list.body.contains(&s.a.name) && list.body.contains("4,986.00"), "{}", list.body);
    assert!(list.body.contains(&format!("id=\"approve-{}\"", c.id)) && list.body.contains("2025-09 起"), "{}", list.body);
    let ocsrf = hidden(&list.body, "csrf");
    let decide = |cookie: &str, body: String| s.send("POST", &format!("/officer/contracts/{}/decision", c.id), &form(cookie), body);
    // A platform, a worker, a stranger: no decision (the guard's refusals), nothing changes.
    assert_eq!(decide(&staff_a, format!("csrf={csrf_a}&decision=approve")).status, 403);
    assert_eq!(decide(&worker, format!("csrf={ocsrf}&decision=approve")).status, 403);
    assert_eq!(decide("", "decision=approve".into()).status, 401);
    assert_eq!(decide(&officer, "csrf=wrong&decision=approve".into()).status, 403);
    assert_eq!(decide(&officer, format!("csrf={ocsrf}&decision=maybe")).status, 422);
    assert_eq!(contracts()[0].state, "filed", "no refusal decided anything");
    let r = decide(&officer, format!("csrf={ocsrf}&decision=approve&lang=en"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some(format!("/officer/contracts?lang=en#contract-{}", c.id).as_str()));
    let c = contracts().remove(0);
    assert!(c.state == "approved" && c.decided_at_us.is_some(), "{c:?}");
    assert_eq!(s.block_on(s.store.platform_contracts(s.a.id)).expect("a's")[0].state, "approved");
    // Approving again: refused on the page, the state stays.
    let again = decide(&officer, format!("csrf={ocsrf}&decision=approve"));
    assert!(again.status == 409 && again.body.contains("id=\"problem\""), "{}", again.body);
    assert_eq!(s.send("POST", "/officer/contracts/999/decision", &form(&officer), format!("csrf={ocsrf}&decision=approve")).status, 404);
    let shown = get("/platform/contracts?lang=en", &staff_a);
    assert!(
        shown.body.contains(&format!("id=\"contract-{}\" data-state=\"approved\"", c.id)) && shown.body.contains("Approved"),
        "{}",
        shown.body
    );
    let listed = get("/officer/contracts?lang=en", &officer);
    assert!(
        listed.body.contains("Approved")
            && !listed.body.contains(&format!("id=\"approve-{}\"", c.id))
            && listed.body.contains(&format!("id=\"withdraw-{}\"", c.id)),
        "{}",
        listed.body
    );

    // A second platform's filing comes first on the officer's list while it waits.
    let csrf_b = hidden(&theirs.body, "csrf");
    assert_eq!(post(&staff_b, filing(&csrf_b, "浙江省总工会", "12.5", "2026-01", "2026-12", "")).status, 303);
    let list = get("/officer/contracts", &officer).body;
    let (b_at, a_at) = (list.find("data-state=\"filed\"").expect("b's"), list.find("data-state=\"approved\"").expect("a's"));
    assert!(b_at < a_at, "the waiting one first");
    assert!(list.contains("12.5%") && list.contains("2026-01 至 2026-12"), "{list}");

    // Withdraw A's: the state says so and no button is left for it.
    assert_eq!(decide(&officer, format!("csrf={ocsrf}&decision=withdraw")).status, 303);
    let a = s.block_on(s.store.platform_contracts(s.a.id)).expect("a's").remove(0);
    assert_eq!(a.state, "withdrawn");

    // Everyone else: the refusals of the other pages of each console.
    for cookie in [&staff_a, &worker, &String::new()] {
        let (mine, theirs) = (get("/officer/contracts", cookie), get("/officer/alerts", cookie));
        assert_eq!((mine.status, &mine.body), (theirs.status, &theirs.body), "{cookie}");
        assert!([401, 403].contains(&mine.status));
    }
    for cookie in [&officer, &worker, &String::new()] {
        let (mine, theirs) = (get("/platform/contracts", cookie), get("/platform/credit", cookie));
        assert_eq!((mine.status, &mine.body), (theirs.status, &theirs.body), "{cookie}");
        assert!([401, 403].contains(&mine.status));
    }
    assert_eq!(post(&officer, filing(&ocsrf, "市总工会", "30", "2027-01", "", "")).status, 403, "an officer files nothing");
    assert_eq!(post("", filing("", "市总工会", "30", "2027-01", "", "")).status, 401);
    assert_eq!(contracts().len(), 2);

    // Reading writes nothing.
    let before = log_size(s);
    for (path, cookie) in [("/officer/contracts", &officer), ("/platform/contracts", &staff_a), ("/platform/contracts?lang=en", &staff_b)] {
        assert_eq!(get(path, cookie).status, 200, "{path}");
    }
    assert_eq!(log_size(s), before, "reading the pages wrote to the log");
}
