//! `/officer/complaints`: the complaints queue of labour inspection and union legal aid (open
//! complaints, those past their deadline first), and each complaint's evidence package as a
//! download (`/officer/complaints/{id}/package.json`, checked offline by `flexpension verify`),
//! recorded in the access log before it is sent.

use super::failed;
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, LangQuery, denied_with, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_store::{WorkerId, rfc3339};

struct Row {
    id: i64,
    kind: String,
    platform: String,
    worker: String,
    months: String,
    state: String,
    due: String,
    breached: bool,
}

#[derive(Template)]
#[template(path = "people/complaint_queue.html")]
struct QueuePage {
    base: Base,
    rows: Vec<Row>,
}

/// `GET /officer/complaints`.
pub async fn queue(State(s): State<AppState>, AsOfficer(v, _region): AsOfficer, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang) };
    let mut base = Base::of(&v, lang, "rights.queue_title", "/officer/complaints");
    base.console("officer");
    let Ok(list) = store.complaint_queue().await else { return failed(lang) };
    let l = base.lang;
    let mut rows = Vec::with_capacity(list.len());
    for c in list {
        let worker = match store.worker(WorkerId(c.worker)).await {
            Ok(Some(w)) => w.id_masked,
            Ok(None) => String::new(),
            Err(_) => return failed(lang),
        };
        let due = rfc3339(c.due_at_us);
        rows.push(Row {
            id: c.id,
            kind: l.t(&format!("rights.kind_{}", c.kind.as_str())).to_string(),
            platform: c.platform_name,
            worker,
            months: c.months.join(", "),
            state: l.t(&format!("rights.state_{}", c.state.as_str())).to_string(),
            due: due.get(..16).map(|d| d.replace('T', " ")).unwrap_or(due),
            breached: c.breached,
        });
    }
    render(StatusCode::OK, QueuePage { base, rows }.render())
}

/// `GET /officer/complaints/{id}/package.json`: the evidence package, the access recorded first.
pub async fn package(State(s): State<AppState>, AsOfficer(v, _region): AsOfficer, Path(id): Path<i64>, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang) };
    let c = match store.complaint(id).await {
        Ok(Some(c)) => c,
        Ok(None) => return denied_with(StatusCode::NOT_FOUND, lang, "people.err_not_yours"),
        Err(_) => return failed(lang),
    };
    if store.record_access(v.session.person.id, WorkerId(c.summary.worker), "complaint_package").await.is_err() {
        return failed(lang);
    }
    // The package is proved against a checkpoint that covers its filing.
    if crate::log::publish(&s).await.is_err() {
        return failed(lang);
    }
    let Ok(p) = store.complaint_package(id, s.witnesses().quorum).await else { return failed(lang) };
    let Ok(body) = serde_json::to_vec_pretty(&p) else { return failed(lang) };
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"complaint-{id}.json\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
