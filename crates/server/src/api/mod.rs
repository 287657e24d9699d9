//! The JSON API under `/api/v1`: the calculators of [`crate::calc`], each by GET (query string)
//! and POST (JSON body); the platform API (earnings in, premiums out) and the people's views when
//! the server has a store; the OpenAPI document; JSON 404/405.
//!
//! Every route is registered in [`router`] through `utoipa-axum`, from the handler's own
//! `#[utoipa::path]`: the document and the router are built from one list, and
//! `tests/openapi.rs` checks that the server serves nothing under `/api/v1` that the document
//! does not describe.

pub(crate) mod agency;
mod calculators;
pub(crate) mod credit;
mod error;
pub(crate) mod input;
pub mod openapi;
pub(crate) mod payments;
pub(crate) mod people;
pub(crate) mod platform;
pub(crate) mod transfers;

pub use error::ApiError;
pub use platform::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};

use crate::AppState;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// `/healthz` and everything under `/api/v1`, with the OpenAPI document that describes them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(crate::ops::readyz))
        .nest("/api/v1", v1())
}

/// Routes relative to `/api/v1`.
fn v1() -> OpenApiRouter<AppState> {
    use calculators as c;
    OpenApiRouter::default()
        .routes(json_405(routes!(c::contribution_get, c::contribution_post)))
        .routes(json_405(routes!(c::retirement_get, c::retirement_post)))
        .routes(json_405(routes!(c::pension_get, c::pension_post)))
        .routes(json_405(routes!(c::workdays_get, c::workdays_post)))
        .routes(json_405(routes!(c::injury_get, c::injury_post)))
        .routes(json_405(routes!(c::id_check_get, c::id_check_post)).map(private))
        .routes(json_405(routes!(c::estimate_get, c::estimate_post)))
        .routes(json_405(routes!(c::residents_get, c::residents_post)))
        .routes(json_405(routes!(c::transfer_funds_get, c::transfer_funds_post)))
        .routes(json_405(routes!(c::benefit_place_get, c::benefit_place_post)))
        .routes(json_405(routes!(c::temporary_account_get, c::temporary_account_post)))
        .routes(json_405(routes!(c::transfer_deadlines_get, c::transfer_deadlines_post)))
        .merge(platform::routes())
        .routes(json_405(routes!(people::me_months)).map(private))
        .routes(json_405(routes!(people::me_account)).map(private))
        .routes(json_405(routes!(people::me_enrolments)).map(private))
        .routes(json_405(routes!(people::officer_workers)).map(private))
        .routes(json_405(routes!(payments::officer_payments)).map(private))
        .routes(json_405(routes!(credit::credit_get)))
        .routes(json_405(routes!(agency::agency_messages)).map(private))
        .routes(json_405(routes!(agency::agency_quote)).map(private))
        .routes(json_405(routes!(transfers::me_transfers, transfers::me_transfers_post)).map(private))
        .routes(json_405(routes!(transfers::me_transfers_quote)).map(private))
        .routes(json_405(routes!(transfers::officer_transfers)).map(private))
        .merge(crate::evidence::api_routes())
        .routes(routes!(openapi::openapi_json))
}

/// Liveness: 200 `ok` while the server runs
#[utoipa::path(get, path = "/healthz", tag = "operations", operation_id = "healthz",
    responses((status = 200, description = "ok", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

/// Other methods on the path get a JSON 405.
fn json_405(r: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    r.map(|m| m.fallback(method_not_allowed))
}

/// Serialize into a buffer sized for a typical answer (5-7 KB with the explanation), so the
/// body is not grown and copied several times on the hot path.
fn json<T: Serialize>(v: &T) -> Response {
    let mut buf = Vec::with_capacity(8 * 1024);
    match serde_json::to_writer(&mut buf, v) {
        Ok(()) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], buf).into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the answer could not be written: {e}"), "")
            .into_response(),
    }
}

/// Responses that may echo personal data must not be kept by any cache.
fn private(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    r.layer(axum::middleware::map_response(|mut res: Response| async move {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not supported here: use GET or POST"), "")
}

/// Any other path under `/api`.
pub async fn not_found(uri: Uri) -> Response {
    ApiError::not_found(uri.path()).into_response()
}
