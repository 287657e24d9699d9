//! The platform API: a platform posts its settled orders (`POST /platform/earnings`, API key and
//! HMAC signature) and reads what it owes (`GET /platform/premiums`, API key). Answers never
//! carry a resident ID in clear, and neither do log lines.

pub(crate) mod auth;
pub mod doc;
mod earnings;
mod premiums;
mod workers;

use super::error::ApiError;
use crate::AppState;
use crate::privacy::scrub_ids;
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use flexpension_store::{Store, StoreError};

pub use earnings::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};

/// Routes relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/platform/earnings", super::private(post(earnings::post).fallback(method_not_allowed)))
        .route("/platform/premiums", super::private(get(premiums::get).fallback(method_not_allowed)))
        .route("/platform/workers", super::private(get(workers::get).fallback(method_not_allowed)))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not supported here"), "")
}

fn store(s: &AppState) -> Result<&Store, ApiError> {
    s.store().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_store",
            "this server runs without a data store (start it with --db); the platform API is off",
            "",
        )
    })
}

/// Errors to a platform quote what it sent; a resident ID among that is masked.
fn scrubbed(mut e: ApiError) -> ApiError {
    e.body.message = scrub_ids(&e.body.message).into_owned();
    e.body.field = scrub_ids(&e.body.field).into_owned();
    e
}

/// A store failure that is not the request's fault: logged (scrubbed) and answered 503 so the
/// client retries; nothing of the request was written.
fn unavailable(what: &str, e: &StoreError) -> ApiError {
    tracing::error!(error = %scrub_ids(&e.to_string()), "{what}: the data store failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        format!("{what}: the data store failed; nothing was written, send the request again"),
        "",
    )
}
