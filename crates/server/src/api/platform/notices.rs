//! Outreach notices through the platform (paper 5.3: APP开屏广告、接单间歇提醒): the platform pulls
//! the notices due to its own workers (`GET /platform/notices`, API key; the worker shown masked,
//! the text in both languages, a card with the worker's own figures as a prompt to open their
//! page) to show them in its app, and reports what became of each
//! (`POST /platform/notices/reports`, signed): delivered, opened, acted on. A report is kept once
//! per report id: sent again, it changes nothing. A platform never sees another platform's
//! workers' notices.

use super::ApiError;
use super::auth::{authenticate, check_signature};
use crate::AppState;
use crate::api::openapi::KeyRefusals;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_outreach::card::Library;
use flexpension_store::{NoticeEvent, NoticeReport, rfc3339};
use flexpension_text::Lang;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The largest report body a platform may send.
pub const MAX_REPORTS_BYTES: usize = 128 * 1024;
/// Notices one pull gives at most.
pub const PULL_LIMIT: i64 = 500;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Query {}

/// A notice for the platform to show its worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformNoticeView {
    pub id: i64,
    /// The worker's resident ID, masked (the platform knows its own workers by it).
    pub worker: String,
    /// The card's id.
    pub card: String,
    /// The text in Chinese and in English; a card with the worker's own figures is given as a
    /// prompt to open their page on the agency's site (their figures stay there).
    pub text_zh: String,
    pub text_en: String,
    /// When it may be shown from (a break between the worker's orders), RFC 3339, China time.
    pub due_at: String,
}

/// The notices due to the calling platform's workers and not yet delivered.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformNotices {
    pub platform_id: i64,
    pub notices: Vec<PlatformNoticeView>,
}

/// What happened to a notice in the platform's app.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Delivered,
    Opened,
    Acted,
}

/// One report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The platform's own id of this report: sent again, the report changes nothing.
    #[schema(example = "r-20250920-0001", min_length = 1, max_length = 64, pattern = r"\S")]
    pub report_id: String,
    pub notice_id: i64,
    pub event: Event,
    /// When it happened, RFC 3339.
    #[schema(example = "2025-09-20T14:20:00+08:00")]
    pub at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reports {
    /// At most 500.
    #[schema(max_items = 500)]
    pub reports: Vec<Report>,
}

/// How the reports were kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsAnswer {
    /// Reports kept now.
    pub kept: usize,
    /// Reports already kept under the same report id (nothing changed).
    pub replayed: usize,
}

/// The notices due to the calling platform's workers
///
/// API key only. Only workers who earn on the calling platform; the worker's ID masked; at most
/// 500, the oldest due first; a notice reported delivered is not given again.
#[utoipa::path(get, path = "/platform/notices", tag = "platform", operation_id = "platform_notices_get",
    security(("bearer" = []), ("api_key" = [])), params(Query),
    responses((status = 200, description = "only the caller's own workers' notices", body = PlatformNotices), KeyRefusals))]
pub async fn get(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (store, caller, _q): (_, _, Query) = super::read(&s, req.headers(), req.uri().query()).await?;
    let lib = Library::embedded().map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string(), ""))?;
    let due = store.platform_notices(caller.platform.id, s.now().timestamp_micros(), PULL_LIMIT).await?;
    let notices = due
        .iter()
        .filter_map(|n| {
            // A card with the worker's own figures (income from every platform, what they would
            // pay) goes as a prompt to open their page: a platform never learns what its worker
            // earns elsewhere. A card without figures goes as it is.
            let card = lib.card(n.card.as_deref()?)?;
            let text = |lang: Lang| card.fill(lang, &[]).or_else(|| Some(lang.t("inbox.platform_prompt").to_string()));
            Some(PlatformNoticeView {
                id: n.id,
                worker: n.id_masked.clone(),
                card: n.card.clone()?,
                text_zh: text(Lang::Zh)?,
                text_en: text(Lang::En)?,
                due_at: rfc3339(n.due_at_us?),
            })
        })
        .collect();
    Ok(crate::api::json(&PlatformNotices { platform_id: caller.platform.id.0, notices }))
}

/// Report what became of notices in the platform's app
///
/// Signed like every platform write (timestamp and HMAC of timestamp + "." + body). Each report
/// is kept once per report id: the same report sent again changes nothing and counts as
/// replayed. All the reports of a request are kept, or none.
#[utoipa::path(post, path = "/platform/notices/reports", tag = "platform", operation_id = "platform_notice_reports_post",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("X-Flexpension-Timestamp" = String, Header, description = "Unix time in seconds when the request was signed", example = "1767225600"),
        ("X-Flexpension-Signature" = String, Header, description = "v1= and the hex HMAC-SHA256 of timestamp + \".\" + body, keyed with the API key",
            example = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ),
    request_body(content = Reports, content_type = "application/json"),
    responses(
        (status = 200, description = "kept", body = ReportsAnswer),
        (status = 400, description = "malformed: not the JSON body described", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated, bad_api_key, missing_signature, bad_signature or stale_timestamp", body = crate::calc::CalcError),
        (status = 404, description = "not_found: no notice with this number due to a worker of the caller", body = crate::calc::CalcError),
        (status = 409, description = "replayed: this very signed request was already used", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large: more than 128 KiB", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input: a bad report id or time, a report id used for another report, more than 500 reports", body = crate::calc::CalcError),
        (status = 503, description = "no_store or store_unavailable", body = crate::calc::CalcError),
    ))]
pub async fn reports(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    handle(s, req).await.map_err(super::scrubbed)
}

async fn handle(s: AppState, req: Request) -> Result<Response, ApiError> {
    let store = super::store(&s)?.clone();
    let (parts, body) = req.into_parts();
    let caller = authenticate(&store, &parts.headers).await?;
    let body = axum::body::to_bytes(body, MAX_REPORTS_BYTES).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("reports may carry at most {MAX_REPORTS_BYTES} bytes"),
            "body",
        )
    })?;
    let nonce = check_signature(&parts.headers, &caller.key, &body, s.now())?;
    let got: Reports = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed", format!("the body is not {{\"reports\": [...]}}: {e}"), "body"))?;
    let mut reports = Vec::with_capacity(got.reports.len());
    for (k, r) in got.reports.iter().enumerate() {
        let at = chrono::DateTime::parse_from_rfc3339(r.at.trim()).map_err(|e| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", format!("report {k}: at: not an RFC 3339 time: {e}"), "at")
        })?;
        let event = match r.event {
            Event::Delivered => NoticeEvent::Delivered,
            Event::Opened => NoticeEvent::Opened,
            Event::Acted => NoticeEvent::Acted,
        };
        reports.push(NoticeReport { report_id: r.report_id.clone(), notice: r.notice_id, event, at_us: at.timestamp_micros() });
    }
    if !store.remember_nonce(caller.platform.id, &nonce, s.now()).await? {
        return Err(flexpension_store::StoreError::NonceReused.into());
    }
    let kept = store.notice_reports(caller.platform.id, &reports).await?;
    let new = kept.iter().filter(|k| **k).count();
    Ok(crate::api::json(&ReportsAnswer { kept: new, replayed: kept.len() - new }))
}
