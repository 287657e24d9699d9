//! Logging in and out. The login form is CSRF-safe before any session exists by a double
//! submit: a random token in a short-lived cookie and the same in the form. Every later form
//! carries the session's own token. Five wrong passwords lock an account for 15 minutes.

use super::people::{Base, render};
use crate::AppState;
use crate::guard::{SESSION_COOKIE, Viewer, cookie};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use flexpension_store::people::Role;
use serde::Deserialize;

const LOGIN_COOKIE: &str = "fp_login";
/// Failures before a lock, and how long it lasts.
pub const LOCK_AFTER: i64 = 5;
pub const LOCK_FOR: TimeDelta = TimeDelta::minutes(15);
/// A session lasts a working day.
pub const SESSION_TTL: TimeDelta = TimeDelta::hours(12);

#[derive(Template)]
#[template(path = "people/login.html")]
struct LoginPage {
    base: Base,
    login_csrf: String,
    login: String,
    problem: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    pub lang: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// 64 hex digits from the OS CSPRNG.
fn random_token() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Equal without an early exit, so timing tells nothing about the token.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Secure cookies when the request came over HTTPS (directly or through a proxy that says so).
fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

fn set_cookie(res: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Where each role lands after logging in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Worker => "/me",
        Role::Platform => "/platform",
        Role::Officer => "/officer",
    }
}

fn lang_suffix(lang: &str) -> &'static str {
    if lang.trim().eq_ignore_ascii_case("en") { "?lang=en" } else { "" }
}

fn see_other(to: String) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The form with a fresh double-submit token.
fn form(lang: Option<&str>, headers: &HeaderMap, status: StatusCode, login: &str, problem: &'static str) -> Response {
    let Some(token) = random_token() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no randomness for a login token").into_response();
    };
    let base = Base::new(lang, "people.login_title", "/login", "", "");
    let page = LoginPage { base, login_csrf: token.clone(), login: login.chars().take(64).collect(), problem };
    let mut res = render(status, page.render());
    set_cookie(&mut res, format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Lax; Max-Age=1800{}", secure(headers)));
    res
}

pub async fn page(q: Query<LangQuery>, headers: HeaderMap, viewer: Result<Viewer, crate::guard::Denied>) -> Response {
    if let Ok(v) = viewer {
        return see_other(format!("{}{}", home_of(v.session.person.role()), lang_suffix(q.lang.as_deref().unwrap_or(""))));
    }
    form(q.lang.as_deref(), &headers, StatusCode::OK, "", "")
}

pub async fn submit(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let Some(store) = s.store() else {
        return crate::guard::Denied::NoStore.into_response();
    };
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !same(expected, f.csrf.trim()) {
        return form(lang, &headers, StatusCode::FORBIDDEN, &f.login, "people.err_form_expired");
    }
    let now = s.now();
    let record = match store.login_record(&f.login).await {
        Ok(r) => r,
        Err(_) => return form(lang, &headers, StatusCode::SERVICE_UNAVAILABLE, &f.login, "people.err_try_later"),
    };
    if record.as_ref().and_then(|r| r.locked_until).is_some_and(|t| t > now) {
        return form(lang, &headers, StatusCode::TOO_MANY_REQUESTS, &f.login, "people.err_locked");
    }
    // argon2 takes tens of milliseconds of CPU: keep it off the request threads. Unknown logins
    // are checked against a dummy hash so both failures cost the same time.
    let phc = record.as_ref().map(|r| r.password_phc.clone()).unwrap_or_else(|| crate::people::DUMMY_HASH.clone());
    let password = std::mem::take(&mut { f.password });
    let ok = tokio::task::spawn_blocking(move || crate::people::verify_password(&password, &phc)).await.unwrap_or(false);
    let Some(record) = record.filter(|_| ok) else {
        if let Some(r) = store.login_record(&f.login).await.ok().flatten() {
            let _ = store.login_failed(r.person.id, now, LOCK_AFTER, LOCK_FOR).await;
        }
        tracing::info!("login refused");
        return form(lang, &headers, StatusCode::UNAUTHORIZED, &f.login, "people.err_login");
    };
    let session = match store.login_succeeded(record.person.id).await {
        Ok(()) => store.open_session(record.person.id, now, SESSION_TTL).await,
        Err(e) => Err(e),
    };
    let Ok(session) = session else {
        return form(lang, &headers, StatusCode::SERVICE_UNAVAILABLE, &f.login, "people.err_try_later");
    };
    let mut res = see_other(format!("{}{}", home_of(record.person.role()), lang_suffix(&f.lang)));
    let max_age = SESSION_TTL.num_seconds();
    set_cookie(
        &mut res,
        format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", session.token, secure(&headers)),
    );
    set_cookie(&mut res, format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(&headers)));
    res
}

pub async fn logout(State(s): State<AppState>, headers: HeaderMap, v: Viewer, Form(f): Form<LogoutForm>) -> Response {
    if !same(&v.session.csrf, f.csrf.trim()) {
        return super::people::denied_with(StatusCode::FORBIDDEN, Some(&f.lang), "people.err_form_expired");
    }
    if let Some(store) = s.store()
        && store.close_session(&v.token).await.is_err()
    {
        return super::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, Some(&f.lang), "people.err_try_later");
    }
    let mut res = see_other(format!("/login{}", lang_suffix(&f.lang)));
    set_cookie(&mut res, format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(&headers)));
    res
}
