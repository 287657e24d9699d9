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

fn lang_suffix(lang: &str) -> &'static str {
    if lang.trim().eq_ignore_ascii_case("en") { "?lang=en" } else { "" }
}

fn see_other(to: String) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

fn set_cookie(res: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
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

// ---- signing in ----

async fn keys(s: &AppState) -> Option<&LoginKeys> {
    s.store()?;
    s.login_keys().await.map_err(|e| store_failed(&e)).ok()
}

/// The ID number's page with a fresh form token in its cookie.
fn id_page(
    s: &AppState,
    keys: &LoginKeys,
    lang: Option<&str>,
    headers: &HeaderMap,
    status: StatusCode,
    entry: &str,
    problem: &str,
) -> Response {
    let idle = rules(s).map_or(120, |r| r.idle_seconds);
    let token = keys.form_token(s.now()).unwrap_or_default();
    let k = Kiosk::new(lang, "kiosk.signin_title", "/kiosk/sign-in", "", idle);
    let problem = if problem.is_empty() { String::new() } else { k.base.lang.t(problem).to_string() };
    let page = SignInPage {
        k,
        pad: Pad { entry: entry.to_string(), max: ID_LEN, x: true, label_key: "kiosk.signin_ask_id" },
        form_token: token.clone(),
        problem,
    };
    let mut res = render(status, page.render());
    set_cookie(&mut res, format!("{FORM_COOKIE}={token}; Path=/kiosk; HttpOnly; SameSite=Strict{}", secure(headers)));
    res
}

/// The code's page (after a code was asked for).
#[allow(clippy::too_many_arguments)]
fn code_page(
    s: &AppState,
    keys: &LoginKeys,
    lang: Option<&str>,
    headers: &HeaderMap,
    status: StatusCode,
    entry: &str,
    problem: String,
    dead: bool,
) -> Response {
    let r = rules(s);
    let idle = r.as_ref().map_or(120, |r| r.idle_seconds);
    let minutes = r.as_ref().map_or(5, |r| r.code_ttl_seconds.div_ceil(60));
    let token = keys.form_token(s.now()).unwrap_or_default();
    let k = Kiosk::new(lang, "kiosk.signin_title", "/kiosk/sign-in", "", idle);
    let sent = k.base.lang.f("kiosk.sent_body", &[("minutes", &minutes.to_string())]);
    let page = CodePage {
        k,
        pad: Pad { entry: entry.to_string(), max: CODE_LEN, x: false, label_key: "kiosk.code_ask" },
        form_token: token.clone(),
        sent,
        problem,
        dead,
    };
    let mut res = render(status, page.render());
    set_cookie(&mut res, format!("{FORM_COOKIE}={token}; Path=/kiosk; HttpOnly; SameSite=Strict{}", secure(headers)));
    res
}

pub async fn sign_in(State(s): State<AppState>, headers: HeaderMap, q: Query<LangQuery>) -> Response {
    let Some(keys) = keys(&s).await else { return trouble(q.lang.as_deref(), StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    id_page(&s, keys, q.lang.as_deref(), &headers, StatusCode::OK, "", "")
}

/// A 6-digit code from the OS CSPRNG, without modulo bias.
fn new_code() -> Option<String> {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).ok()?;
        let v = u32::from_be_bytes(b);
        // The largest multiple of a million under 2^32: above it, draw again.
        if v < 4_294_000_000 {
            return Some(format!("{:06}", v % 1_000_000));
        }
    }
}

fn new_ticket() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(hex(&b))
}

fn code_hash(keys: &LoginKeys, ticket: &str, code: &str) -> [u8; 32] {
    keys.counter("kiosk-code", format!("{ticket}.{code}").as_bytes())
}

fn ticket_hash(keys: &LoginKeys, ticket: &str) -> [u8; 32] {
    keys.counter("kiosk-ticket", ticket.as_bytes())
}

/// Count a send under both limits; the minutes to wait when one is full.
async fn send_allowed(
    store: &Store,
    keys: &LoginKeys,
    r: &KioskRules,
    addr: &str,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, StoreError> {
    let wait = |c: &flexpension_store::people::Claim| ((c.window_end - now).num_seconds().max(1) + 59) / 60;
    let source = keys.counter("kiosk-send-source", addr.as_bytes());
    let c = store.throttle_claim(&source, now, SEND_WINDOW).await?;
    if c.attempts > i64::from(r.code_sends_per_client_hour) {
        return Ok(Some(wait(&c)));
    }
    let c = store.throttle_claim(&keys.counter("kiosk-send-id", id.as_bytes()), now, SEND_WINDOW).await?;
    if c.attempts > i64::from(r.code_sends_per_hour) {
        // Nothing is sent: the terminal keeps its place.
        store.throttle_release(&source).await?;
        return Ok(Some(wait(&c)));
    }
    Ok(None)
}

/// A key on the ID number's keypad, or "send me a code".
pub async fn code(State(s): State<AppState>, ClientAddr(addr): ClientAddr, headers: HeaderMap, Form(f): Form<PadForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    let Some(keys) = keys(&s).await else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    let entry = press(&f.entry, f.key.as_deref(), ID_LEN, true);
    if f.key.is_some() {
        return id_page(&s, keys, lang, &headers, StatusCode::OK, &entry, "");
    }
    let now = s.now();
    if !keys.form_token_ok(cookie(&headers, FORM_COOKIE).unwrap_or(""), f.csrf.trim(), now) {
        return id_page(&s, keys, lang, &headers, StatusCode::FORBIDDEN, "", "kiosk.err_form_expired");
    }
    // A wrong check digit is the typist's slip: said at once, nothing counted.
    if flexpension_rules::checkdigit::resident_id(&entry).is_err() {
        return id_page(&s, keys, lang, &headers, StatusCode::UNPROCESSABLE_ENTITY, &entry, "kiosk.err_id");
    }
    let Some(r) = rules(&s) else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    match send_allowed(store, keys, &r, &throttle::source_text(addr), &entry, now).await {
        Ok(None) => {}
        Ok(Some(minutes)) => {
            tracing::info!("kiosk: a code refused, too many asked for");
            let l = Lang::parse(lang);
            let k = Kiosk::new(lang, "kiosk.signin_title", "/kiosk/sign-in", "", r.idle_seconds);
            let page = SignInPage {
                k,
                pad: Pad { entry: String::new(), max: ID_LEN, x: true, label_key: "kiosk.signin_ask_id" },
                form_token: String::new(),
                problem: l.f("kiosk.err_too_many_sends", &[("minutes", &minutes.to_string())]),
            };
            let mut res = render(StatusCode::TOO_MANY_REQUESTS, page.render());
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(minutes * 60));
            return res;
        }
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    }
    // Known or not, the same steps: a ticket and a code are made and kept; only a registered
    // worker with an account gets the text.
    let worker = match store.find_worker(&entry).await {
        Ok(Some(w)) => match store.kiosk_person(w.id).await {
            Ok(Some(_)) => Some(w.id),
            Ok(None) => None,
            Err(e) => {
                store_failed(&e);
                return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
            }
        },
        Ok(None) => None,
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    };
    let (Some(ticket), Some(code)) = (new_ticket(), new_code()) else {
        tracing::error!("kiosk: no OS randomness");
        return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    };
    let minutes = r.code_ttl_seconds.div_ceil(60).to_string();
    let text = Lang::parse(lang).f("kiosk.sms_text", &[("code", &code), ("minutes", &minutes)]);
    let ttl = TimeDelta::seconds(i64::from(r.code_ttl_seconds));
    if let Err(e) = store.kiosk_code_issue(&ticket_hash(keys, &ticket), worker, &code_hash(keys, &ticket, &code), ttl, &text).await {
        store_failed(&e);
        return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    }
    if let Err(e) = crate::sms::deliver(&s, store).await {
        tracing::error!(error = %e, "kiosk: a text could not be handed over");
    }
    tracing::info!("kiosk: a code asked for");
    let mut res = code_page(&s, keys, lang, &headers, StatusCode::OK, "", String::new(), false);
    set_cookie(
        &mut res,
        format!("{TICKET_COOKIE}={ticket}; Path=/kiosk; HttpOnly; SameSite=Strict; Max-Age={}{}", r.code_ttl_seconds, secure(&headers)),
    );
    res
}

/// A key on the code's keypad, or a try at the code.
pub async fn verify(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<PadForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let l = Lang::parse(lang);
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    let Some(keys) = keys(&s).await else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    let entry = press(&f.entry, f.key.as_deref(), CODE_LEN, false);
    if f.key.is_some() {
        return code_page(&s, keys, lang, &headers, StatusCode::OK, &entry, String::new(), false);
    }
    let now = s.now();
    if !keys.form_token_ok(cookie(&headers, FORM_COOKIE).unwrap_or(""), f.csrf.trim(), now) {
        return id_page(&s, keys, lang, &headers, StatusCode::FORBIDDEN, "", "kiosk.err_form_expired");
    }
    let Some(r) = rules(&s) else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    let ticket = cookie(&headers, TICKET_COOKIE).filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).unwrap_or("");
    let check = if ticket.is_empty() {
        Ok(CodeCheck::Expired)
    } else {
        store.kiosk_code_check(&ticket_hash(keys, ticket), &code_hash(keys, ticket, &entry), r.code_attempts).await
    };
    let worker = match check {
        Ok(CodeCheck::Good(w)) => w,
        Ok(CodeCheck::Wrong { left }) if left > 0 => {
            tracing::info!("kiosk: a wrong code");
            let p = l.f("kiosk.err_code_wrong", &[("left", &left.to_string())]);
            return code_page(&s, keys, lang, &headers, StatusCode::UNAUTHORIZED, "", p, false);
        }
        Ok(CodeCheck::Wrong { .. } | CodeCheck::NoTriesLeft) => {
            tracing::info!("kiosk: a code's tries are spent");
            return code_page(&s, keys, lang, &headers, StatusCode::TOO_MANY_REQUESTS, "", l.t("kiosk.err_code_spent").to_string(), true);
        }
        Ok(CodeCheck::Expired) => {
            return code_page(&s, keys, lang, &headers, StatusCode::GONE, "", l.t("kiosk.err_code_expired").to_string(), true);
        }
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    };
    let person = match store.kiosk_person(worker).await {
        Ok(Some(p)) => p,
        Ok(None) => return code_page(&s, keys, lang, &headers, StatusCode::GONE, "", l.t("kiosk.err_code_expired").to_string(), true),
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    };
    let Ok(session) = store.open_session(person, now, TimeDelta::seconds(i64::from(r.idle_seconds))).await else {
        return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    };
    tracing::info!("kiosk: signed in");
    let mut res = see_other(format!("/kiosk/me{}", lang_suffix(&f.lang)));
    // No Max-Age: the browser forgets it when it closes; the server ends it after the idle time.
    set_cookie(&mut res, format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}", session.token, secure(&headers)));
    set_cookie(&mut res, format!("{TICKET_COOKIE}=; Path=/kiosk; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(&headers)));
    res
}

// ---- signed in ----

fn standing_key(st: &flexpension_ledger::Status) -> &'static str {
    use flexpension_ledger::Status;
    match st {
        Status::Uninsured => "people.standing_uninsured",
        Status::Current => "people.standing_current",
        Status::InArrears { .. } => "people.standing_in_arrears",
        Status::Lapsed { .. } => "people.standing_lapsed",
    }
}

/// The session was used: it lives the idle time longer.
async fn touch(s: &AppState, store: &Store, v: &Viewer, r: &KioskRules) {
    if let Err(e) = store.kiosk_touch(&v.token, s.now(), TimeDelta::seconds(i64::from(r.idle_seconds))).await {
        store_failed(&e);
    }
}

async fn me_page(s: &AppState, v: &Viewer, worker: flexpension_store::WorkerId, lang: Option<&str>, problem: &'static str) -> Response {
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    let Some(r) = rules(s) else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    touch(s, store, v, &r).await;
    let failed = || trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    let Ok(Some(w)) = store.worker(worker).await else { return failed() };
    let Ok(st) = crate::api::people::my_statement(s, store, worker).await else { return failed() };
    let Ok(transfers) = store.worker_transfers(worker).await else { return failed() };
    let Ok(complaints) = store.worker_complaints(worker).await else { return failed() };
    let k = Kiosk::new(lang, "kiosk.title", "/kiosk/me", &v.session.csrf, r.idle_seconds);
    let l = k.base.lang;
    let region_name = |code: &str| {
        s.params().region(code).map_or_else(|_| code.to_string(), |x| if l.is_en() { x.name_en.clone() } else { x.name_zh.clone() })
    };
    let (bill_title, bill) = match st.months.last() {
        Some(m) => (
            l.f("kiosk.me_bill", &[("month", &m.month.to_string())]),
            vec![
                ("kiosk.me_pay", yuan_grouped(m.net_fen), false),
                ("kiosk.me_paid", yuan_grouped(m.paid_fen), false),
                ("kiosk.me_owes", yuan_grouped(st.arrears_fen), st.arrears_fen > 0),
            ],
        ),
        None => (l.t("kiosk.me_no_months").to_string(), Vec::new()),
    };
    let transfers = transfers
        .iter()
        .take(SHOWN)
        .map(|t| {
            let place = region_name(&t.peer);
            let from = if t.direction == "in" {
                l.f("people.transfer_in_from", &[("region", &place)])
            } else {
                l.f("people.transfer_out_to", &[("region", &place)])
            };
            let d = &t.deadlines;
            use flexpension_rules::transfer::TransferState as S;
            let state = match t.state {
                S::Completed => l.f("people.transfer_completion", &[("date", &d.completion_due.to_string())]),
                S::Posted => l.f("people.transfer_handover", &[("date", &d.handover_due.to_string())]),
                S::Refused => l.f("people.transfer_refused", &[("reason", t.reason.as_deref().unwrap_or(""))]),
                _ => l.f("people.transfer_applied", &[("date", &d.application.to_string())]),
            };
            format!("{from}: {state}")
        })
        .collect();
    let complaints = complaints
        .iter()
        .take(SHOWN)
        .map(|c| {
            format!(
                "{} · {} · {}",
                c.platform_name,
                l.t(&format!("rights.kind_{}", c.kind.as_str())),
                l.t(&format!("rights.state_{}", c.state.as_str()))
            )
        })
        .collect();
    let page = MePage {
        // The name is data, not words of the page's language: marked so.
        hello: l.f("kiosk.me_hello", &[("name", &format!("<span translate=\"no\">{}</span>", escape(&mask_name(&w.name))))]),
        bill_title,
        bill,
        standing: standing_key(&st.status),
        problem,
        transfers,
        complaints,
        k,
    };
    let status = if problem.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render(status, page.render())
}

/// Anyone not signed in (or signed out by the idle time) goes back to the start.
fn to_start(lang: Option<&str>) -> Response {
    see_other(format!("/kiosk{}", lang_suffix(lang.unwrap_or(""))))
}

pub async fn me(State(s): State<AppState>, who: Result<AsWorker, Denied>, q: Query<LangQuery>) -> Response {
    match who {
        Ok(AsWorker(v, worker)) => me_page(&s, &v, worker, q.lang.as_deref(), "").await,
        Err(Denied::StoreFailed { .. } | Denied::NoStore) => {
            trouble(q.lang.as_deref(), StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later")
        }
        Err(_) => to_start(q.lang.as_deref()),
    }
}

/// Issue the voucher as `/me` does (a POST with the session's token) and answer its PDF,
/// shown in the browser (the terminal prints it from there).
pub async fn voucher(State(s): State<AppState>, who: Result<AsWorker, Denied>, Form(f): Form<CsrfForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let Ok(AsWorker(v, worker)) = who else { return to_start(lang) };
    if !super::login::same(&v.session.csrf, f.csrf.trim()) {
        return trouble(lang, StatusCode::FORBIDDEN, "kiosk.err_form_expired");
    }
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    if let Some(r) = rules(&s) {
        touch(&s, store, &v, &r).await;
    }
    match crate::voucher::issue(&s, store, worker, None, None, flexpension_voucher::Lang::parse(lang)).await {
        Ok(issued) => {
            tracing::info!("kiosk: a voucher printed");
            let mut res = crate::evidence::pdf_attachment(issued.pdf, &format!("voucher-{}.pdf", issued.id));
            if let Ok(d) = HeaderValue::from_str(&format!("inline; filename=\"voucher-{}.pdf\"", issued.id)) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, d);
            }
            res
        }
        Err(crate::voucher::VoucherIssueError::Input(_)) => me_page(&s, &v, worker, lang, "kiosk.err_no_months").await,
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "kiosk: a voucher could not be issued");
            trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later")
        }
    }
}

/// Sign out (the big "finished" button, or the page itself after the idle time).
pub async fn finish(State(s): State<AppState>, headers: HeaderMap, who: Result<Viewer, Denied>, Form(f): Form<CsrfForm>) -> Response {
    let mut res = to_start(Some(&f.lang));
    if let Ok(v) = who {
        if !super::login::same(&v.session.csrf, f.csrf.trim()) {
            return trouble(Some(&f.lang), StatusCode::FORBIDDEN, "kiosk.err_form_expired");
        }
        if let Some(store) = s.store()
            && let Err(e) = store.close_session(&v.token).await
        {
            store_failed(&e);
            return trouble(Some(&f.lang), StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
        tracing::info!("kiosk: signed out");
    }
    set_cookie(&mut res, format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(&headers)));
    res
}

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

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code().expect("code");
            assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()), "{c}");
        }
        assert_ne!(new_ticket(), new_ticket());
    }
}
