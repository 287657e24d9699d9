//! `POST /api/v1/officer/payments`: an officer books a payment file (a bank's or platform's
//! remittance file) as `text/csv`, the same format and rules as `flexpension pay --file`
//! (docs/JOURNAL.md). Requiring `text/csv` keeps a cross-site form from posting it with the
//! session cookie (and the cookie is SameSite=Lax).

use super::ApiError;
use super::openapi::SessionRefusals;
use super::platform::RowProblem;
use crate::AppState;
use crate::calc::CalcError;
use crate::guard::AsOfficer;
use crate::privacy::scrub_ids;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use flexpension_store::{PaymentFileReport, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

/// Rows one request may carry.
pub const MAX_PAYMENT_ROWS: usize = 100_000;
/// Bytes one request may carry (100,000 rows of ~70 bytes fit well inside).
pub const MAX_PAYMENT_BYTES: usize = 16 << 20;

/// What a payment file did. Each refused row is listed by line and field; nothing of it was
/// written.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentAnswer {
    /// Rows read (the header not counted).
    pub rows: u64,
    /// Payments booked now.
    pub accepted: u64,
    /// Payments already recorded with the same reference and amount: nothing written.
    pub duplicate: u64,
    /// Rows refused: nothing written for them.
    pub rejected: u64,
    /// The money booked now, fen.
    pub amount_fen: i64,
    /// Months paid in full by the payments booked now.
    pub months_credited: u64,
    /// The refused rows, in line order (at most 1,000).
    pub errors: Vec<RowProblem>,
    /// Refused rows beyond those listed.
    pub errors_left_out: u64,
}

impl From<PaymentFileReport> for PaymentAnswer {
    fn from(r: PaymentFileReport) -> PaymentAnswer {
        PaymentAnswer {
            rows: r.rows,
            accepted: r.accepted,
            duplicate: r.duplicate,
            rejected: r.rejected,
            amount_fen: r.amount_fen,
            months_credited: r.months_credited,
            errors: r
                .errors
                .into_iter()
                .map(|e| RowProblem { line: e.line, field: e.field, code: e.code, reason: scrub_ids(&e.reason).into_owned() })
                .collect(),
            errors_left_out: r.errors_left_out,
        }
    }
}

/// Book a payment file (idempotent per reference)
///
/// `text/csv` with the header `reference,id_number,amount_yuan,month,payer`: one payment a row,
/// `month` the month the money was received (`YYYY-MM`), `payer` `self` or `platform:ID`. Each
/// accepted row is booked as a single payment is (oldest unpaid month first); a row with the
/// same worker, payer and reference as one recorded is a duplicate and writes nothing, so a
/// retried file never counts twice. Bad rows are refused by line and field (200 all the same).
/// At most 100,000 rows and 16 MiB per request (413 beyond).
#[utoipa::path(post, path = "/officer/payments", tag = "officer", operation_id = "officer_payments_post", security(("session" = [])),
    request_body(content(
        (String = "text/csv", example = "reference,id_number,amount_yuan,month,payer\nBANK-0001,11010519491231002X,358.99,2025-10,self\n"),
    )),
    responses(
        (status = 200, description = "the file was processed (bad rows are listed in errors)", body = PaymentAnswer),
        (status = 400, description = "malformed: an empty body, a header without the columns", body = CalcError),
        (status = 413, description = "payload_too_large: more than 100,000 rows or 16 MiB", body = CalcError),
        (status = 415, description = "unsupported_media_type: not text/csv", body = CalcError),
        SessionRefusals))]
pub async fn officer_payments(State(s): State<AppState>, AsOfficer(_, region): AsOfficer, req: Request) -> Result<Response, ApiError> {
    let store = super::people::store(&s)?.clone();
    let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if kind.split(';').next().unwrap_or("").trim() != "text/csv" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send text/csv with the header reference,id_number,amount_yuan,month,payer",
            "content-type",
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a payment file may carry at most {MAX_PAYMENT_BYTES} bytes and {MAX_PAYMENT_ROWS} rows: split it"),
            "body",
        )
    };
    let body: Body = req.into_body();
    let bytes = axum::body::to_bytes(body, MAX_PAYMENT_BYTES).await.map_err(|_| too_large())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "malformed", "the body is empty: send the CSV header and rows", "body"));
    }
    let report = store.pay_file(std::io::Cursor::new(bytes), MAX_PAYMENT_ROWS, Some(&region)).await.map_err(|e| match e {
        StoreError::Invalid { field: "rows", .. } => too_large(),
        StoreError::Invalid { field, .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed", scrub_ids(&e.to_string()).into_owned(), field)
        }
        e => ApiError::from(e),
    })?;
    tracing::info!(
        rows = report.rows,
        accepted = report.accepted,
        duplicate = report.duplicate,
        rejected = report.rejected,
        "payment file booked"
    );
    crate::ops::metrics::payments(report.accepted, report.duplicate, report.rejected);
    Ok(super::json(&PaymentAnswer::from(report)))
}
