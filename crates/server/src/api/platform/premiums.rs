//! `GET /api/v1/platform/premiums?month=YYYY-MM`: the per-order injury premiums a platform's
//! accepted orders accrued in a month (China time), by order type. API key only: a read
//! changes nothing, so it needs no signature.

use super::ApiError;
use crate::AppState;
use crate::api::openapi::KeyRefusals;
use crate::api::people::month_of;
use axum::extract::{Request, State};
use axum::response::Response;
use flexpension_rules::YearMonth;
use flexpension_rules::injury::OrderType;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Query {
    /// `YYYY-MM`, China time.
    #[param(example = "2025-09", min_length = 1, pattern = r"\S")]
    month: String,
}

/// The per-order injury premiums a platform's accepted orders accrued in a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PremiumsAnswer {
    pub platform_id: i64,
    /// `YYYY-MM`, China time.
    #[schema(value_type = String)]
    pub month: YearMonth,
    /// Accepted orders that month.
    pub orders: i64,
    /// Their premiums, fen.
    pub premium_fen: i64,
    pub by_order_type: Vec<PremiumLine>,
}

/// One order type's premiums in the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct PremiumLine {
    pub order_type: OrderType,
    pub orders: i64,
    pub premium_fen: i64,
}

/// The per-order injury premiums the platform's accepted orders accrued in a month
///
/// API key only (a read needs no signature). By order type, with totals.
#[utoipa::path(get, path = "/platform/premiums", tag = "platform", operation_id = "platform_premiums_get",
    security(("bearer" = []), ("api_key" = [])), params(Query),
    responses((status = 200, description = "the month's premiums", body = PremiumsAnswer), KeyRefusals))]
pub async fn get(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    handle(s, req).await.map_err(super::scrubbed)
}

async fn handle(s: AppState, req: Request) -> Result<Response, ApiError> {
    let (store, caller, q): (_, _, Query) = super::read(&s, req.headers(), req.uri().query()).await?;
    let month = month_of(&q.month)?;
    let totals = store.injury_premiums(caller.platform.id, month).await?;
    let by_order_type: Vec<PremiumLine> =
        totals.iter().map(|t| PremiumLine { order_type: t.order_type, orders: t.orders, premium_fen: t.premium_fen }).collect();
    let answer = PremiumsAnswer {
        platform_id: caller.platform.id.0,
        month,
        orders: by_order_type.iter().map(|l| l.orders).sum(),
        premium_fen: by_order_type.iter().map(|l| l.premium_fen).sum(),
        by_order_type,
    };
    Ok(crate::api::json(&answer))
}
