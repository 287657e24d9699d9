//! The union federation on the phone (`/me/union`, section 5.4 of the paper): what the union is
//! and that joining is free, a join or leave button, and for members the services (legal aid,
//! skills training, counselling) with a short form to ask for one and the worker's requests
//! with the union's answers. Every form is a POST with the session's CSRF token; the worker
//! comes from the session, never from the form.

use super::people::{Base, denied_with, render};
use crate::AppState;
use crate::guard::AsWorker;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::complaint::MAX_TEXT_CHARS;
use flexpension_store::{RequestState, Store, StoreError, UnionActor, UnionService, WorkerId, rfc3339};
use serde::Deserialize;

struct RequestLine {
    id: i64,
    service: String,
    text: String,
    filed: String,
    state: String,
    state_code: &'static str,
    answer: String,
    open: bool,
}

#[derive(Template)]
#[template(path = "people/union.html")]
struct Page {
    base: Base,
    member_since: String,
    services: Vec<(&'static str, String, String)>,
    requests: Vec<RequestLine>,
    error: String,
    done: String,
    max_chars: usize,
}

/// The form of every union POST.
#[derive(Deserialize, Default)]
pub struct UnionForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    service: String,
    #[serde(default)]
    text: String,
}

/// `2025-05-13` in China time.
fn day(at_us: i64) -> String {
    rfc3339(at_us).get(..10).unwrap_or_default().to_string()
}

async fn draw(store: &Store, base: Base, worker: WorkerId, error: String, done: &str, status: StatusCode) -> Response {
    let lang = base.lang.code().to_string();
    let (Ok(member), Ok(mine)) = (store.union_membership(worker).await, store.worker_union_requests(worker).await) else {
        return denied_with(StatusCode::SERVICE_UNAVAILABLE, Some(&lang), "people.err_try_later");
    };
    let l = base.lang;
    let page = Page {
        member_since: member.map(|m| l.f("unionpage.member_since", &[("day", &day(m.joined_at_us))])).unwrap_or_default(),
        services: UnionService::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    l.t(&format!("unionpage.svc_{}", s.as_str())).to_string(),
                    l.t(&format!("unionpage.what_{}", s.as_str())).to_string(),
                )
            })
            .collect(),
        requests: mine
            .iter()
            .map(|r| RequestLine {
                id: r.id,
                service: l.t(&format!("unionpage.svc_{}", r.service.as_str())).to_string(),
                text: r.text.clone(),
                filed: day(r.filed_at_us),
                state: l.t(&format!("unionpage.state_{}", r.state.as_str())).to_string(),
                state_code: r.state.as_str(),
                answer: r.answer.clone().unwrap_or_default(),
                open: r.state.is_open(),
            })
            .collect(),
        error,
        done: match done {
            "join" | "leave" | "request" | "close" => l.t(&format!("unionpage.done_{done}")).to_string(),
            _ => String::new(),
        },
        max_chars: MAX_TEXT_CHARS,
        base,
    };
    render(status, page.render())
}

/// `GET /me/union`: the union, the worker's membership and requests.
pub async fn page(State(s): State<AppState>, AsWorker(v, worker): AsWorker, q: Query<DoneQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let base = Base::of(&v, lang, "unionpage.title", "/me/union");
    draw(store, base, worker, String::new(), q.done.as_deref().unwrap_or(""), StatusCode::OK).await
}

/// The page's query: its language and what was just done (for the plain confirmation).
#[derive(Deserialize)]
pub struct DoneQuery {
    lang: Option<String>,
    done: Option<String>,
}

/// What a POST asks for.
enum Act {
    Join,
    Leave,
    Request,
    Close(i64),
}

impl Act {
    fn name(&self) -> &'static str {
        match self {
            Act::Join => "join",
            Act::Leave => "leave",
            Act::Request => "request",
            Act::Close(_) => "close",
        }
    }
}

async fn act(s: AppState, v: crate::guard::Viewer, worker: WorkerId, f: UnionForm, what: Act) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let base = Base::of(&v, lang, "unionpage.title", "/me/union");
    let l = base.lang;
    let done = match &what {
        Act::Join => store.join_union(worker).await.map(|_| ()),
        Act::Leave => store.leave_union(worker).await.map(|_| ()),
        Act::Request => match UnionService::parse(&f.service) {
            Some(svc) => store.request_union_service(worker, svc, &f.text).await.map(|_| ()),
            None => Err(StoreError::Invalid { field: "service", reason: "not a service of the union".into() }),
        },
        Act::Close(id) => store.union_request_step(*id, RequestState::Closed, UnionActor::Worker(worker), None, "").await.map(|_| ()),
    };
    match done {
        Ok(()) => crate::web::reply::see_other(format!("/me/union?lang={}&done={}", l.code(), what.name())),
        Err(StoreError::NotFound { .. }) => super::not_found(axum::extract::RawQuery(None)).await,
        Err(e) if e.field().is_some() => {
            let key = match e.field() {
                Some("text") if f.text.trim().is_empty() => "unionpage.err_empty",
                Some("text") => "unionpage.err_text",
                Some("worker") => "unionpage.err_not_member",
                Some("service") if UnionService::parse(&f.service).is_none() => "unionpage.err_service",
                Some("service") => "unionpage.err_too_many",
                _ => "unionpage.err_state",
            };
            let msg =
                l.f(key, &[("count", &flexpension_store::MAX_OPEN_UNION_REQUESTS.to_string()), ("chars", &MAX_TEXT_CHARS.to_string())]);
            draw(store, base, worker, msg, "", StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a union request could not be recorded");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// `POST /me/union/join`.
pub async fn join(State(s): State<AppState>, AsWorker(v, w): AsWorker, Form(f): Form<UnionForm>) -> Response {
    act(s, v, w, f, Act::Join).await
}

/// `POST /me/union/leave`.
pub async fn leave(State(s): State<AppState>, AsWorker(v, w): AsWorker, Form(f): Form<UnionForm>) -> Response {
    act(s, v, w, f, Act::Leave).await
}

/// `POST /me/union/requests`: ask for a service.
pub async fn request(State(s): State<AppState>, AsWorker(v, w): AsWorker, Form(f): Form<UnionForm>) -> Response {
    act(s, v, w, f, Act::Request).await
}

/// `POST /me/union/requests/{id}/close`: withdraw one's own open request.
pub async fn close(State(s): State<AppState>, AsWorker(v, w): AsWorker, Path(id): Path<i64>, Form(f): Form<UnionForm>) -> Response {
    act(s, v, w, f, Act::Close(id)).await
}
