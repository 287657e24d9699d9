//! `POST /api/v1/platform/occasional-income`: a platform declares a year's occasional income
//! (偶然所得) of one of its workers, which opens room in the worker's pension savings account
//! (个人养老储蓄账户, the paper's 5.2). Signed like every platform write; idempotent on the
//! platform's reference. A platform declares only for workers it has reported earnings for;
//! the answer carries nothing of the worker's account (balance, deposits, their own figure).

use super::ApiError;
use super::auth::{authenticate, check_signature};
use crate::AppState;
use crate::calc::NumText;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest declaration body a platform may send.
pub const MAX_DECLARATION_BYTES: usize = 4 * 1024;

/// A declaration of occasional income.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccasionalBody {
    /// The worker's resident ID (GB 11643), as on the earnings API. Answers show it masked.
    #[schema(example = "11010519491231002X", min_length = 1, pattern = r"\S")]
    pub id_number: String,
    /// The year the income was earned: not after this year.
    #[schema(example = 2026, minimum = 2000, maximum = 2100)]
    pub year: i64,
    /// Yuan, 0 or more, at most 2 decimals: replaces this platform's earlier figure for the year.
    #[schema(example = "5000.00")]
    pub occasional_yuan: NumText,
    /// The platform's own reference: the same reference again is the same declaration.
    #[schema(example = "OCC-2026-0001", min_length = 1, max_length = 64, pattern = r"\S")]
    pub reference: String,
}

/// What was recorded. Nothing of the worker's own account is shown to the platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccasionalAnswer {
    pub platform_id: i64,
    /// The worker's resident ID, masked.
    pub worker: String,
    pub year: i32,
    /// The platform's figure for the year now on record, fen.
    pub occasional_fen: i64,
    pub reference: String,
    /// This reference was already recorded with the same data: nothing was written.
    pub duplicate: bool,
}

fn invalid(field: &str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", format!("{field}: {message}"), field)
}

fn not_yours() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no worker of yours has this ID number: declare only for workers whose earnings you have reported",
        "id_number",
    )
}

/// Declare a worker's occasional income for a year (signed; idempotent per reference)
///
/// Signed like every platform write (timestamp and HMAC of timestamp + "." + body). The figure
/// replaces the platform's earlier one for that worker and year and, with the worker's own
/// declaration, sets how much the worker may deposit into the pension savings account that
/// year. The same reference with the same data again changes nothing (`duplicate`); with other
/// data it is refused (409 `exists`). Only for workers the platform has reported earnings for:
/// any other ID number is not found.
#[utoipa::path(post, path = "/platform/occasional-income", tag = "platform", operation_id = "platform_occasional_income_post",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("X-Flexpension-Timestamp" = String, Header, description = "Unix time in seconds when the request was signed", example = "1767225600"),
        ("X-Flexpension-Signature" = String, Header, description = "v1= and the hex HMAC-SHA256 of timestamp + \".\" + body, keyed with the API key",
            example = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ),
    request_body(content = OccasionalBody, content_type = "application/json"),
    responses(
        (status = 200, description = "recorded, or recorded before (duplicate)", body = OccasionalAnswer),
        (status = 400, description = "malformed: not the JSON body described", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated, bad_api_key, missing_signature, bad_signature or stale_timestamp", body = crate::calc::CalcError),
        (status = 404, description = "not_found: no worker the caller has reported earnings for has this ID number", body = crate::calc::CalcError),
        (status = 409, description = "replayed (this very signed request was used) or exists (the reference with other data)", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large: more than 4 KiB", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input naming the field: id_number, year, occasional_yuan (or occasional_fen: below what the worker already deposited from that year) or reference", body = crate::calc::CalcError),
        (status = 503, description = "no_store or store_unavailable", body = crate::calc::CalcError),
    ))]
pub async fn post(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    handle(s, req).await.map_err(super::scrubbed)
}

async fn handle(s: AppState, req: Request) -> Result<Response, ApiError> {
    let store = super::store(&s)?.clone();
    let (parts, body) = req.into_parts();
    let caller = authenticate(&store, &parts.headers).await?;
    let body = axum::body::to_bytes(body, MAX_DECLARATION_BYTES).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a declaration may carry at most {MAX_DECLARATION_BYTES} bytes"),
            "body",
        )
    })?;
    let nonce = check_signature(&parts.headers, &caller.key, &body, s.now())?;
    let d: OccasionalBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("the body is not {{\"id_number\": \"...\", \"year\": N, \"occasional_yuan\": \"...\", \"reference\": \"...\"}}: {e}"),
            "body",
        )
    })?;
    let year = i32::try_from(d.year)
        .ok()
        .filter(|y| flexpension_store::FUND_YEARS.contains(y))
        .ok_or_else(|| invalid("year", "must be 2000 to 2100".into()))?;
    let amount = flexpension_rules::money::parse_yuan_nonneg(&d.occasional_yuan.text())
        .map_err(|e| invalid("occasional_yuan", format!("{e} (yuan, up to 2 decimals)")))?;
    let worker = store.find_worker(&d.id_number).await?.ok_or_else(not_yours)?;
    if !store.remember_nonce(caller.platform.id, &nonce, s.now()).await? {
        return Err(StoreError::NonceReused.into());
    }
    let st = match store.declare_occasional_by_platform(s.params(), caller.platform.id, worker.id, year, amount, &d.reference).await {
        Err(StoreError::NotFound { .. }) => return Err(not_yours()),
        r => r?,
    };
    let answer = OccasionalAnswer {
        platform_id: caller.platform.id.0,
        worker: worker.id_masked,
        year: st.year,
        occasional_fen: amount,
        reference: d.reference,
        duplicate: st.duplicate,
    };
    Ok(crate::api::json(&answer))
}
