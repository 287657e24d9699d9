//! The union's desk for its members' requests (`/legal-aid/union`, role `legal_aid`: the union
//! federation's legal-aid officers also answer its other services): the region's requests, open
//! ones first and oldest first, each shown with the service, state and day only; opening one
//! shows the worker and their words and is written to the access log first, as a complaint's
//! opening is; the desk takes it on or answers it (POST, CSRF). Another region's request is not
//! found.

use super::failed;
use crate::AppState;
use crate::guard::AsLegalAid;
use crate::web::people::{Base, LangQuery, denied_with, render};
use crate::web::reply::see_other;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_store::{RequestState, StoreError, UnionActor, UnionRequest, WorkerId, rfc3339};
use flexpension_text::Lang;
use serde::Deserialize;

const PATH: &str = "/legal-aid/union";

struct Row {
    id: i64,
    filed: String,
    service: String,
    state: String,
    state_code: &'static str,
    open: bool,
}

#[derive(Template)]
#[template(path = "people/union_desk.html")]
struct DeskPage {
    base: Base,
    rows: Vec<Row>,
    one: Option<One>,
    problem: &'static str,
}

/// One request opened.
struct One {
    id: i64,
    worker: String,
    service: String,
    state: String,
    state_code: &'static str,
    filed: String,
    text: String,
    answer: String,
    can_take: bool,
    can_answer: bool,
}

fn day(at_us: i64) -> String {
    rfc3339(at_us).get(..10).unwrap_or_default().to_string()
}

fn words(l: Lang, r: &UnionRequest) -> (String, String) {
    (l.t(&format!("unionpage.svc_{}", r.service.as_str())).to_string(), l.t(&format!("unionpage.state_{}", r.state.as_str())).to_string())
}

fn base_of(v: &crate::guard::Viewer, lang: Option<&str>, path: &str) -> Base {
    let mut base = Base::of(v, lang, "unionpage.desk_title", path);
    base.console("legal_aid");
    base
}

/// `GET /legal-aid/union`: the region's requests.
pub async fn queue(State(s): State<AppState>, AsLegalAid(v, region): AsLegalAid, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang) };
    let mut base = base_of(&v, lang, PATH);
    base.subject = super::region_name(&s, base.lang, &region);
    let Ok(list) = store.union_queue(&region).await else { return failed(lang) };
    let l = base.lang;
    let rows = list
        .iter()
        .map(|r| {
            let (service, state) = words(l, r);
            Row { id: r.id, filed: day(r.filed_at_us), service, state, state_code: r.state.as_str(), open: r.state.is_open() }
        })
        .collect();
    render(StatusCode::OK, DeskPage { base, rows, one: None, problem: "" }.render())
}

/// `GET /legal-aid/union/{id}`: one request of the region, its opening in the access log first.
pub async fn case(State(s): State<AppState>, AsLegalAid(v, region): AsLegalAid, Path(id): Path<i64>, q: Query<LangQuery>) -> Response {
    show(&s, &v, &region, id, q.lang.as_deref(), StatusCode::OK, "").await
}

async fn show(
    s: &AppState,
    v: &crate::guard::Viewer,
    region: &str,
    id: i64,
    lang: Option<&str>,
    status: StatusCode,
    problem: &'static str,
) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    let r = match store.region_union_request(id, region).await {
        Ok(Some(r)) => r,
        Ok(None) => return denied_with(StatusCode::NOT_FOUND, lang, "people.err_not_yours"),
        Err(_) => return failed(lang),
    };
    if store.record_access_why(v.session.person.id, WorkerId(r.worker), "union_request", &format!("union request {id}")).await.is_err() {
        return failed(lang);
    }
    let worker = match store.worker(WorkerId(r.worker)).await {
        Ok(Some(w)) => format!("{} · {}", w.name, w.id_masked),
        Ok(None) => String::new(),
        Err(_) => return failed(lang),
    };
    let mut base = base_of(v, lang, &format!("{PATH}/{id}"));
    let l = base.lang;
    base.subject = l.f("unionpage.desk_case", &[("id", &id.to_string())]);
    let (service, state) = words(l, &r);
    let one = One {
        id,
        worker,
        service,
        state,
        state_code: r.state.as_str(),
        filed: day(r.filed_at_us),
        text: r.text,
        answer: r.answer.unwrap_or_default(),
        can_take: r.state == RequestState::Requested,
        can_answer: r.state.is_open(),
    };
    render(status, DeskPage { base, rows: Vec::new(), one: Some(one), problem }.render())
}

#[derive(Deserialize)]
pub struct DeskForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
}

/// `POST /legal-aid/union/{id}`: take the request on (`action=take`) or answer it
/// (`action=answer`, with words for the worker).
pub async fn step(State(s): State<AppState>, AsLegalAid(v, region): AsLegalAid, Path(id): Path<i64>, Form(f): Form<DeskForm>) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang) };
    let to = match f.action.as_str() {
        "take" => RequestState::Taken,
        "answer" => RequestState::Done,
        _ => return show(&s, &v, &region, id, lang, StatusCode::UNPROCESSABLE_ENTITY, "unionpage.err_state").await,
    };
    match store.union_request_step(id, to, UnionActor::Staff(v.session.person.id.0), Some(&region), &f.text).await {
        Ok(_) => see_other(format!("{PATH}/{id}?lang={}", Lang::parse(lang).code())),
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang, "people.err_not_yours"),
        Err(StoreError::Invalid { field: "answer", .. }) => {
            show(&s, &v, &region, id, lang, StatusCode::UNPROCESSABLE_ENTITY, "unionpage.desk_err_answer").await
        }
        Err(StoreError::Invalid { .. }) => show(&s, &v, &region, id, lang, StatusCode::UNPROCESSABLE_ENTITY, "unionpage.err_state").await,
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a union request could not be moved on");
            failed(lang)
        }
    }
}
