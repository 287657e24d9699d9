//! The self-service terminal (智能自助终端, section 5.3 of the paper): a kiosk mode of the web
//! app for a touch screen in a service hall or a riders' station. Huge buttons, an on-screen
//! keypad (plain submit buttons; `kiosk.js` makes them edit the field in place, and without it
//! each tap is a round trip that writes nothing), and a session that ends after the idle time.
//!
//! | route | what |
//! |---|---|
//! | `GET /kiosk` | the start screen: public, no personal data |
//! | `GET /kiosk/estimate` | monthly income on the keypad → this month's contribution under the law and the paper's proposal, the pension estimate, each explained (the calculator's own [`super::results::compute`]) |
//! | `GET /kiosk/sign-in` | the ID number on the keypad |
//! | `POST /kiosk/code` | a key pressed (edit), or "send me a code": the ID number's check digit, the send limits, a one-time code to the registered phone (the outbox, [`crate::sms`]) |
//! | `POST /kiosk/verify` | a key pressed (edit), or a try at the code: a worker session with the terminal's idle timeout |
//! | `GET /kiosk/me` | the signed-in screen: this month's bill and standing, print, transfer and complaints |
//! | `POST /kiosk/voucher` | issue the voucher as `/me` does and answer its PDF |
//! | `POST /kiosk/finish` | sign out, back to the start |
//!
//! Known and unknown ID numbers get the same answers, the same counters and the same stored
//! ticket (an unknown one's code reaches nobody); the page never shows a phone's digits, since
//! that would tell who is registered. The ID number is never logged or stored in clear (only
//! its keyed hash, as every counter key). Codes come from the OS CSPRNG and are kept only as
//! keyed hashes; their lifetime, tries and send limits are dated parameters (`kiosk_*`).

use super::html;
use super::people::{Base, LangQuery, render};
use super::reply::{lang_suffix, secure, see_other, set_cookie};
use crate::guard::{AsWorker, ClientAddr, Denied, SESSION_COOKIE, Viewer, cookie};
use crate::throttle::{self, LoginKeys};
use crate::{AppState, assets};
use askama::Template;
use axum::Form;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use flexpension_rules::kiosk::KioskRules;
use flexpension_rules::money::yuan_grouped;
use flexpension_store::kiosk::CodeCheck;
use flexpension_store::{Store, StoreError};
use flexpension_text::Lang;
use serde::Deserialize;

/// The form token's cookie (a signed double submit, as the login form's), only under `/kiosk`.
const FORM_COOKIE: &str = "fp_kiosk_form";
/// The ticket of the code asked for (random; the store keeps its keyed hash), only under `/kiosk`.
const TICKET_COOKIE: &str = "fp_kiosk_ticket";
/// The send limits count per hour: the parameters' names say so.
const SEND_WINDOW: TimeDelta = TimeDelta::hours(1);
/// An ID number has 18 characters; a code 6 digits; a monthly income at most 7 digits of yuan.
const ID_LEN: usize = 18;
const CODE_LEN: usize = 6;
const INCOME_LEN: usize = 7;
/// Complaints and transfers shown on the signed-in screen (the newest).
const SHOWN: usize = 3;

/// What the terminal's pages share.
pub struct Kiosk {
    pub base: Base,
    pub kcss: String,
    pub kjs: String,
    /// Seconds without a touch before the page goes back to the start (0: never, the start).
    pub idle: u32,
}

impl Kiosk {
    fn new(lang: Option<&str>, title_key: &str, path: &str, csrf: &str, idle: u32) -> Kiosk {
        let mut base = Base::new(lang, title_key, path, csrf, "");
        base.body_class = "kiosk";
        Kiosk { base, kcss: assets::url("kiosk.css"), kjs: assets::url("kiosk.js"), idle }
    }

    /// "signs out after N seconds without a touch".
    pub fn idle_note(&self) -> String {
        self.base.lang.f("kiosk.idle_note", &[("seconds", &self.idle.to_string())])
    }
}

/// The keypad of a field: which keys, and the field's name and length.
pub struct Pad {
    pub entry: String,
    pub max: usize,
    /// The X key (an ID number's check digit).
    pub x: bool,
    pub label_key: &'static str,
}

#[derive(Template)]
#[template(path = "kiosk/start.html")]
struct StartPage {
    k: Kiosk,
}

#[derive(Template)]
#[template(path = "kiosk/estimate.html")]
struct EstimatePage {
    k: Kiosk,
    pad: Pad,
    problems: Vec<String>,
    month: String,
    /// (title, you pay, pension)
    columns: Vec<(String, String, String)>,
    pension_hint: String,
    explanations: Vec<(String, Vec<String>)>,
}

#[derive(Template)]
#[template(path = "kiosk/sign_in.html")]
struct SignInPage {
    k: Kiosk,
    pad: Pad,
    form_token: String,
    problem: String,
}

#[derive(Template)]
#[template(path = "kiosk/code.html")]
struct CodePage {
    k: Kiosk,
    pad: Pad,
    form_token: String,
    sent: String,
    problem: String,
    /// The code cannot be tried any more: only the way back.
    dead: bool,
}

#[derive(Template)]
#[template(path = "kiosk/me.html")]
struct MePage {
    k: Kiosk,
    /// HTML: the greeting with the (escaped) masked name marked `translate="no"`.
    hello: String,
    bill_title: String,
    /// (label key, amount, warn)
    bill: Vec<(&'static str, String, bool)>,
    standing: &'static str,
    problem: &'static str,
    transfers: Vec<String>,
    complaints: Vec<String>,
}

#[derive(Deserialize)]
pub struct PadForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    entry: String,
    /// A keypad key: a digit, `X`, `del` or `clear`. Present: an edit, nothing is sent or tried.
    #[serde(default)]
    key: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// The field after a key: digits (and X) only, at most `max`.
pub fn press(entry: &str, key: Option<&str>, max: usize, x: bool) -> String {
    let mut e: String = entry.chars().filter(|c| c.is_ascii_digit() || (x && matches!(c, 'X' | 'x'))).take(max).collect();
    e = e.to_ascii_uppercase();
    match key.map(str::trim) {
        Some("del") => {
            e.pop();
        }
        Some("clear") => e.clear(),
        Some(k) if k.len() == 1 && e.len() < max => {
            let c = k.chars().next().unwrap_or(' ');
            if c.is_ascii_digit() || (x && matches!(c, 'X' | 'x')) {
                e.push(c.to_ascii_uppercase());
            }
        }
        _ => {}
    }
    e
}

/// A name shown on a shared screen: the first character, the rest as stars ("张**").
pub fn mask_name(name: &str) -> String {
    let mut c = name.trim().chars();
    match c.next() {
        Some(first) => std::iter::once(first).chain(c.filter(|c| !c.is_whitespace()).map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// Text made safe to put into HTML.
fn escape(t: &str) -> String {
    t.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn store_failed(e: &StoreError) {
    tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "kiosk: the data store failed");
}

fn rules(s: &AppState) -> Option<KioskRules> {
    s.params().kiosk_rules(s.today()).map_err(|e| tracing::error!(error = %e, "kiosk: no parameters for today")).ok()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A refusal on the terminal: the start screen's look with what happened.
fn trouble(lang: Option<&str>, status: StatusCode, problem: &str) -> Response {
    let k = Kiosk::new(lang, "kiosk.title", "/kiosk/sign-in", "", 0);
    let page = SignInPage {
        problem: k.base.lang.t(problem).to_string(),
        k,
        pad: Pad { entry: String::new(), max: ID_LEN, x: true, label_key: "kiosk.signin_ask_id" },
        form_token: String::new(),
    };
    render(status, page.render())
}

// ---- public screens ----

pub async fn start(q: Query<LangQuery>) -> Response {
    let page = StartPage { k: Kiosk::new(q.lang.as_deref(), "kiosk.title", "/kiosk", "", 0) };
    match page.render() {
        Ok(b) => html(StatusCode::OK, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

/// Monthly income on the keypad (a GET form: an income is no personal data and nothing is
/// written), then the two rule sets side by side with their explanations.
pub async fn estimate(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    let field =
        |name: &str| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.chars().take(32).collect::<String>());
    let lang = field("lang");
    let key = field("key");
    let go = field("go").is_some();
    // `entry` from the keypad's form; `income` from a link.
    let typed = field("entry").or_else(|| field("income")).unwrap_or_default();
    let entry = press(&typed, key.as_deref(), INCOME_LEN, false);
    let mut k = Kiosk::new(lang.as_deref(), "kiosk.estimate_title", &format!("/kiosk/estimate?income={entry}"), "", 0);
    k.idle = rules(&s).map_or(120, |r| r.idle_seconds);
    let l = k.base.lang;
    let mut page = EstimatePage {
        pad: Pad { entry: entry.clone(), max: INCOME_LEN, x: false, label_key: "kiosk.estimate_ask" },
        problems: Vec::new(),
        month: l.f("kiosk.est_month", &[("month", &s.this_month().to_string())]),
        columns: Vec::new(),
        pension_hint: String::new(),
        explanations: Vec::new(),
        k,
    };
    if go && !entry.is_empty() {
        let form = super::form::Form::parse(&format!("income={entry}"), s.this_month(), s.region());
        match super::results::compute(s.params(), &form, l) {
            Ok(r) => {
                page.columns = r.columns.iter().map(|c| (c.title.clone(), c.net.clone(), c.pension.clone())).collect();
                page.pension_hint = r.pension_hint.clone();
                page.explanations = r.explanations;
            }
            Err(problems) => page.problems = problems.into_iter().map(|p| p.message).collect(),
        }
    }
    match page.render() {
        Ok(b) => html(StatusCode::OK, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

mod me;
mod sign_in;

pub use me::{finish, me, voucher};
pub use sign_in::{code, sign_in, verify};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_edit_the_field() {
        assert_eq!(press("12", Some("3"), 6, false), "123");
        assert_eq!(press("123456", Some("7"), 6, false), "123456", "full");
        assert_eq!(press("12", Some("del"), 6, false), "1");
        assert_eq!(press("", Some("del"), 6, false), "");
        assert_eq!(press("12", Some("clear"), 6, false), "");
        assert_eq!(press("12", Some("X"), 6, false), "12", "no X on a code");
        assert_eq!(press("1234", Some("x"), 18, true), "1234X");
        assert_eq!(press("1a2<b>3", None, 6, false), "123", "only digits are kept");
        assert_eq!(press("12", Some("77"), 6, false), "12", "one key at a time");
    }

    #[test]
    fn names_are_masked_on_a_shared_screen() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("Li Wei"), "L****");
        assert_eq!(mask_name(""), "");
        assert_eq!(escape("<a href='x'>&\""), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
    }
}
