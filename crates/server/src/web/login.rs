//! Logging in and out. The login form is CSRF-safe before any session exists by a signed
//! double submit: a token minted and signed by the server (a nonce and its issue time under an
//! HMAC with the store's login secret) goes into a short-lived cookie and into the form, and
//! both must come back equal, signed and fresh; a pair the client makes up is refused before
//! anything else. Every later form carries the session's own token.
//!
//! Attempts are throttled before any password is checked (see [`crate::throttle`]); passwords
//! are checked on the bounded [`crate::people::PasswordPool`]. Known and unknown logins get the
//! same answers at every step.

use super::people::{Base, render};
use super::reply::{lang_suffix, secure, see_other, set_cookie};
use crate::AppState;
use crate::guard::{ClientAddr, SESSION_COOKIE, Viewer, cookie};
use crate::throttle::{self, DEVICE_COOKIE_TTL, FORM_TOKEN_TTL, Gate, LoginKeys};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use flexpension_store::people::Role;
use flexpension_store::{Store, StoreError};
use serde::Deserialize;
use std::sync::atomic::Ordering;

const LOGIN_COOKIE: &str = "fp_login";
/// The device cookie: given on a good login, it lets this browser past the login's lock.
pub const DEVICE_COOKIE: &str = "fp_device";
/// A session lasts a working day.
pub const SESSION_TTL: TimeDelta = TimeDelta::hours(12);
/// What a client is told to wait when every password-checking place is taken (503).
pub const BUSY_RETRY_AFTER_SECONDS: i64 = 1;

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

/// Equal without an early exit, so timing tells nothing about the token.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where each role lands after logging in.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Worker => "/me",
        Role::Platform => "/platform",
        Role::Officer => "/officer",
        Role::GridWorker => "/grid",
        Role::Inspector => "/inspection/complaints",
        Role::LegalAid => "/legal-aid/complaints",
    }
}

/// The form with a fresh signed token (none without the store's keys: it cannot be sent then).
fn form(
    keys: Option<&LoginKeys>,
    lang: Option<&str>,
    headers: &HeaderMap,
    status: StatusCode,
    login: &str,
    problem: &'static str,
) -> Response {
    let token = keys.and_then(|k| k.form_token(Utc::now()));
    let base = Base::new(lang, "people.login_title", "/login", "", "");
    let page = LoginPage { base, login_csrf: token.clone().unwrap_or_default(), login: login.chars().take(64).collect(), problem };
    let mut res = render(status, page.render());
    if let Some(token) = token {
        let max_age = FORM_TOKEN_TTL.num_seconds();
        set_cookie(&mut res, format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", secure(headers)));
    }
    res
}

fn with_retry_after(mut res: Response, seconds: i64) -> Response {
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    res
}

pub async fn page(
    State(s): State<AppState>,
    q: Query<LangQuery>,
    headers: HeaderMap,
    viewer: Result<Viewer, crate::guard::Denied>,
) -> Response {
    if let Ok(v) = viewer {
        return see_other(format!("{}{}", home_of(v.session.person.role()), lang_suffix(q.lang.as_deref().unwrap_or(""))));
    }
    let keys = match s.store() {
        Some(_) => s.login_keys().await.map_err(|e| store_failed(&e)).ok(),
        None => None,
    };
    form(keys, q.lang.as_deref(), &headers, StatusCode::OK, "", "")
}

fn store_failed(e: &StoreError) {
    tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "login: the data store failed");
}

/// Sweep expired login counters now and then, off the request.
fn sweep(s: &AppState, store: &Store, now: DateTime<Utc>) {
    let last = s.throttle_swept_at.load(Ordering::Relaxed);
    let t = now.timestamp();
    if t - last < throttle::SWEEP_EVERY.num_seconds()
        || s.throttle_swept_at.compare_exchange(last, t, Ordering::Relaxed, Ordering::Relaxed).is_err()
    {
        return;
    }
    let store = store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.throttle_sweep(now).await {
            store_failed(&e);
        }
    });
}

pub async fn submit(State(s): State<AppState>, ClientAddr(addr): ClientAddr, headers: HeaderMap, Form(mut f): Form<LoginForm>) -> Response {
    let lang = Some(f.lang.clone());
    let lang = lang.as_deref();
    let Some(store) = s.store() else {
        return crate::guard::Denied::NoStore.into_response();
    };
    let keys = match s.login_keys().await {
        Ok(k) => k,
        Err(e) => {
            store_failed(&e);
            return form(None, lang, &headers, StatusCode::SERVICE_UNAVAILABLE, &f.login, "people.err_try_later");
        }
    };
    let reply = |status: StatusCode, problem: &'static str| form(Some(keys), lang, &headers, status, &f.login, problem);
    let now = s.now();
    // An invented or stale token: refused before any counter or hash.
    if !keys.form_token_ok(cookie(&headers, LOGIN_COOKIE).unwrap_or(""), f.csrf.trim(), now) {
        return reply(StatusCode::FORBIDDEN, "people.err_form_expired");
    }
    sweep(&s, store, now);
    let device = cookie(&headers, DEVICE_COOKIE).and_then(|c| keys.device_of(c, &f.login));
    let held = match throttle::claim(store, keys, &throttle::source_text(addr), &f.login, device, now).await {
        Ok(Gate::Open(h)) => h,
        Ok(Gate::Refused { retry_after }) => {
            tracing::info!("login refused: too many attempts");
            return with_retry_after(reply(StatusCode::TOO_MANY_REQUESTS, "people.err_locked"), retry_after);
        }
        Err(e) => {
            store_failed(&e);
            return reply(StatusCode::SERVICE_UNAVAILABLE, "people.err_try_later");
        }
    };
    let record = match store.login_record(&f.login).await {
        Ok(r) => r,
        Err(e) => {
            store_failed(&e);
            let _ = throttle::give_back(store, &held).await;
            return reply(StatusCode::SERVICE_UNAVAILABLE, "people.err_try_later");
        }
    };
    // An unknown login is checked against a hash nothing matches: the same time and answer.
    let phc = record.as_ref().map(|r| r.password_phc.clone());
    let ok = match s.passwords().verify(std::mem::take(&mut f.password), phc).await {
        Ok(ok) => ok,
        Err(crate::people::Busy) => {
            tracing::warn!("login: every password check is taken; answered 503");
            let _ = throttle::give_back(store, &held).await;
            return with_retry_after(reply(StatusCode::SERVICE_UNAVAILABLE, "people.err_busy"), BUSY_RETRY_AFTER_SECONDS);
        }
    };
    if let Err(e) = throttle::checked(store, &held, ok).await {
        store_failed(&e);
    }
    let Some(record) = record.filter(|_| ok) else {
        tracing::info!("login refused");
        return reply(StatusCode::UNAUTHORIZED, "people.err_login");
    };
    let Ok(session) = store.open_session(record.person.id, now, SESSION_TTL).await else {
        return reply(StatusCode::SERVICE_UNAVAILABLE, "people.err_try_later");
    };
    let mut res = see_other(format!("{}{}", home_of(record.person.role()), lang_suffix(&f.lang)));
    let max_age = SESSION_TTL.num_seconds();
    set_cookie(
        &mut res,
        format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", session.token, secure(&headers)),
    );
    set_cookie(&mut res, format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(&headers)));
    // This browser is now known to this login (a fresh cookie unless it already was).
    if device.is_none()
        && let Some(d) = keys.device_cookie(&f.login)
    {
        let max_age = DEVICE_COOKIE_TTL.num_seconds();
        set_cookie(&mut res, format!("{DEVICE_COOKIE}={d}; Path=/login; HttpOnly; SameSite=Lax; Max-Age={max_age}{}", secure(&headers)));
    }
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
