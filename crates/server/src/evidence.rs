//! Evidence for people: a worker's proof bundle for a month and their contribution voucher, a
//! platform's proof bundle for an order row, and the check behind the public page a voucher's
//! QR code opens (the page itself is `web/verify.rs`). Access: the worker's own records
//! (session), the platform's own orders (API key), an officer's region's workers (session); the
//! verify page shows only totals the voucher itself prints, and only to whoever has its check
//! code. A voucher is issued only by a POST with the session's CSRF token; GETs draw what was
//! issued and write nothing.

use crate::AppState;
use crate::api::ApiError;
use crate::api::input::from_form;
use crate::api::openapi::ProofRefusals;
use crate::api::people::{month_in, store};
use crate::guard::{AsOfficer, AsWorker, Viewer};
use crate::voucher::{VoucherBody, VoucherIssueError, draw, issue};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query};
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use flexpension_rules::YearMonth;
use flexpension_store::log::VoucherRecord;
use flexpension_store::log::{ProofBundle, VerifyOptions, VerifyReport, verify_bundle};
use flexpension_store::{Store, StoreError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/voucher", post(issue_voucher))
        .route("/me/voucher.pdf", get(latest_voucher))
        .route("/me/voucher/{file}", get(voucher_pdf))
        .route("/verify/voucher/{id}", get(crate::web::verify::page))
}

/// The proof bundles, relative to `/api/v1` (mounted, and described, by [`crate::api`]).
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::default().routes(routes!(my_proof)).routes(routes!(order_proof)).routes(routes!(officer_proof))
}

/// Bring the log up to date (and cosigned, as far as the witnesses answer) before proving.
async fn publish_first(s: &AppState) -> Result<(), ApiError> {
    crate::log::publish(s).await.map(|_| ()).map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "log_unavailable", e, ""))
}

fn attachment(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A PDF as a download (a voucher issued on a worker's behalf).
pub fn pdf_attachment(pdf: Vec<u8>, name: &str) -> Response {
    attachment(pdf, "application/pdf", name)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MonthQuery {
    month: String,
}

/// `GET /api/v1/me/proof?month=YYYY-MM`: the worker's proof bundle for a closed month.
#[utoipa::path(get, path = "/me/proof", tag = "worker", operation_id = "me_proof_get", security(("session" = [])),
    summary = "The worker's own proof bundle for a closed month",
    description = "The month's close entry of the tamper-evident log with its inclusion proof and the cosigned checkpoint \
        (format flexpension-proof/v1, see docs/LOG.md). Check it offline with `flexpension verify FILE --log-key K`.",
    params(("month" = String, Query, description = "YYYY-MM, a closed month", example = "2025-09", min_length = 1, pattern = r"\S")),
    responses(
        (status = 200, description = "the proof bundle, as a download", body = flexpension_store::log::ProofBundle),
        (status = 404, description = "not_found: the month is not closed, or no cosigned checkpoint covers it yet", body = crate::calc::CalcError),
        ProofRefusals,
    ))]
async fn my_proof(State(s): State<AppState>, AsWorker(_, worker): AsWorker, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let q: MonthQuery = from_form(q.as_deref().unwrap_or("").as_bytes())?;
    let m = month_in("month", &q.month)?;
    publish_first(&s).await?;
    let b = store.bundle_worker_month(worker, m, s.witnesses().quorum).await.map_err(ApiError::from)?;
    Ok(attachment(serde_json::to_vec_pretty(&b).unwrap_or_default(), "application/json", &format!("proof-{m}.json")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficerQuery {
    worker: i64,
    month: String,
}

/// `GET /api/v1/officer/proof?worker=ID&month=YYYY-MM`: an officer's proof bundle for a worker of
/// their region (home grid), e.g. for an arbitration. Another region's worker is 404, as if absent.
#[utoipa::path(get, path = "/officer/proof", tag = "officer", operation_id = "officer_proof_get", security(("session" = [])),
    summary = "A proof bundle for a worker of the officer's region and a closed month",
    description = "For an arbitration, say. A worker of another region (home grid) is 404, as if absent. The format is the \
        worker's own (flexpension-proof/v1, see docs/LOG.md).",
    params(
        ("worker" = i64, Query, description = "the worker's number", example = 1),
        ("month" = String, Query, description = "YYYY-MM, a closed month", example = "2025-09", min_length = 1, pattern = r"\S"),
    ),
    responses(
        (status = 200, description = "the proof bundle, as a download", body = flexpension_store::log::ProofBundle),
        (status = 404, description = "not_found: no such worker in the officer's region, the month is not closed, or not yet cosigned", body = crate::calc::CalcError),
        ProofRefusals,
    ))]
async fn officer_proof(State(s): State<AppState>, AsOfficer(_, region): AsOfficer, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let q: OfficerQuery = from_form(q.as_deref().unwrap_or("").as_bytes())?;
    let m = month_in("month", &q.month)?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such worker in your region", "worker");
    let w = store.worker(flexpension_store::WorkerId(q.worker)).await.map_err(ApiError::from)?.ok_or_else(not_found)?;
    let grids = store.grids(Some(&region)).await.map_err(ApiError::from)?;
    if !grids.iter().any(|g| g.code == w.home_grid) {
        return Err(not_found());
    }
    publish_first(&s).await?;
    let b = store.bundle_worker_month(w.id, m, s.witnesses().quorum).await.map_err(ApiError::from)?;
    Ok(attachment(serde_json::to_vec_pretty(&b).unwrap_or_default(), "application/json", &format!("proof-{}-{m}.json", q.worker)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderQuery {
    order_id: String,
}

/// `GET /api/v1/platform/proof?order_id=...`: a platform's proof bundle for one of its rows.
#[utoipa::path(get, path = "/platform/proof", tag = "platform", operation_id = "platform_proof_get",
    summary = "A proof bundle for one of the platform's order rows",
    description = "API key only. The row, its earnings-batch entry of the tamper-evident log, the proof of the row in the \
        batch's tree and of the entry in the log, and the cosigned checkpoint (format flexpension-proof/v1, see docs/LOG.md). \
        Check it offline with `flexpension verify FILE --log-key K`.",
    security(("bearer" = []), ("api_key" = [])),
    params(("order_id" = String, Query, description = "the platform's own order id", example = "A-20250910-0001", min_length = 1, pattern = r"\S")),
    responses(
        (status = 200, description = "the proof bundle, as a download", body = flexpension_store::log::ProofBundle),
        (status = 400, description = "missing_field, unknown_field or invalid_input (order_id)", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated or bad_api_key", body = crate::calc::CalcError),
        (status = 404, description = "not_found: no such order of this platform, or no cosigned checkpoint covers it yet", body = crate::calc::CalcError),
        (status = 503, description = "no_store, store_unavailable or log_unavailable", body = crate::calc::CalcError),
    ))]
async fn order_proof(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let caller = crate::api::platform::auth::authenticate(store, req.headers()).await?;
    let q: OrderQuery = from_form(req.uri().query().unwrap_or("").as_bytes())?;
    let id = q.order_id.trim();
    if id.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", "give the order id", "order_id"));
    }
    publish_first(&s).await?;
    let b = store.bundle_order(caller.platform.id, id, s.witnesses().quorum).await.map_err(ApiError::from)?;
    Ok(attachment(serde_json::to_vec_pretty(&b).unwrap_or_default(), "application/json", "proof-order.json"))
}

/// The form of the button on /me that issues a voucher.
#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `POST /me/voucher` (csrf, lang, optional from/to): issue a voucher, then see it at
/// `/me/voucher/{id}.pdf`. Issuing is the only write; every GET only draws what was issued.
async fn issue_voucher(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Form(f): Form<IssueForm>) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return crate::web::people::denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else {
        return crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later");
    };
    let month = |v: &Option<String>| v.as_deref().filter(|m| !m.trim().is_empty()).map(|m| m.trim().parse::<YearMonth>());
    let (from, to) = match (month(&f.from).transpose(), month(&f.to).transpose()) {
        (Ok(from), Ok(to)) => (from, to),
        _ => return none_page(&v, lang, StatusCode::UNPROCESSABLE_ENTITY, Some("voucher.err_month")),
    };
    match issue(&s, store, worker, from, to, flexpension_voucher::Lang::parse(lang)).await {
        Ok(issued) => crate::web::reply::see_other(format!("/me/voucher/{}.pdf", issued.id)),
        Err(VoucherIssueError::Input(_)) => none_page(&v, lang, StatusCode::UNPROCESSABLE_ENTITY, Some("voucher.err_no_months")),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a voucher could not be issued");
            crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// `GET /me/voucher.pdf`: the worker's latest voucher, drawn again; or a page that says there is
/// none yet, with the button that issues one.
async fn latest_voucher(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = s.store() else {
        return crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later");
    };
    match store.latest_voucher(worker).await {
        Ok(Some(rec)) => voucher_response(&s, store, &rec, &v, lang).await,
        Ok(None) => none_page(&v, lang, StatusCode::NOT_FOUND, None),
        Err(e) => {
            tracing::error!(error = %e, "reading the latest voucher failed");
            crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// `GET /me/voucher/{id}.pdf`: one of the worker's own vouchers; anyone else's is not found.
async fn voucher_pdf(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Path(file): Path<String>) -> Response {
    let Some(store) = s.store() else {
        return crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, None, "people.err_try_later");
    };
    let Some(id) = file.strip_suffix(".pdf") else { return crate::web::denied_page(StatusCode::NOT_FOUND) };
    match store.voucher(id).await {
        Ok(Some(rec)) if rec.worker == worker.0 => voucher_response(&s, store, &rec, &v, None).await,
        Ok(_) => crate::web::denied_page(StatusCode::NOT_FOUND),
        Err(e) => {
            tracing::error!(error = %e, "reading a voucher failed");
            crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, None, "people.err_try_later")
        }
    }
}

async fn voucher_response(s: &AppState, store: &Store, rec: &VoucherRecord, v: &Viewer, lang: Option<&str>) -> Response {
    match draw(s, store, rec).await {
        Ok(pdf) => attachment(pdf, "application/pdf", &format!("voucher-{}.pdf", rec.id)),
        // Issued before the page was bound to the signature: issue a new one.
        Err(VoucherIssueError::Input(_)) => none_page(v, lang, StatusCode::NOT_FOUND, Some("voucher.err_old")),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a voucher could not be drawn");
            crate::web::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

#[derive(Template)]
#[template(path = "voucher_none.html")]
struct NonePage {
    base: crate::web::people::Base,
    problem: Option<&'static str>,
}

/// The page that says there is no voucher to show (or why none was issued), with the button.
fn none_page(v: &Viewer, lang: Option<&str>, status: StatusCode, problem: Option<&'static str>) -> Response {
    let base = crate::web::people::Base::new(lang, "voucher.title", "/me/voucher.pdf", &v.session.csrf, &v.session.person.login);
    crate::web::people::render(status, NonePage { base, problem }.render())
}

/// Check an issued voucher against this server's keys: the region's signature, its entry in the
/// log under the current (cosigned) checkpoint, and the witnesses.
pub async fn check_voucher(s: &AppState, store: &Store, id: &str) -> Result<(VoucherReport, Option<VoucherBody>), StoreError> {
    let quorum = s.witnesses().quorum;
    // Bring the log up to date first, so a voucher issued a moment ago is already covered.
    if let Err(e) = crate::log::publish(s).await {
        tracing::warn!(error = %e, "publishing the log before a voucher check failed");
    }
    let (v, mut b): (_, ProofBundle) = store.bundle_voucher(id, quorum).await?;
    b.voucher = Some(v.note.clone());
    let opts = VerifyOptions {
        log_key: store.log_keys().verifier_key(),
        witness_keys: s.witnesses().peers.iter().map(|p| p.key.clone()).collect(),
        quorum: Some(quorum),
        id_number: None,
    };
    let report = verify_bundle(&b, &opts);
    Ok((VoucherReport { report, tree_size: tree_size(&b), index: v.log_idx }, VoucherBody::from_note(&v.note)))
}

fn tree_size(b: &ProofBundle) -> u64 {
    flexpension_tlog::parse_note(&b.checkpoint).ok().and_then(|n| flexpension_tlog::Checkpoint::parse(&n.text).ok()).map_or(0, |c| c.size)
}

pub struct VoucherReport {
    pub report: VerifyReport,
    pub tree_size: u64,
    pub index: u64,
}
