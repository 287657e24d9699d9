//! `/officer/complaints`: the agency officer's view of every open complaint (those past their
//! deadline first), and each complaint's evidence package as a download
//! (`/officer/complaints/{id}/package.json`, checked offline by `flexpension verify`), recorded
//! in the access log before it is sent. The region desks of labour inspection and union legal
//! aid are in [`super::desk`]; the queue's table is drawn here for all three.

use super::failed;
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, LangQuery, denied_with, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_store::{ComplaintSummary, Store, WorkerId, rfc3339};
use flexpension_text::Lang;

pub(super) struct Row {
    id: i64,
    /// The complaint's own page (a desk's); empty on the officer's list.
    case_href: String,
    package_href: String,
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
pub(super) struct QueuePage {
    pub(super) base: Base,
    pub(super) intro: String,
    pub(super) rows: Vec<Row>,
}

/// The queue's lines (the worker by masked ID only); `case` gives a complaint's page and its
/// package's address from its id. Err: the store failed.
pub(super) async fn rows(
    store: &Store,
    l: Lang,
    list: Vec<ComplaintSummary>,
    case: impl Fn(i64) -> (String, String),
) -> Result<Vec<Row>, ()> {
    let mut rows = Vec::with_capacity(list.len());
    for c in list {
        let worker = match store.worker(WorkerId(c.worker)).await {
            Ok(Some(w)) => w.id_masked,
            Ok(None) => String::new(),
            Err(_) => return Err(()),
        };
        let (case_href, package_href) = case(c.id);
        rows.push(Row {
            id: c.id,
            case_href,
            package_href,
            kind: l.t(&format!("rights.kind_{}", c.kind.as_str())).to_string(),
            platform: c.platform_name,
            worker,
            months: c.months.join(", "),
            state: l.t(&format!("rights.state_{}", c.state.as_str())).to_string(),
            due: short_time(c.due_at_us),
            breached: c.breached,
        });
    }
    Ok(rows)
}

/// `2025-05-13 10:00` in China time.
pub(super) fn short_time(at_us: i64) -> String {
    let t = rfc3339(at_us);
    t.get(..16).map(|d| d.replace('T', " ")).unwrap_or(t)
}

/// `GET /officer/complaints`.
pub async fn queue(State(s): State<AppState>, AsOfficer(v, _region): AsOfficer, q: Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang) };
    let mut base = Base::of(&v, lang, "rights.queue_title", "/officer/complaints");
    base.console("officer");
    let Ok(list) = store.complaint_queue().await else { return failed(lang) };
    let Ok(rows) = rows(store, base.lang, list, |id| (String::new(), format!("/officer/complaints/{id}/package.json"))).await else {
        return failed(lang);
    };
    let intro = base.lang.t("rights.queue_intro").to_string();
    render(StatusCode::OK, QueuePage { base, intro, rows }.render())
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
    download(body, "application/json", &format!("complaint-{id}.json"))
}

/// A file as a download that no cache keeps.
pub(super) fn download(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}
