//! `GET /api/v1/credit`: the platforms' credit ratings of the latest month rated, public (no
//! worker is named: counts only), the same figures as the `/credit` page.

use super::ApiError;
use super::people::store;
use crate::AppState;
use crate::calc::CalcError;
use axum::extract::State;
use axum::response::Response;
use flexpension_store::PlatformRating;
use serde::Serialize;
use utoipa::ToSchema;

/// The ratings of the latest month rated: platforms on the sanctions list first, then by
/// insured share, lowest first. Empty before the first `credit run`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditList {
    pub platforms: Vec<PlatformRating>,
}

/// Platforms' credit ratings (信用评价)
///
/// Each platform's active workers (a month's income from it at least the monitoring threshold),
/// how many had a basic pension, the share, the grade and whether it is on the sanctions list
/// (under the floor for years in a row). Public: counts only.
#[utoipa::path(get, path = "/credit", tag = "public", operation_id = "credit_get",
    responses((status = 200, description = "the latest ratings", body = CreditList),
        (status = 503, description = "the server runs without a data store", body = CalcError)))]
pub async fn credit_get(State(s): State<AppState>) -> Result<Response, ApiError> {
    let platforms = store(&s)?.credit_ratings().await?;
    Ok(super::json(&CreditList { platforms }))
}
