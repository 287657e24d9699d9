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
use flexpension_store::{MonthIncome, PlatformId, StatementMonth, Store, WorkerId, WorkerStatement};
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

pub(crate) fn store(s: &AppState) -> Result<&Store, ApiError> {
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
    /// `closed` once the month close has written the contribution, else `not_closed` (and
    /// `closed` is absent: those figures are never guessed).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<StatementMonth>,
}

#[derive(Debug, Serialize)]
pub struct PlatformLine {
    pub platform_id: i64,
    pub platform_name: String,
    pub income_fen: i64,
    pub orders: i64,
}

/// A worker's statement off the journal, with the lapse threshold in force this month.
pub async fn my_statement(s: &AppState, store: &Store, worker: WorkerId) -> Result<WorkerStatement, ApiError> {
    let lapse = flexpension_ledger::lapse_after_months(s.params(), s.this_month())
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_parameter", e.to_string(), ""))?;
    store.worker_statement(worker, lapse).await.map_err(|e| failed(&e))
}

pub async fn me_months(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let months = my_months(store, worker, 24).await.map_err(|e| failed(&e))?;
    let statement = my_statement(&s, store, worker).await?;
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
            closed: statement.months.iter().find(|c| c.month == m.month).copied(),
            status: if statement.months.iter().any(|c| c.month == m.month) { "closed" } else { "not_closed" },
        })
        .collect();
    Ok(super::json(&MyMonths { worker_id: worker.0, months }))
}

/// A worker's account: balance, months and years counted, arrears, standing.
pub async fn me_account(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let st = my_statement(&s, store, worker).await?;
    Ok(super::json(&MyAccount {
        worker_id: worker.0,
        closed_months: st.months.len(),
        personal_account_fen: st.personal_account_fen,
        months_paid: st.months_paid,
        years_counted: st.years_counted,
        arrears_fen: st.arrears_fen,
        credit_fen: st.credit_fen,
        standing: st.status,
    }))
}

#[derive(Debug, Serialize)]
pub struct MyAccount {
    pub worker_id: i64,
    /// Months closed so far; 0: nothing settled yet, the figures below are all 0.
    pub closed_months: usize,
    pub personal_account_fen: i64,
    /// Months paid in full: the months that count.
    pub months_paid: u32,
    pub years_counted: u32,
    pub arrears_fen: i64,
    /// Paid ahead, not yet used.
    pub credit_fen: i64,
    /// `uninsured`, `current`, `in_arrears`, `lapsed` (with months, arrears and since).
    pub standing: flexpension_ledger::Status,
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
    month_in("month", text)
}

/// A month (YYYY-MM) given in the query field `field`.
pub fn month_in(field: &str, text: &str) -> Result<YearMonth, ApiError> {
    text.trim()
        .parse()
        .map_err(|e: flexpension_rules::time::BadMonth| ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", e.to_string(), field))
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
    /// The sum of every journal posting: 0 when the books balance.
    pub trial_balance_fen: i64,
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
    let trial_balance_fen = store.trial_balance().await.map_err(|e| failed(&e))?;
    Ok(super::json(&OfficerListing { region, listing, trial_balance_fen }))
}
