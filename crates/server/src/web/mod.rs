//! The web pages, one module per screen; their words come from the text catalogue
//! (`flexpension-text`), their HTML from askama templates in `templates/`.
//!
//! | module | screen |
//! |---|---|
//! | this file, `form`, `results`, `charts` | the worker's calculator (`/`, `page.html`, `results.html`) and the 404 page |
//! | `analyst/` | the analysts' simulation page (`/analyst`): `form`, `build`, `view`, the handler in `mod.rs` |
//! | `login`, `people` | logging in and out; a worker's page (`/me`) |
//! | `rights` | a worker's complaints (一键维权): `/me/complaints` (list and form, multipart uploads) and `/me/complaints/{id}` |
//! | `choice` | the worker's own choices (`/me/choices`): join or leave each insurance, the base and its estimate, unpaid months, the savings account |
//! | `inbox` | a worker's notices and the awareness quiz on `/me` (`POST /me/notices/{id}/read`, `POST /me/quiz`); their figures on `/officer/outreach` |
//! | `transfer` | the worker's button that asks to move their insurance here: what would move (`POST /me/transfer/preview`), then apply (`POST /me/transfer`) |
//! | `console/` | the officer's dashboard, worker list and worker page, alerts and access log, the complaints queue; the platform's portal |
//! | `kiosk` | the self-service terminal (智能自助终端, `/kiosk`): estimate, sign-in by ID number and a texted code, voucher printing, transfer and complaints |
//! | `grid` | the grid worker's phone page (`/grid`): alerts, reveal, outcomes |
//! | `lang` | the page language: `?lang=`, its cookie, Accept-Language |
//! | `verify` | the page a voucher's QR code opens (`/verify/voucher/{id}`) |
//!
//! The calculator page is a plain GET form that works without JavaScript; htmx swaps in the
//! results fragment while the worker types.

pub(crate) mod analyst;
mod charts;
pub(crate) mod choice;
pub(crate) mod console;
pub(crate) mod credit;
pub(crate) mod form;
pub(crate) mod grid;
pub(crate) mod inbox;
pub(crate) mod kiosk;
pub(crate) mod lang;
pub(crate) mod login;
pub(crate) mod people;
pub(crate) mod reply;
mod results;
pub(crate) mod rights;
pub(crate) mod transfer;
pub(crate) mod union;
pub(crate) mod verify;

use crate::{AppState, assets};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use flexpension_text::Lang;
use form::Form;
use results::{Problem, Results};

pub(crate) use people::denied_page;

#[derive(Template)]
#[template(path = "page.html")]
struct Page<'a> {
    lang: Lang,
    form: &'a Form,
    switch_query: String,
    css: String,
    js: String,
    icon: String,
    regions: Vec<(String, String)>,
    grades: Vec<String>,
    open_options: bool,
    results_html: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct Fragment<'a> {
    lang: Lang,
    results: Option<&'a Results>,
    problems: &'a [Problem],
    /// With htmx: also refresh the language link so it keeps the inputs.
    oob_switch: Option<String>,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    lang: Lang,
    css: String,
    icon: String,
}

pub async fn page(State(s): State<AppState>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let form = Form::parse(q.as_deref().unwrap_or(""), s.this_month(), s.region());
    let lang = Lang::parse(form.lang.as_deref());
    let (results, problems) = match form.submitted().then(|| results::compute(s.params(), &form, lang)) {
        Some(Ok(r)) => (Some(r), Vec::new()),
        Some(Err(p)) => (None, p),
        None => (None, Vec::new()),
    };
    let switch_query = form.query_with_lang(lang.other().code());
    let htmx = headers.get("hx-request").is_some_and(|v| v == "true");
    let fragment =
        Fragment { lang, results: results.as_ref(), problems: &problems, oob_switch: htmx.then(|| switch_query.clone()) }.render();
    let body = match fragment {
        Ok(f) if htmx => Ok(f),
        Ok(f) => Page {
            lang,
            form: &form,
            switch_query,
            css: assets::url("app.css"),
            js: assets::url("htmx.min.js"),
            icon: assets::url("icon.svg"),
            regions: s
                .params()
                .regions
                .values()
                .map(|r| (r.code.clone(), if lang.is_en() { r.name_en.clone() } else { r.name_zh.clone() }))
                .collect(),
            grades: results::grades(s.params(), &form),
            open_options: form.has_options(),
            results_html: f,
        }
        .render(),
        Err(e) => Err(e),
    };
    match body {
        Ok(b) => html(StatusCode::OK, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

/// Any path that is neither the page, the API nor a static file.
pub async fn not_found(RawQuery(q): RawQuery) -> Response {
    let lang = lang_of(q.as_deref());
    match (NotFound { lang, css: assets::url("app.css"), icon: assets::url("icon.svg") }).render() {
        Ok(b) => html(StatusCode::NOT_FOUND, b),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The language a query string asks for with `lang=`.
fn lang_of(query: Option<&str>) -> Lang {
    let code = form_urlencoded::parse(query.unwrap_or("").as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned());
    Lang::parse(code.as_deref())
}

fn html(status: StatusCode, body: String) -> Response {
    let mut res = (status, Html(body)).into_response();
    let h = res.headers_mut();
    // The same URL answers a whole page or, for htmx, a fragment: caches must keep them apart.
    h.insert(header::VARY, HeaderValue::from_static("HX-Request"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}
