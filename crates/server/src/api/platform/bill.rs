//! What a platform pays (section 5.4 of the paper): `GET /platform/bill?month=YYYY-MM` (its
//! contract shares, accrued injury premiums and union dues, API key), `POST /platform/payments`
//! (a remittance allocated oldest month first, signed, idempotent on its reference) and
//! `GET /platform/statement?year=YYYY` (the tax statement: the paper's proposal, not law). The
//! bill's answer also says when it falls due and what of the platform's bills is overdue,
//! worked out on read (`flexpension_rules::platform_bill`).

use super::ApiError;
use super::auth::{authenticate, check_signature};
use crate::AppState;
use crate::api::openapi::KeyRefusals;
use crate::api::people::month_of;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::explain::{ParamUse, Text};
use flexpension_rules::fund::TaxStatement;
use flexpension_store::{PlatformBill, Remittance, RevenueBand};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The largest payment body a platform may send.
pub const MAX_PAYMENT_BYTES: usize = 4 * 1024;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct BillQuery {
    /// `YYYY-MM`, China time.
    #[param(example = "2025-09", min_length = 1, pattern = r"\S")]
    month: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct YearQuery {
    #[param(example = 2026, minimum = 2000, maximum = 2100)]
    year: i32,
}

/// A remittance against the bill.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// Fen, more than 0 and at most what the platform owes.
    #[schema(example = 72605, minimum = 1)]
    pub amount_fen: i64,
    /// The platform's own reference: the same reference again is the same payment.
    #[schema(example = "BANK-2025-10-0001", min_length = 1, max_length = 64, pattern = r"\S")]
    pub reference: String,
}

/// A month's bill, when it falls due and the platform's overdue bills (the bill's fields are a
/// contract; these come after them).
#[derive(Debug, Serialize, ToSchema)]
pub struct BillAnswer {
    #[serde(flatten)]
    pub bill: PlatformBill,
    /// The day this month's bill falls due (YYYY-MM-DD, China time): the region's due day of
    /// the following month.
    #[schema(example = "2025-10-15")]
    pub due_on: String,
    /// Something of this month's bill is still unpaid after its due day.
    pub overdue: bool,
    /// Days since the due day while overdue; 0 otherwise.
    pub days_overdue: i64,
    /// What all the platform's overdue months still owe, this one included.
    pub arrears_fen: i64,
    /// Those months, oldest first (YYYY-MM).
    pub arrears_months: Vec<String>,
    /// The due-day parameter, its value and its source.
    pub due_rule: ParamUse,
    /// How the due day and the month's standing were reached, zh and en.
    pub steps: Vec<Text>,
    /// Says when the due day is a design value of this system rather than a rule.
    pub warnings: Vec<Text>,
}

/// The tax statement with its explanation.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementAnswer {
    pub platform_id: i64,
    #[serde(flatten)]
    pub statement: TaxStatement,
    /// How the figures were reached, zh and en.
    pub steps: Vec<Text>,
    /// Always says: the paper's proposal, not yet law.
    pub warnings: Vec<Text>,
}

/// The calling platform's bill for a month
///
/// API key only. Contract shares under its approved collective contract, accrued per-order
/// injury premiums and union dues; what it paid toward them; when the bill falls due (the
/// region's day of the following month) and whether it, or any other month's bill, is unpaid
/// after its due day (arrears).
#[utoipa::path(get, path = "/platform/bill", tag = "platform", operation_id = "platform_bill_get",
    security(("bearer" = []), ("api_key" = [])), params(BillQuery),
    responses(
        (status = 200, description = "the month's bill with its due day and the platform's overdue bills", body = BillAnswer),
        (status = 422, description = "invalid_input: a month the store cannot bill or the parameters give no due day for", body = crate::calc::CalcError),
        KeyRefusals,
    ))]
pub async fn bill(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (store, caller, q): (_, _, BillQuery) = super::read(&s, req.headers(), req.uri().query()).await.map_err(super::scrubbed)?;
    let month = month_of(&q.month)?;
    let bill = store.platform_bill(caller.platform.id, month).await?;
    let no_due =
        |e: flexpension_rules::ParamError| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", e.to_string(), "month");
    let due = s.params().platform_bill_status(s.region(), month, bill.outstanding_fen, s.today()).map_err(no_due)?;
    let arrears = store.platform_arrears(s.params(), s.region(), Some(caller.platform.id), s.today()).await?;
    let (arrears_fen, arrears_months) =
        arrears.first().map_or((0, Vec::new()), |a| (a.arrears_fen, a.months.iter().map(|m| m.month.to_string()).collect()));
    let due_rule = due
        .params
        .first()
        .cloned()
        .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "no due day", "month"))?;
    Ok(crate::api::json(&BillAnswer {
        bill,
        due_on: due.value.due_on.to_string(),
        overdue: due.value.overdue,
        days_overdue: due.value.days_overdue,
        arrears_fen,
        arrears_months,
        due_rule,
        steps: due.steps,
        warnings: due.warnings,
    }))
}

/// The calling platform's tax statement for a year
///
/// API key only. The contributions it paid for flexible workers, the 150% super-deduction,
/// the tax effect at the corporate rate and whether its revenue band qualifies for the
/// immediate refund. The paper's proposal (section 5.2), not yet law.
#[utoipa::path(get, path = "/platform/statement", tag = "platform", operation_id = "platform_statement_get",
    security(("bearer" = []), ("api_key" = [])), params(YearQuery),
    responses(
        (status = 200, description = "the year's statement", body = StatementAnswer),
        (status = 422, description = "invalid_input: a year outside 2000-2100 or one the parameters do not cover", body = crate::calc::CalcError),
        KeyRefusals,
    ))]
pub async fn statement(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (store, caller, q): (_, _, YearQuery) = super::read(&s, req.headers(), req.uri().query()).await.map_err(super::scrubbed)?;
    if !flexpension_store::FUND_YEARS.contains(&q.year) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "year: must be 2000 to 2100", "year"));
    }
    let paid = store.platform_contributions_paid(caller.platform.id, q.year).await?;
    let below = caller.platform.revenue_band == RevenueBand::Below100m;
    let e = flexpension_rules::fund::tax_statement(s.params(), q.year, paid, below)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", e.to_string(), "year"))?;
    Ok(crate::api::json(&StatementAnswer { platform_id: caller.platform.id.0, statement: e.value, steps: e.steps, warnings: e.warnings }))
}

/// Pay the calling platform's bill
///
/// Signed like every platform write. The money is allocated oldest month first (contract
/// shares, then injury premiums, then union dues). The same reference and amount again changes
/// nothing (`duplicate`); the same reference with another amount is refused; more than the
/// platform owes is refused.
#[utoipa::path(post, path = "/platform/payments", tag = "platform", operation_id = "platform_payments_post",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("X-Flexpension-Timestamp" = String, Header, description = "Unix time in seconds when the request was signed", example = "1767225600"),
        ("X-Flexpension-Signature" = String, Header, description = "v1= and the hex HMAC-SHA256 of timestamp + \".\" + body, keyed with the API key",
            example = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ),
    request_body(content = PaymentBody, content_type = "application/json"),
    responses(
        (status = 200, description = "recorded, or recorded before (duplicate)", body = Remittance),
        (status = 400, description = "malformed: not the JSON body described", body = crate::calc::CalcError),
        (status = 401, description = "unauthenticated, bad_api_key, missing_signature, bad_signature or stale_timestamp", body = crate::calc::CalcError),
        (status = 409, description = "replayed (this very signed request was used) or exists (the reference with another amount)", body = crate::calc::CalcError),
        (status = 413, description = "payload_too_large: more than 4 KiB", body = crate::calc::CalcError),
        (status = 422, description = "invalid_input: an amount not above 0 or above what the platform owes, a bad reference", body = crate::calc::CalcError),
        (status = 503, description = "no_store or store_unavailable", body = crate::calc::CalcError),
    ))]
pub async fn pay(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    handle_pay(s, req).await.map_err(super::scrubbed)
}

async fn handle_pay(s: AppState, req: Request) -> Result<Response, ApiError> {
    let store = super::store(&s)?.clone();
    let (parts, body) = req.into_parts();
    let caller = authenticate(&store, &parts.headers).await?;
    let body = axum::body::to_bytes(body, MAX_PAYMENT_BYTES).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a payment may carry at most {MAX_PAYMENT_BYTES} bytes"),
            "body",
        )
    })?;
    let nonce = check_signature(&parts.headers, &caller.key, &body, s.now())?;
    let p: PaymentBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("the body is not {{\"amount_fen\": N, \"reference\": \"...\"}}: {e}"),
            "body",
        )
    })?;
    if !store.remember_nonce(caller.platform.id, &nonce, s.now()).await? {
        return Err(flexpension_store::StoreError::NonceReused.into());
    }
    let r = store.platform_pay(caller.platform.id, p.amount_fen, &p.reference).await?;
    Ok(crate::api::json(&r))
}
