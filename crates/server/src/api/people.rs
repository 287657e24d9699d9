//! The JSON views of people who log in: `/me/*` (a worker, session cookie), `/officer/*` (an
//! officer, session cookie). A platform's own listing is `/platform/workers` (API key), in
//! [`super::platform`]. Who may call what is decided by [`crate::guard`].

use super::ApiError;
use super::openapi::SessionRefusals;
use crate::AppState;
use crate::calc::CalcError;
use crate::guard::{AsOfficer, AsWorker};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::YearMonth;
use flexpension_store::people::{IncomeFilter, IncomeRow, IncomeTotals};
use flexpension_store::{MonthIncome, PlatformId, PlatformIncome, StatementMonth, Store, WorkerId, WorkerStatement};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

#[derive(Debug, Serialize, ToSchema)]
pub struct MyMonths {
    pub worker_id: i64,
    /// Newest first, at most 24.
    pub months: Vec<MyMonth>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyMonth {
    /// `YYYY-MM`.
    #[schema(value_type = String)]
    pub month: YearMonth,
    pub income_fen: i64,
    pub orders: i64,
    pub by_platform: Vec<PlatformIncome>,
    /// `closed` once the month close has written the contribution, else `not_closed` (and
    /// `closed` is absent: those figures are never guessed).
    #[schema(example = "closed")]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<StatementMonth>,
}

/// A worker's statement off the journal, with the lapse threshold in force this month.
pub async fn my_statement(s: &AppState, store: &Store, worker: WorkerId) -> Result<WorkerStatement, ApiError> {
    let lapse = flexpension_ledger::lapse_after_months(s.params(), s.this_month())
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_parameter", e.to_string(), ""))?;
    store.worker_statement(worker, lapse).await.map_err(ApiError::from)
}

/// A worker's own months, newest first (at most 24)
///
/// Income by platform, and once closed the base, rate, contribution, subsidy, paid and due
/// (`status` closed / not_closed).
#[utoipa::path(get, path = "/me/months", tag = "worker", operation_id = "me_months_get", security(("session" = [])),
    responses((status = 200, description = "only the caller's own data", body = MyMonths), SessionRefusals))]
pub async fn me_months(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let months = my_months(store, worker, 24).await?;
    let statement = my_statement(&s, store, worker).await?;
    let months = months
        .into_iter()
        .map(|m| MyMonth {
            month: m.month,
            income_fen: m.income_fen,
            orders: m.orders,
            by_platform: m.by_platform,
            closed: statement.months.iter().find(|c| c.month == m.month).copied(),
            status: if statement.months.iter().any(|c| c.month == m.month) { "closed" } else { "not_closed" },
        })
        .collect();
    Ok(super::json(&MyMonths { worker_id: worker.0, months }))
}

/// A worker's own account: personal-account balance, months paid, years counted, arrears, standing
#[utoipa::path(get, path = "/me/account", tag = "worker", operation_id = "me_account_get", security(("session" = [])),
    responses((status = 200, description = "only the caller's own data", body = MyAccount), SessionRefusals))]
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

#[derive(Debug, Serialize, ToSchema)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct MyEnrolments {
    pub worker_id: i64,
    pub enrolments: Vec<EnrolmentLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentLine {
    pub scheme: &'static str,
    /// First month covered, `YYYY-MM`.
    #[schema(value_type = String)]
    pub from: YearMonth,
    /// Last month covered; absent: open.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub to: Option<YearMonth>,
    pub basis: &'static str,
}

/// A worker's own enrolments: insurance type, months, basis
#[utoipa::path(get, path = "/me/enrolments", tag = "worker", operation_id = "me_enrolments_get", security(("session" = [])),
    responses((status = 200, description = "only the caller's own data", body = MyEnrolments), SessionRefusals))]
pub async fn me_enrolments(State(s): State<AppState>, AsWorker(_, worker): AsWorker) -> Result<Response, ApiError> {
    let store = store(&s)?;
    let list = store.enrolments(worker).await?;
    let enrolments =
        list.into_iter().map(|e| EnrolmentLine { scheme: e.scheme.as_str(), from: e.from, to: e.to, basis: e.basis.as_str() }).collect();
    Ok(super::json(&MyEnrolments { worker_id: worker.0, enrolments }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    /// `YYYY-MM`, China time.
    #[param(example = "2025-09", min_length = 1, pattern = r"\S")]
    pub month: String,
    /// A grid code: only workers whose home grid it is.
    #[param(example = "g1")]
    pub grid: Option<String>,
    /// A platform number.
    #[param(example = 1)]
    pub platform: Option<i64>,
}

/// A month's income per worker and platform in the caller's scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Listing {
    /// `YYYY-MM`.
    #[schema(value_type = String)]
    pub month: YearMonth,
    pub rows: Vec<ListingRow>,
    /// Over every selected row, also those past the row limit.
    pub totals: IncomeTotals,
    /// True when more rows were selected than returned.
    pub truncated: bool,
}

#[derive(Debug, Serialize, ToSchema)]
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
    let (rows, totals) = store.income_rows(f, MAX_ROWS).await?;
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

#[derive(Debug, Serialize, ToSchema)]
pub struct OfficerListing {
    pub region: String,
    #[serde(flatten)]
    pub listing: Listing,
    /// The sum of every journal posting: 0 when the books balance.
    pub trial_balance_fen: i64,
}

/// An officer's region: a month's income per worker and platform
///
/// Resident IDs masked; with the totals and the journal's trial balance. Filters: month, grid,
/// platform.
#[utoipa::path(get, path = "/officer/workers", tag = "officer", operation_id = "officer_workers_get", security(("session" = [])),
    params(ListingQuery),
    responses(
        (status = 200, description = "only the caller's region", body = OfficerListing),
        (status = 400, description = "missing_field, unknown_field or invalid_input (the month)", body = CalcError),
        SessionRefusals))]
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
    let trial_balance_fen = store.trial_balance().await?;
    Ok(super::json(&OfficerListing { region, listing, trial_balance_fen }))
}
