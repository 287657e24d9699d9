//! Transfers between insurance regions (转移接续) over the API: a worker applies at this (the
//! receiving) agency and follows the steps (`/me/transfers`); officers see the queue of
//! transfers in and out, open and overdue ones first (`/officer/transfers`). The steps between
//! the agencies run by signed messages (`/agency/messages`).

use super::ApiError;
use super::openapi::SessionRefusals;
use crate::AppState;
use crate::guard::{AsOfficer, AsWorker};
use axum::extract::FromRequestParts;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_store::{MonthsByRegion, TransferRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest request body, bytes.
pub const MAX_TRANSFER_REQUEST_BYTES: usize = 1024;

/// A worker's application to move their insurance here.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferApplication {
    /// The region the worker's insurance is in now (a peer agency), e.g. `zj`.
    #[schema(example = "zj", min_length = 2, max_length = 8, pattern = r"\S")]
    pub from: String,
    /// The worker's own resident ID number: the sending agency finds the account by it. It must
    /// be the number the caller is registered with here.
    #[schema(example = "11010519491231002X", min_length = 18, max_length = 18, pattern = r"\S")]
    pub id_number: String,
}

/// A worker's transfers and months counted by region.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTransfers {
    /// Newest first.
    pub transfers: Vec<TransferRecord>,
    pub counted: MonthsByRegion,
}

/// A worker's own transfers, with each step's statutory deadline, and months by region
#[utoipa::path(get, path = "/me/transfers", tag = "worker", operation_id = "me_transfers_get", security(("session" = [])),
    responses((status = 200, description = "only the caller's own data", body = MyTransfers), SessionRefusals))]
pub async fn me_transfers(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = super::people::store(&s)?;
    let transfers = store.worker_transfers(worker).await?;
    let counted = store.months_by_region(worker).await?;
    Ok(super::json(&MyTransfers { transfers, counted }))
}

/// Apply to move one's insurance here from another region (idempotent while one is open)
///
/// JSON `{"from": "zj", "id_number": "..."}`. The caller must be registered here under that ID
/// number and the region must be a peer agency. While a transfer of the caller is open, the
/// same request answers that transfer (200); a new one is 201.
#[utoipa::path(post, path = "/me/transfers", tag = "worker", operation_id = "me_transfers_post", security(("session" = [])),
    request_body(content = TransferApplication, content_type = "application/json"),
    responses(
        (status = 201, description = "applied: the new transfer", body = TransferRecord),
        (status = 200, description = "a transfer of the caller is already under way: that one", body = TransferRecord),
        (status = 400, description = "malformed, unknown_field, missing_field", body = crate::calc::CalcError),
        (status = 404, description = "not_found: the region is not a peer agency", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large", body = crate::calc::CalcError),
        (status = 415, description = "unsupported_media_type: not application/json", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input: not the caller's ID number (field id_number), the caller's own region (from), or the temporary-account rule keeps the insurance in the region left (temporary_account: a man of 50 or more or a woman of 40 or more outside their hukou province; the message explains)", body = crate::calc::CalcError),
        SessionRefusals,
    ))]
pub async fn me_transfers_post(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (s, store, a) = match application(s, req).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let (t, new) = store.request_transfer(s.params(), a.id_number.trim(), a.from.trim()).await?;
    s.agency_wake().notify_one();
    let mut r = super::json(&t);
    if new {
        *r.status_mut() = StatusCode::CREATED;
    }
    Ok(r)
}

/// See what would move before applying: the region left answers at once (nothing is stored)
///
/// The same body as the application. This agency asks the sending one in a signed question and
/// checks its signed answer: the months, the pooling-fund transfer (article 4), the personal
/// account with interest to this month, and how they were found in Chinese and English; or,
/// in `refusal`, why the sending agency would refuse now. The transfer itself computes again
/// when it runs.
#[utoipa::path(post, path = "/me/transfers/quote", tag = "worker", operation_id = "me_transfers_quote_post", security(("session" = [])),
    request_body(content = TransferApplication, content_type = "application/json"),
    responses(
        (status = 200, description = "the sending agency's figures, or its refusal", body = flexpension_store::TransferQuote),
        (status = 400, description = "malformed, unknown_field, missing_field", body = crate::calc::CalcError),
        (status = 404, description = "not_found: the region is not a peer agency", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large", body = crate::calc::CalcError),
        (status = 415, description = "unsupported_media_type: not application/json", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input: not the caller's ID number (field id_number), the caller's own region (from), or the temporary-account rule keeps the insurance in the region left (temporary_account: a man of 50 or more or a woman of 40 or more outside their hukou province; the message explains)", body = crate::calc::CalcError),
        (status = 503, description = "peer_unavailable: the sending agency did not answer in 5 s (or 8 quotes are already asked); apply anyway or ask again", body = crate::calc::CalcError),
        SessionRefusals,
    ))]
pub async fn me_transfers_quote(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (s, store, a) = match application(s, req).await? {
        Ok(x) => x,
        Err(denied) => return Ok(denied),
    };
    let from = a.from.trim();
    let q = store.quote_request(s.params(), a.id_number.trim(), from).await?;
    match crate::web::transfer::ask(&s, &store, from, &q).await {
        Some(answer) => Ok(super::json(&answer)),
        None => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "peer_unavailable",
            "the sending agency did not answer: ask again later",
            "from",
        )),
    }
}

/// An application's body read and checked (JSON, at most 1 KiB; the caller a worker applying
/// with their own ID number): the store and the body, or the session's refusal to answer.
async fn application(
    s: AppState,
    req: Request,
) -> Result<Result<(AppState, flexpension_store::Store, TransferApplication), Response>, ApiError> {
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if kind.split(';').next().unwrap_or("").trim() != "application/json" {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send application/json", "content-type"));
    }
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_TRANSFER_REQUEST_BYTES).await.map_err(|_| {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("at most {MAX_TRANSFER_REQUEST_BYTES} bytes"), "body")
    })?;
    // The body's shape first (a stranger learns only the fields), then who is asking.
    let a: TransferApplication = super::input::from_json(&bytes)?;
    let worker = match AsWorker::from_request_parts(&mut parts, &s).await {
        Ok(AsWorker(_, w)) => w,
        Err(denied) => return Ok(Err(denied.into_response())),
    };
    let store = super::people::store(&s)?.clone();
    let not_yours = || {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "this is not the ID number you are registered with", "id_number")
    };
    match store.find_worker(a.id_number.trim()).await {
        Ok(Some(w)) if w.id == worker => {}
        Ok(_) | Err(flexpension_store::StoreError::Invalid { .. }) => return Err(not_yours()),
        Err(e) => return Err(e.into()),
    }
    Ok(Ok((s, store, a)))
}

/// The officers' queue: the transfers in and out of this region, open ones first (at most 500),
/// overdue (past the statutory deadline of their step) before the rest, then the latest 100
/// ended; refusals with their reason
#[utoipa::path(get, path = "/officer/transfers", tag = "officer", operation_id = "officer_transfers_get", security(("session" = [])),
    responses((status = 200, description = "the region's transfers", body = Vec<TransferRecord>), SessionRefusals))]
pub async fn officer_transfers(State(s): State<AppState>, AsOfficer(_, _region): AsOfficer) -> Result<Response, ApiError> {
    let store = super::people::store(&s)?;
    Ok(super::json(&store.transfer_queue().await?))
}
