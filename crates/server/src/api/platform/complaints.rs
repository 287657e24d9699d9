//! Complaints against the calling platform (一键维权): `GET /platform/complaints` lists them
//! (API key) without the worker's uploads and with the worker's ID masked (data minimisation);
//! `POST /platform/complaints/{id}/response` answers one, signed like every platform write. A
//! platform reaches only complaints against itself: another's is not found.

use super::ApiError;
use super::auth::{authenticate, check_signature};
use crate::AppState;
use crate::api::openapi::KeyRefusals;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::complaint::{Action, Actor, Kind, Outcome, State as CState};
use flexpension_store::{ComplaintSummary, Store, WorkerId, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The largest response body a platform may send.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Query {}

/// A complaint as its platform sees it: no uploads, the worker's ID masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformComplaint {
    pub id: i64,
    /// The worker's resident ID, masked.
    pub worker: String,
    pub kind: Kind,
    /// `YYYY-MM`.
    pub months: Vec<String>,
    /// What happened, in the worker's words.
    pub text: String,
    pub state: CState,
    pub outcome: Option<Outcome>,
    /// RFC 3339, China time.
    pub filed_at: String,
    /// The response deadline, RFC 3339, China time.
    pub due_at: String,
    pub responded_at: Option<String>,
    /// Not answered by the deadline: escalated to labour inspection and counted for credit.
    pub breached: bool,
}

/// The complaints against the calling platform, the newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformComplaints {
    pub platform_id: i64,
    pub complaints: Vec<PlatformComplaint>,
}

/// A platform's answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// At most 2000 characters.
    #[schema(example = "已核实，3月的两单已补发。", min_length = 1, max_length = 2000, pattern = r"\S")]
    pub text: String,
}

async fn view(store: &Store, c: &ComplaintSummary) -> Result<PlatformComplaint, ApiError> {
    let worker = store.worker(WorkerId(c.worker)).await?.map(|w| w.id_masked).unwrap_or_default();
    Ok(PlatformComplaint {
        id: c.id,
        worker,
        kind: c.kind,
        months: c.months.clone(),
        text: c.text.clone(),
        state: c.state,
        outcome: c.outcome,
        filed_at: rfc3339(c.filed_at_us),
        due_at: rfc3339(c.due_at_us),
        responded_at: c.responded_at_us.map(rfc3339),
        breached: c.breached,
    })
}

/// The complaints against the calling platform
///
/// API key only. Without the worker's uploads (they go to labour inspection and legal aid), the
/// worker's ID masked. At most 1000, the newest first.
#[utoipa::path(get, path = "/platform/complaints", tag = "platform", operation_id = "platform_complaints_get",
    security(("bearer" = []), ("api_key" = [])), params(Query),
    responses((status = 200, description = "only complaints against the caller", body = PlatformComplaints), KeyRefusals))]
pub async fn get(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (store, caller, _q): (_, _, Query) = super::read(&s, req.headers(), req.uri().query()).await?;
    let mut complaints = Vec::new();
    for c in store.platform_complaints(caller.platform.id).await? {
        complaints.push(view(store, &c).await?);
    }
    Ok(crate::api::json(&PlatformComplaints { platform_id: caller.platform.id.0, complaints }))
}

/// Answer a complaint against the calling platform
///
/// Signed like every platform write (timestamp and HMAC of timestamp + "." + body). The first
/// answer stops the 72-hour clock; one after the deadline does not undo the breach.
#[utoipa::path(post, path = "/platform/complaints/{id}/response", tag = "platform", operation_id = "platform_complaint_response_post",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("id" = i64, Path, description = "the complaint's number"),
        ("X-Flexpension-Timestamp" = String, Header, description = "Unix time in seconds when the request was signed", example = "1767225600"),
        ("X-Flexpension-Signature" = String, Header, description = "v1= and the hex HMAC-SHA256 of timestamp + \".\" + body, keyed with the API key",
            example = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ),
    request_body(content = ResponseBody, content_type = "application/json"),
    responses(
        (status = 200, description = "answered", body = PlatformComplaint),
        (status = 400, description = "malformed: not the JSON body described", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated, bad_api_key, missing_signature, bad_signature or stale_timestamp", body = crate::calc::CalcError),
        (status = 404, description = "not_found: no complaint with this number against the caller", body = crate::calc::CalcError),
        (status = 409, description = "replayed: this very signed request was already used", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large: more than 16 KiB", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input: an empty or too long text, or a complaint already settled or closed", body = crate::calc::CalcError),
        (status = 503, description = "no_store or store_unavailable", body = crate::calc::CalcError),
    ))]
pub async fn respond(State(s): State<AppState>, Path(id): Path<i64>, req: Request) -> Result<Response, ApiError> {
    handle(s, id, req).await.map_err(super::scrubbed)
}

async fn handle(s: AppState, id: i64, req: Request) -> Result<Response, ApiError> {
    let store = super::store(&s)?.clone();
    let (parts, body) = req.into_parts();
    let caller = authenticate(&store, &parts.headers).await?;
    let body = axum::body::to_bytes(body, MAX_RESPONSE_BYTES).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("an answer may carry at most {MAX_RESPONSE_BYTES} bytes"),
            "body",
        )
    })?;
    let nonce = check_signature(&parts.headers, &caller.key, &body, s.now())?;
    let answer: ResponseBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "malformed", format!("the body is not {{\"text\": \"...\"}}: {e}"), "body"))?;
    if !store.remember_nonce(caller.platform.id, &nonce, s.now()).await? {
        return Err(flexpension_store::StoreError::NonceReused.into());
    }
    store.complaint_step(id, Actor::Platform, Some(caller.platform.id.0), Action::Respond, Some(&answer.text)).await?;
    let c = store
        .platform_complaints(caller.platform.id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::from(flexpension_store::StoreError::NotFound { what: "complaint", key: id.to_string() }))?;
    Ok(crate::api::json(&view(&store, &c).await?))
}
