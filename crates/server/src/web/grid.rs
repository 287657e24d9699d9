//! The grid worker's phone page (`/grid`): the open alerts of their grids, those nobody has
//! handled first (gone up to the officer first among them), then by urgency and age; each with
//! the worker's masked phone, a button that reveals the number (a POST, recorded in the access
//! log before the number is read) and a form for what was found (visited, enrolled, refused
//! with the reason, moved away, wrong data).

use crate::AppState;
use crate::guard::{AsGridWorker, Viewer};
use crate::web::people::{Base, denied_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_store::StoreError;
use flexpension_store::people::{GridAlert, Outcome};
use flexpension_text::Lang;
use serde::Deserialize;

/// Cards one answer shows (the most urgent first; the rest come up as these are handled).
pub const CARDS_SHOWN: usize = 100;
/// Alerts with an outcome shown after them, the latest recorded first: the grid worker sees what
/// they just recorded even when more than [`CARDS_SHOWN`] are waiting.
pub const HANDLED_SHOWN: usize = 20;

/// The cards of the page: the waiting ones in their order, then the latest handled.
fn shown(alerts: &[GridAlert]) -> impl Iterator<Item = &GridAlert> {
    let mut handled: Vec<&GridAlert> = alerts.iter().filter(|a| a.outcome.is_some()).collect();
    handled.sort_by_key(|a| std::cmp::Reverse(a.outcome.as_ref().map_or(0, |o| o.2)));
    alerts.iter().filter(|a| a.outcome.is_none()).take(CARDS_SHOWN).chain(handled.into_iter().take(HANDLED_SHOWN))
}

/// One alert as a card.
pub struct Card {
    pub id: i64,
    pub name: String,
    pub phone: String,
    /// The number was revealed on this answer (or the worker gave none).
    pub revealed: bool,
    pub no_number: bool,
    pub grid_name: String,
    pub risk: String,
    pub why: String,
    pub opened_on: String,
    pub due: String,
    pub escalated: bool,
    /// The latest outcome's label key, its reason and day; empty: none yet.
    pub outcome: String,
    pub outcome_reason: String,
    pub outcome_on: String,
}

#[derive(Template)]
#[template(path = "people/grid.html")]
struct GridPage {
    base: Base,
    grids: String,
    intro: String,
    cards: Vec<Card>,
    outcomes: Vec<(&'static str, String)>,
    /// A problem with the form just sent (a catalogue key), or empty.
    problem: &'static str,
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

fn day(at_us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(at_us)
        .map(|t| (t + chrono::TimeDelta::hours(8)).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn card(lang: Lang, a: &GridAlert, revealed: Option<&(i64, Option<String>)>) -> Card {
    let shown = revealed.filter(|r| r.0 == a.id);
    Card {
        id: a.id,
        name: a.name.clone(),
        phone: shown.and_then(|r| r.1.clone()).unwrap_or_else(|| a.phone_masked.clone()),
        revealed: shown.is_some_and(|r| r.1.is_some()),
        no_number: shown.is_some_and(|r| r.1.is_none()),
        grid_name: a.grid_name.clone(),
        risk: format!("grid.risk_{}", a.risk.as_str()),
        why: if lang.is_en() { a.why_en.clone() } else { a.why_zh.clone() },
        opened_on: a.opened_on.to_string(),
        due: a.due.map(|d| d.to_string()).unwrap_or_default(),
        escalated: a.escalated,
        outcome: a.outcome.as_ref().map(|o| format!("grid.outcome_{}", o.0.as_str())).unwrap_or_default(),
        outcome_reason: a.outcome.as_ref().map(|o| o.1.clone()).unwrap_or_default(),
        outcome_on: a.outcome.as_ref().map(|o| day(o.2)).unwrap_or_default(),
    }
}

async fn draw(
    s: &AppState,
    v: &Viewer,
    lang_q: Option<&str>,
    revealed: Option<(i64, Option<String>)>,
    status: StatusCode,
    problem: &'static str,
) -> Response {
    let Some(store) = s.store() else { return failed(lang_q) };
    let person = v.session.person.id;
    let (Ok(alerts), Ok(grids)) = (store.grid_alerts(s.params(), person).await, store.person_grids(person).await) else {
        return failed(lang_q);
    };
    let mut base = Base::of(v, lang_q, "grid.title", "/grid");
    let lang = base.lang;
    let names: Vec<String> = alerts.iter().map(|a| a.grid_name.clone()).collect();
    base.subject =
        if grids.len() == 1 && !names.is_empty() { names[0].clone() } else { lang.f("grid.n_grids", &[("n", &grids.len().to_string())]) };
    let page = GridPage {
        grids: grids.join(" · "),
        intro: lang.f("grid.intro", &[("n", &alerts.iter().filter(|a| a.outcome.is_none()).count().to_string())]),
        cards: shown(&alerts).map(|a| card(lang, a, revealed.as_ref())).collect(),
        outcomes: Outcome::ALL.iter().map(|o| (o.as_str(), format!("grid.outcome_{}", o.as_str()))).collect(),
        problem,
        base,
    };
    render(status, page.render())
}

fn failed(lang: Option<&str>) -> Response {
    denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
}

pub async fn page(State(s): State<AppState>, AsGridWorker(v, _): AsGridWorker, Query(q): Query<LangQuery>) -> Response {
    draw(&s, &v, q.lang.as_deref(), None, StatusCode::OK, "").await
}

/// `POST /grid/alerts/{id}/reveal`: the page again with that worker's number shown, the reveal
/// recorded in the access log first. Another grid's alert is not found.
pub async fn reveal(
    State(s): State<AppState>,
    AsGridWorker(v, _): AsGridWorker,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Response {
    let lang_q = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    match store.reveal_contact(v.session.person.id, id).await {
        Ok((_, phone)) => draw(&s, &v, lang_q, Some((id, phone)), StatusCode::OK, "").await,
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang_q, "grid.err_no_alert"),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a reveal failed");
            failed(lang_q)
        }
    }
}

/// `POST /grid/alerts/{id}/outcome`: record what was found, then back to the list.
pub async fn outcome(
    State(s): State<AppState>,
    AsGridWorker(v, _): AsGridWorker,
    Path(id): Path<i64>,
    Form(f): Form<OutcomeForm>,
) -> Response {
    let lang_q = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    let Some(o) = Outcome::parse(&f.outcome) else {
        return draw(&s, &v, lang_q, None, StatusCode::UNPROCESSABLE_ENTITY, "grid.err_outcome").await;
    };
    match store.record_outcome(v.session.person.id, id, o, &f.reason).await {
        Ok(()) => {
            let to = format!("/grid?lang={}#alert-{id}", Lang::parse(lang_q).code());
            crate::web::reply::see_other(&to)
        }
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang_q, "grid.err_no_alert"),
        Err(e) if e.field() == Some("reason") => draw(&s, &v, lang_q, None, StatusCode::UNPROCESSABLE_ENTITY, "grid.err_reason").await,
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "an outcome could not be recorded");
            failed(lang_q)
        }
    }
}
