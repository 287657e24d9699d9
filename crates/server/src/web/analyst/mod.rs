//! The analysts' page at `/analyst`: the policy microsimulation (`flexpension_sim`) behind a
//! plain GET form, so a run works without JavaScript and its address reproduces it. The page
//! shows the equivalent command line; `format=json` answers the JSON of
//! `flexpension simulate --json`.
//!
//! | module | what |
//! |---|---|
//! | [`form`] | the form: parsing, the parameter file's defaults, checking into a `SimRequest` |
//! | [`build`] | running the simulation (one at a time) and turning its report into a [`view::View`] |
//! | [`view`] | what the template (`analyst.html`) shows, and how figures are written |
//! | this file | the handler: form, check, run, page (or JSON) |

pub mod build;
pub mod form;
pub mod view;

use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use build::Failure;
use flexpension_text::Lang;
use form::{Form, Problem};
use view::{Page, View};

/// The sample size the form starts with.
pub const DEFAULT_WORKERS: usize = 20_000;
/// The largest sample one request may ask for.
pub const MAX_WORKERS: usize = 200_000;
/// The largest sample with a projection to retirement (which follows every worker for years).
pub const MAX_WORKERS_PROJECTED: usize = 20_000;
/// The most years a projection may look ahead (the simulation's own limit).
pub const MAX_YEARS: u32 = 60;
const MAX_SET_LINES: usize = 20;
/// The policy the bracket and subsidy fields change.
const PAPER: &str = "paper";
/// The law: listed first.
const LAW: &str = flexpension_rules::variant::LAW;

/// `GET /analyst`.
pub async fn page(State(s): State<AppState>, RawQuery(q): RawQuery) -> Response {
    let mut form = Form::parse(q.as_deref().unwrap_or(""));
    let lang = Lang::parse(form.lang.as_deref());
    form.fill_defaults(s.params(), s.this_month());
    if !form.submitted {
        return render(&s, &form, lang, &[], &[], None, StatusCode::OK);
    }
    let checked = match form::check(s.params(), s.region(), &form, lang) {
        Ok(c) => c,
        Err(problems) => return refuse(&s, &form, lang, &problems, StatusCode::UNPROCESSABLE_ENTITY),
    };
    match build::run(&s, &checked.request, lang).await {
        Err(Failure::Busy) => {
            let mut res = (StatusCode::SERVICE_UNAVAILABLE, lang.t("analyst.busy")).into_response();
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            res
        }
        Ok(report) if form.json => match serde_json::to_string_pretty(&report) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body + "\n").into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, lang.t("analyst.e_failed")).into_response(),
        },
        Ok(report) => {
            let v = build::view(&report, &checked.request, lang, &build::Names::of(&s, &report.region, lang));
            render(&s, &form, lang, &[], &checked.notes, Some(v), StatusCode::OK)
        }
        Err(Failure::Input(p)) => refuse(&s, &form, lang, &[p], StatusCode::UNPROCESSABLE_ENTITY),
        Err(Failure::Failed(p)) => refuse(&s, &form, lang, &[p], StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// The form again with the problems (or, for `format=json`, them as JSON).
fn refuse(s: &AppState, form: &Form, lang: Lang, problems: &[Problem], status: StatusCode) -> Response {
    if form.json {
        let first = problems.first();
        let body = serde_json::json!({
            "error": if status.is_server_error() { "internal" } else { "invalid" },
            "field": first.map(|p| p.field).unwrap_or(""),
            "message": first.map(|p| format!("{}: {}", p.label, p.message)).unwrap_or_default(),
            "problems": problems.iter().map(|p| serde_json::json!({"field": p.field, "message": p.message, "detail": p.detail})).collect::<Vec<_>>(),
        });
        return (status, axum::Json(body)).into_response();
    }
    render(s, form, lang, problems, &[], None, status)
}

fn render(
    s: &AppState,
    form: &Form,
    lang: Lang,
    problems: &[Problem],
    notes: &[String],
    results: Option<View>,
    status: StatusCode,
) -> Response {
    match Page::new(s, form, lang, problems, notes, results).render() {
        Ok(b) => super::html(status, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexpension_rules::Params;
    use std::sync::Arc;

    #[tokio::test]
    async fn busy_while_another_run_holds_the_permit() {
        let state = AppState::new(Arc::new(Params::embedded().unwrap()));
        let held = build::RUNS.clone().try_acquire_owned().unwrap();
        let res = page(State(state.clone()), RawQuery(Some("workers=10&lang=en".into()))).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        drop(held);
        let res = page(State(state), RawQuery(Some("workers=10&lang=en".into()))).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}
