//! The officer's queue of transfers (转移接续) at `/officer/transfers`: those into and out of
//! the region, open ones first, overdue (past their step's statutory deadline) before the rest,
//! then the latest ended (`Store::transfer_queue`). A transfer applied for here and not yet
//! answered by the sending agency can be refused with a reason the worker reads
//! (`POST /officer/transfers/{id}/refuse`); the agency job carries it out within moments and
//! tells the sender. An officer also applies for a worker registered here, at the counter
//! (`POST /officer/transfers`, the worker's ID number and the region left): the same application
//! as the worker's button. Reading the page writes nothing.

use super::{failed, region_name};
use crate::AppState;
use crate::guard::{AsOfficer, Viewer};
use crate::web::people::{Base, denied_with, render};
use crate::web::reply::see_other;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::money::yuan_grouped;
use flexpension_rules::transfer::TransferState;
use flexpension_store::{MAX_REFUSAL_REASON, StoreError, TransferRecord};
use flexpension_text::Lang;
use serde::Deserialize;

const PATH: &str = "/officer/transfers";

/// A transfer as a line of the queue.
pub struct Line {
    pub id: String,
    /// The catalogue key of "into here" or "out of here".
    pub direction_key: &'static str,
    pub peer: String,
    pub worker: i64,
    pub state: String,
    /// The catalogue key of the state's words.
    pub state_key: &'static str,
    pub applied: String,
    pub due: String,
    pub overdue: bool,
    pub months: i64,
    pub account: String,
    pub reason: String,
    /// Applied for here and not yet answered: the refusal form.
    pub refusable: bool,
}

fn state_key(s: TransferState) -> &'static str {
    match s {
        TransferState::Applied => "transfers.state_applied",
        TransferState::Frozen => "transfers.state_frozen",
        TransferState::Sent => "transfers.state_sent",
        TransferState::Posted => "transfers.state_posted",
        TransferState::Completed => "transfers.state_completed",
        TransferState::Refused => "transfers.state_refused",
    }
}

fn line(s: &AppState, lang: Lang, t: TransferRecord) -> Line {
    Line {
        direction_key: if t.direction == "in" { "transfers.in" } else { "transfers.out" },
        peer: region_name(s, lang, &t.peer),
        worker: t.worker.unwrap_or(0),
        state: t.state.as_str().to_string(),
        state_key: state_key(t.state),
        applied: t.deadlines.application.to_string(),
        due: t.due.map(|d| d.to_string()).unwrap_or_default(),
        overdue: t.overdue,
        months: t.months,
        account: yuan_grouped(t.account_fen),
        reason: crate::web::transfer::reason_words(lang, t.reason.as_deref().unwrap_or("")),
        refusable: t.direction == "in" && t.state == TransferState::Applied,
        id: t.id,
    }
}

#[derive(Template)]
#[template(path = "people/transfers.html")]
struct Page {
    base: Base,
    lines: Vec<Line>,
    /// How many are open, and overdue, in words.
    summary: String,
    /// A problem with the last refusal (a catalogue key), or empty.
    problem: &'static str,
    /// The transfer whose refusal was just asked for.
    asked: String,
    max_reason: usize,
    /// The regions one may move from (peer agencies): (code, name); none, no form.
    peers: Vec<(String, String)>,
}

async fn page(s: &AppState, v: &Viewer, lang: Option<&str>, status: StatusCode, problem: &'static str, asked: String) -> Response {
    let Some(store) = s.store() else { return failed(lang) };
    let Ok(queue) = store.transfer_queue().await else { return failed(lang) };
    let Ok(peers) = store.peers().await else { return failed(lang) };
    let mut base = Base::of(v, lang, "transfers.title", PATH);
    base.subject = region_name(s, base.lang, s.region());
    base.console("officer");
    let lang = base.lang;
    let open = queue.iter().filter(|t| t.state.is_open()).count();
    let overdue = queue.iter().filter(|t| t.state.is_open() && t.overdue).count();
    let summary = lang.f("transfers.summary", &[("open", &open.to_string()), ("overdue", &overdue.to_string())]);
    let lines = queue.into_iter().map(|t| line(s, lang, t)).collect();
    let peers = peers.into_iter().map(|p| (region_name(s, lang, &p.code), p.code)).map(|(n, c)| (c, n)).collect();
    render(status, Page { base, lines, summary, problem, asked, max_reason: MAX_REFUSAL_REASON, peers }.render())
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    lang: Option<String>,
    /// Set by the redirect after a refusal was asked for.
    refused: Option<String>,
}

/// `GET /officer/transfers`: the queue.
pub async fn officer(State(s): State<AppState>, AsOfficer(v, _): AsOfficer, Query(q): Query<QueueQuery>) -> Response {
    let asked = q.refused.filter(|r| r.len() <= 64 && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).unwrap_or_default();
    page(&s, &v, q.lang.as_deref(), StatusCode::OK, "", asked).await
}

#[derive(Deserialize)]
pub struct ApplyForm {
    csrf: String,
    lang: Option<String>,
    from: String,
    id_number: String,
}

/// `POST /officer/transfers`: apply, at the counter, for a worker registered here to move their
/// insurance here from a peer region (as the worker's own button does); the queue again, the
/// transfer at the top, or the problem named in the form (the ID number never echoed).
pub async fn apply(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, Form(f): Form<ApplyForm>) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    if region != s.region() {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_not_yours");
    }
    let Some(store) = s.store() else { return failed(lang) };
    match store.request_transfer_by(s.params(), f.id_number.trim(), f.from.trim(), Some(v.session.person.id.0)).await {
        Ok((t, _)) => {
            s.agency_wake().notify_one();
            see_other(format!("{PATH}?lang={}#transfer-{}", Lang::parse(lang).code(), t.id))
        }
        Err(StoreError::Invalid { field: "temporary_account", .. }) => {
            page(&s, &v, lang, StatusCode::UNPROCESSABLE_ENTITY, "people.transfer_err_temporary", String::new()).await
        }
        Err(StoreError::NotFound { what: "peer", .. } | StoreError::Invalid { field: "from", .. }) => {
            page(&s, &v, lang, StatusCode::UNPROCESSABLE_ENTITY, "people.transfer_err_region", String::new()).await
        }
        Err(StoreError::NotFound { .. } | StoreError::Invalid { .. }) => {
            page(&s, &v, lang, StatusCode::UNPROCESSABLE_ENTITY, "transfers.err_worker", String::new()).await
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "an officer's transfer application could not be made");
            failed(lang)
        }
    }
}

#[derive(Deserialize)]
pub struct RefuseForm {
    csrf: String,
    lang: Option<String>,
    reason: String,
}

/// `POST /officer/transfers/{id}/refuse`: refuse a transfer applied for here, for a reason.
pub async fn refuse(State(s): State<AppState>, AsOfficer(v, _): AsOfficer, Path(id): Path<String>, Form(f): Form<RefuseForm>) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang) };
    match store.request_transfer_refusal(&id, &f.reason, v.session.person.id.0).await {
        Ok(()) => {
            s.agency_wake().notify_one();
            see_other(format!("{PATH}?lang={}&refused={id}#transfer-{id}", Lang::parse(lang).code()))
        }
        Err(StoreError::Invalid { field: "reason", .. }) => {
            page(&s, &v, lang, StatusCode::UNPROCESSABLE_ENTITY, "transfers.err_reason", id).await
        }
        Err(StoreError::Invalid { .. }) => page(&s, &v, lang, StatusCode::CONFLICT, "transfers.err_state", id).await,
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang, "transfers.err_none"),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a transfer refusal could not be recorded");
            failed(lang)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_its_words() {
        let keys: Vec<&str> = TransferState::ALL.iter().map(|s| state_key(*s)).collect();
        for k in &keys {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(lang.t(k), *k, "{k} in {lang:?}");
            }
        }
        let mut distinct = keys.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), TransferState::ALL.len());
    }
}
