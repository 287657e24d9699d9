//! The JSON views of people who log in: `/me/*` (a worker, session cookie), `/officer/*` (an
//! officer, session cookie). A platform's own listing is `/platform/workers` (API key), in
//! [`super::platform`]. Who may call what is decided by [`crate::guard`].

use super::ApiError;
use crate::AppState;
use crate::guard::{AsOfficer, AsWorker};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::YearMonth;
use flexpension_store::people::{IncomeFilter, IncomeRow, IncomeTotals};
use flexpension_store::{MonthIncome, PlatformId, Store, WorkerId};
use serde::{Deserialize, Serialize};

/// Rows a listing returns at most; `totals` always cover every selected row.
pub const MAX_ROWS: i64 = 500;

/// A worker's latest months with income, newest first.
pub async fn my_months(store: &Store, worker: WorkerId, at_most: usize) -> flexpension_store::Result<Vec<MonthIncome>> {
    let mut out = Vec::new();
    for m in store.worker_income_months(worker).await?.into_iter().take(at_most) {
        out.push(store.worker_month_income(worker, m).await?);
    }
    Ok(out)
}

fn store(s: &AppState) -> Result<&Store, ApiError> {
    s.store().ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_store", "this server runs without a data store", ""))
}

fn failed(e: &flexpension_store::StoreError) -> ApiError {
    tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a view failed to read the store");
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the data store failed; try again", "")
}

#[derive(Debug, Serialize)]
pub struct MyMonths {
    pub worker_id: i64,
    /// Newest first, at most 24.
    pub months: Vec<MyMonth>,
}

#[derive(Debug, Serialize)]
pub struct MyMonth {
    pub month: YearMonth,
    pub income_fen: i64,
    pub orders: i64,
    pub by_platform: Vec<PlatformLine>,
    /// `not_closed` until the month close has written the contribution (base, rate,
    /// contribution, subsidy, paid, due); those figures are never guessed.
    pub status: &'static str,
}

#[derive(Debug, Serialize)]
pub struct PlatformLine {
    pub platform_id: i64,
    pub platform_name: String,
    pub income_fen: i64,
    pub orders: i64,
}

pub async fn me_months(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let months = my_months(store, worker, 24).await.map_err(|e| failed(&e))?;
    let months = months
        .into_iter()
        .map(|m| MyMonth {
            month: m.month,
            income_fen: m.income_fen,
            orders: m.orders,
            by_platform: m
                .by_platform
                .into_iter()
                .map(|p| PlatformLine {
                    platform_id: p.platform.0,
                    platform_name: p.platform_name,
                    income_fen: p.income_fen,
                    orders: p.orders,
                })
                .collect(),
            status: "not_closed",
        })
        .collect();
    Ok(super::json(&MyMonths { worker_id: worker.0, months }))
}

#[derive(Debug, Serialize)]
pub struct MyEnrolments {
    pub worker_id: i64,
    pub enrolments: Vec<EnrolmentLine>,
}

#[derive(Debug, Serialize)]
pub struct EnrolmentLine {
    pub scheme: &'static str,
    pub from: YearMonth,
    /// Last month covered; absent: open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<YearMonth>,
    pub basis: &'static str,
}

pub async fn me_enrolments(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let list = store.enrolments(worker).await.map_err(|e| failed(&e))?;
    let enrolments =
        list.into_iter().map(|e| EnrolmentLine { scheme: e.scheme.as_str(), from: e.from, to: e.to, basis: e.basis.as_str() }).collect();
    Ok(super::json(&MyEnrolments { worker_id: worker.0, enrolments }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    pub month: String,
    pub grid: Option<String>,
    pub platform: Option<i64>,
}

/// A month's income per worker and platform in the caller's scope.
#[derive(Debug, Serialize)]
pub struct Listing {
    pub month: YearMonth,
    pub rows: Vec<ListingRow>,
    /// Over every selected row, also those past the row limit.
    pub totals: IncomeTotals,
    /// True when more rows were selected than returned.
    pub truncated: bool,
}

#[derive(Debug, Serialize)]
pub struct ListingRow {
    pub worker_id: i64,
    /// The resident ID masked ("3301**********123X"); never in clear.
    pub id_masked: String,
    pub name: String,
    pub grid: String,
    pub platform_id: i64,
    pub platform_name: String,
    pub income_fen: i64,
    pub orders: i64,
}

pub fn month_of(text: &str) -> Result<YearMonth, ApiError> {
    text.trim()
        .parse()
        .map_err(|e: flexpension_rules::time::BadMonth| ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", e.to_string(), "month"))
}

pub async fn listing(store: &Store, f: &IncomeFilter) -> Result<Listing, ApiError> {
    let (rows, totals) = store.income_rows(f, MAX_ROWS).await.map_err(|e| failed(&e))?;
    let truncated = rows.len() as i64 >= MAX_ROWS;
    let rows = rows
        .into_iter()
        .map(|r: IncomeRow| ListingRow {
            worker_id: r.worker.0,
            id_masked: r.id_masked,
            name: r.name,
            grid: r.grid,
            platform_id: r.platform.0,
            platform_name: r.platform_name,
            income_fen: r.income_fen,
            orders: r.orders,
        })
        .collect();
    Ok(Listing { month: f.month, rows, totals, truncated })
}

#[derive(Debug, Serialize)]
pub struct OfficerListing {
    pub region: String,
    #[serde(flatten)]
    pub listing: Listing,
    /// The ledger's trial balance; `null` until the journal is in the store.
    pub trial_balance: Option<()>,
}

pub async fn officer_workers(
    State(s): State<AppState>,
    AsOfficer(_, region): AsOfficer,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let q: ListingQuery = super::input::from_form(q.as_deref().unwrap_or("").as_bytes())?;
    let month = month_of(&q.month)?;
    let grid = q.grid.as_deref().map(str::trim).filter(|g| !g.is_empty()).map(str::to_string);
    let f = IncomeFilter { month, platform: q.platform.map(PlatformId), region: Some(region.clone()), grid };
    let listing = listing(store, &f).await?;
    Ok(super::json(&OfficerListing { region, listing, trial_balance: None }))
}
