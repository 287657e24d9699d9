//! The platform API: a platform posts its settled orders (`POST /platform/earnings`, API key and
//! HMAC signature) and reads what it owes (`GET /platform/premiums`, API key); it reads the
//! complaints against it and answers them (`/platform/complaints`, the answer signed); it pulls the
//! outreach notices due to its workers and reports their delivery (`/platform/notices`, reports
//! signed); it declares its workers' occasional income for their pension savings account
//! (`/platform/occasional-income`, signed). Answers never
//! carry a resident ID in clear, and neither do log lines. (Its proof bundles are in
//! [`crate::evidence`].)

pub(crate) mod auth;
mod bill;
mod complaints;
mod earnings;
mod notices;
mod occasional;
mod premiums;
mod workers;

use super::error::ApiError;
use crate::AppState;
use crate::privacy::scrub_ids;
use axum::http::{HeaderMap, Method, StatusCode};
use flexpension_store::Store;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub(crate) use earnings::RowProblem;
pub use earnings::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};

/// Routes relative to `/api/v1`.
pub fn routes() -> OpenApiRouter<AppState> {
    let only = |r: utoipa_axum::router::UtoipaMethodRouter<AppState>| r.map(|m| super::private(m.fallback(method_not_allowed)));
    OpenApiRouter::default()
        .routes(only(routes!(earnings::post)))
        .routes(only(routes!(premiums::get)))
        .routes(only(routes!(workers::get)))
        .routes(only(routes!(complaints::get)))
        .routes(only(routes!(complaints::respond)))
        .routes(only(routes!(notices::get)))
        .routes(only(routes!(notices::reports)))
        .routes(only(routes!(bill::bill)))
        .routes(only(routes!(bill::pay)))
        .routes(only(routes!(bill::statement)))
        .routes(only(routes!(occasional::post)))
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

/// A platform's read: the store, the caller its API key names and the query. The scope is the
/// key's platform: no platform id is read from the request.
async fn read<'s, Q: serde::de::DeserializeOwned>(
    s: &'s AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(&'s Store, auth::Caller, Q), ApiError> {
    let store = store(s)?;
    let caller = auth::authenticate(store, headers).await?;
    let q = crate::api::input::from_form(query.unwrap_or("").as_bytes())?;
    Ok((store, caller, q))
}

/// Errors to a platform quote what it sent; a resident ID among that is masked.
fn scrubbed(mut e: ApiError) -> ApiError {
    e.body.message = scrub_ids(&e.body.message).into_owned();
    e.body.field = scrub_ids(&e.body.field).into_owned();
    e
}
