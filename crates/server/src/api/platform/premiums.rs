//! `GET /api/v1/platform/premiums?month=YYYY-MM`: the per-order injury premiums a platform's
//! accepted orders accrued in a month (China time), by order type. API key only: a read
//! changes nothing, so it needs no signature.

use super::ApiError;
use super::auth::authenticate;
use crate::AppState;
use crate::api::input::from_form;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::YearMonth;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    month: String,
}

#[derive(Debug, Serialize)]
pub struct PremiumsAnswer {
    pub platform_id: i64,
    pub month: YearMonth,
    /// Accepted orders that month.
    pub orders: i64,
    /// Their premiums, fen.
    pub premium_fen: i64,
    pub by_order_type: Vec<PremiumLine>,
}

#[derive(Debug, Serialize)]
pub struct PremiumLine {
    pub order_type: &'static str,
    pub orders: i64,
    pub premium_fen: i64,
}

pub async fn get(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    handle(s, req).await.map_err(super::scrubbed)
}

async fn handle(s: AppState, req: Request) -> Result<Response, ApiError> {
    let store = super::store(&s)?;
    let caller = authenticate(store, req.headers()).await?;
    let q: Query = from_form(req.uri().query().unwrap_or("").as_bytes())?;
    let month: YearMonth = q
        .month
        .parse()
        .map_err(|e: flexpension_rules::time::BadMonth| ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", e.to_string(), "month"))?;
    let totals = store.injury_premiums(caller.platform.id, month).await.map_err(|e| super::unavailable("reading premiums", &e))?;
    let by_order_type: Vec<PremiumLine> =
        totals.iter().map(|t| PremiumLine { order_type: t.order_type.as_str(), orders: t.orders, premium_fen: t.premium_fen }).collect();
    let answer = PremiumsAnswer {
        platform_id: caller.platform.id.0,
        month,
        orders: by_order_type.iter().map(|l| l.orders).sum(),
        premium_fen: by_order_type.iter().map(|l| l.premium_fen).sum(),
        by_order_type,
    };
    Ok(crate::api::json(&answer))
}
