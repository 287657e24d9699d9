//! `GET /api/v1/platform/workers?month=YYYY-MM[&grid=CODE]`: the calling platform's workers with
//! their month income and order counts from this platform only, month totals, and the injury
//! premiums the platform accrued that month. API key only; resident IDs masked.

use super::ApiError;
use crate::AppState;
use crate::api::openapi::KeyRefusals;
use crate::api::people::{Listing, listing, month_of};
use axum::extract::{Request, State};
use axum::response::Response;
use flexpension_store::people::IncomeFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Query {
    /// `YYYY-MM`, China time.
    #[param(example = "2025-09", min_length = 1, pattern = r"\S")]
    month: String,
    /// A grid code: only workers whose home grid it is.
    #[param(example = "g1")]
    grid: Option<String>,
}

/// The platform's own listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformListing {
    pub platform_id: i64,
    #[serde(flatten)]
    pub listing: Listing,
    /// Injury premiums accrued this month, fen (all grids).
    pub premium_fen: i64,
}

/// The calling platform's workers with their month income and orders from this platform
///
/// Resident IDs masked; with the totals and the month's injury premiums. Filters: month, grid.
#[utoipa::path(get, path = "/platform/workers", tag = "platform", operation_id = "platform_workers_get",
    security(("bearer" = []), ("api_key" = [])), params(Query),
    responses((status = 200, description = "only the caller's own data", body = PlatformListing), KeyRefusals))]
pub async fn get(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (store, caller, q): (_, _, Query) = super::read(&s, req.headers(), req.uri().query()).await?;
    let grid = q.grid.as_deref().map(str::trim).filter(|g| !g.is_empty()).map(str::to_string);
    let f = IncomeFilter { month: month_of(&q.month)?, platform: Some(caller.platform.id), region: None, grid };
    let listing = listing(store, &f).await?;
    let premiums = store.injury_premiums(caller.platform.id, f.month).await?;
    let answer = PlatformListing { platform_id: caller.platform.id.0, listing, premium_fen: premiums.iter().map(|p| p.premium_fen).sum() };
    Ok(crate::api::json(&answer))
}
