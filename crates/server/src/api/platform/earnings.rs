//! `POST /api/v1/platform/earnings`: a batch of settled orders, CSV or JSON lines, signed.
//!
//! The batch is one transaction: its good rows are all written or none are, and the request's
//! signature is remembered in that same transaction. So a `replayed` answer to a retry proves
//! the first attempt committed, and a retry after a failure that did not commit is processed
//! as new. Rows are idempotent on (platform, order id): the same row again is a `duplicate`
//! (nothing written), the same order id with other data is `conflicting` (not written).

use super::ApiError;
use super::auth::{authenticate, check_signature};
use crate::AppState;
use crate::calc::{CalcError, NumText};
use crate::privacy::scrub_ids;
use crate::signature::MAX_SKEW_SECONDS;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use flexpension_store::{Format, IngestOptions, IngestReport, RowErrorCode, Store, StoreError};
use http_body_util::BodyExt;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::Instant;
use utoipa::ToSchema;

/// Rows one request may carry: a batch is one transaction, and this keeps one under a few
/// seconds even on SQLite. Send more as several requests.
pub const MAX_BATCH_ROWS: usize = 50_000;
/// Bytes one request may carry (50,000 rows of ~100 bytes fit well inside).
pub const MAX_BATCH_BYTES: usize = 16 << 20;

/// One settled order: one line of an `application/x-ndjson` batch (a `text/csv` batch has the
/// same columns, header `order_id,id_number,amount_yuan,settled_at,order_type,grid`).
///
/// It only describes the wire format: the store reads the rows itself (`flexpension_store::parse`),
/// without building this type.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct EarningsRow {
    /// The platform's order id (at most 128 bytes): the idempotency key with the platform.
    #[schema(example = "A-20250901-0001", min_length = 1, pattern = r"\S")]
    order_id: String,
    /// The worker's resident ID (GB 11643). Only its keyed hash is stored; answers show it masked.
    #[schema(example = "11010519491231002X", min_length = 1, pattern = r"\S")]
    id_number: String,
    /// Yuan, more than 0, at most 2 decimals, at most 50,000 per order.
    #[schema(example = "23.50")]
    amount_yuan: NumText,
    /// ISO 8601 time; without an offset it is China time (UTC+8). Not in the future; its China-time
    /// month must have contribution rules.
    #[schema(example = "2025-09-01T12:30:00+08:00", min_length = 1, pattern = r"\S")]
    settled_at: String,
    /// `ride_hailing`, `instant_delivery` or `same_city_freight`.
    #[schema(example = "instant_delivery", min_length = 1, pattern = r"\S")]
    order_type: String,
    /// A registered grid code.
    #[schema(example = "g1", min_length = 1, pattern = r"\S")]
    grid: String,
}

/// What the batch did: `accepted + duplicate + conflicting + rejected` is the number of rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestAnswer {
    /// The committed batch.
    pub batch_id: Option<i64>,
    /// New orders written.
    pub accepted: u64,
    /// Orders already stored (or earlier in this batch) with the same data: nothing written.
    pub duplicate: u64,
    /// Order ids already stored (or earlier in this batch) with other data: not written, listed
    /// in `errors` with code `conflict`.
    pub conflicting: u64,
    /// Rows that failed a check: not written, listed in `errors`.
    pub rejected: u64,
    /// Income of the accepted rows, fen.
    pub income_fen: i64,
    /// Injury premium the accepted rows accrue to the platform, fen.
    pub premium_fen: i64,
    /// Each rejected or conflicting row, in line order: the first 1,000 (`MAX_REPORTED_ERRORS`).
    pub errors: Vec<RowProblem>,
    /// Row errors beyond those listed in `errors`: counted, not listed.
    pub errors_omitted: u64,
}

/// A row that was not written.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowProblem {
    /// Line in the body, 1-based (a CSV header is line 1).
    pub line: u64,
    /// The column at fault (`line` when the whole line is unreadable).
    pub field: &'static str,
    pub code: RowErrorCode,
    /// In plain words; a resident ID is only ever quoted masked.
    pub reason: String,
}

impl From<IngestReport> for IngestAnswer {
    fn from(r: IngestReport) -> IngestAnswer {
        IngestAnswer {
            batch_id: r.batches.first().map(|b| b.0),
            accepted: r.accepted,
            duplicate: r.duplicate,
            conflicting: r.conflicting,
            rejected: r.rejected,
            income_fen: r.income_fen,
            premium_fen: r.premium_fen,
            errors: r
                .errors
                .into_iter()
                .map(|e| RowProblem { line: e.line, field: e.field, code: e.code, reason: scrub_ids(&e.reason).into_owned() })
                .collect(),
            errors_omitted: r.errors_omitted,
        }
    }
}

/// Post a batch of settled orders (signed; one transaction; idempotent per order id)
///
/// A platform posts a batch of settled orders as `text/csv` (header
/// `order_id,id_number,amount_yuan,settled_at,order_type,grid`) or `application/x-ndjson` (one
/// `EarningsRow` object per line).
///
/// **Authentication.** The API key (`Authorization: Bearer KEY` or `X-Api-Key: KEY`) and a
/// signature: `X-Flexpension-Timestamp` (unix seconds) and `X-Flexpension-Signature: v1=<hex
/// HMAC-SHA256(key, timestamp + "." + body)>`. More than 300 s of clock difference is refused
/// (`stale_timestamp`).
///
/// **One transaction.** Each row is checked; the good rows are written together or not at all,
/// with the injury premium and the workers' month incomes. Rows are idempotent on
/// (platform, order id): the same row again counts `duplicate` and writes nothing; the same order
/// id with another worker, amount, time, type or grid counts `conflicting` and is not written. Bad
/// rows come back in `errors` by line, the first 1,000 of them (the rest are counted in
/// `errors_omitted`); the answer is still 200. A control character (NUL, escape, a line break
/// inside a quoted field...) in any field is such a row error; tab is allowed. A CSV quote left
/// open is named by the line it opens on.
///
/// **Retries and replays.** The signature is remembered in the batch's own transaction. Sending
/// the very same signed request again answers 409 `replayed`, which proves the first one
/// committed: a client that lost the answer treats `replayed` to its own retry as accepted. If the
/// first attempt did not commit (a crash, a timeout before the commit), the retry is processed as
/// new. To see a committed batch's report again, sign the same body with a new timestamp: its rows
/// come back `duplicate`, bad rows with the same errors, nothing is written twice.
///
/// **Limits.** At most 50,000 rows and 16 MiB per request (413 beyond). A resident ID is never
/// returned in clear: reasons quote it masked (`1101**********002X`).
#[utoipa::path(post, path = "/platform/earnings", tag = "platform", operation_id = "platform_earnings_post",
    security(("bearer" = []), ("api_key" = [])),
    params(
        ("X-Flexpension-Timestamp" = String, Header, description = "Unix time in seconds when the request was signed", example = "1767225600"),
        ("X-Flexpension-Signature" = String, Header,
            description = "v1= and the hex HMAC-SHA256 of timestamp + \".\" + body, keyed with the API key",
            example = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    ),
    request_body(content(
        (String = "text/csv",
            example = "order_id,id_number,amount_yuan,settled_at,order_type,grid\nA-1,11010519491231002X,23.50,2025-09-01T12:30:00+08:00,instant_delivery,g1\n"),
        (EarningsRow = "application/x-ndjson"),
    )),
    responses(
        (status = 200, description = "the batch was processed (bad rows are listed in errors)", body = IngestAnswer),
        (status = 400, description = "malformed: an empty body, a CSV header without the columns, a JSON array", body = CalcError),
        (status = 401, description = "unauthenticated, bad_api_key, missing_signature, bad_signature or stale_timestamp", body = CalcError),
        (status = 409, description = "replayed: this very signed request was already accepted and committed", body = CalcError),
        (status = 413, description = "payload_too_large: more than 50,000 rows or 16 MiB", body = CalcError),
        (status = 415, description = "unsupported_media_type: not text/csv or application/x-ndjson", body = CalcError),
        (status = 503, description = "no_store or store_unavailable: nothing was written; send it again", body = CalcError),
    ))]
pub async fn post(State(s): State<AppState>, req: Request) -> Result<Response, ApiError> {
    handle(s, req).await.map_err(super::scrubbed)
}

async fn handle(s: AppState, req: Request) -> Result<Response, ApiError> {
    let store = super::store(&s)?.clone();
    let (parts, body) = req.into_parts();
    let caller = authenticate(&store, &parts.headers).await?;
    let format = format_of(&parts.headers)?;
    let body = read_body(&parts.headers, body).await?;
    let now = s.now();
    let nonce = check_signature(&parts.headers, &caller.key, &body, now)?;
    let body = check_shape(body, format)?;
    let scenario = s.params().scenario(s.region(), None, None).map_err(|e| {
        tracing::error!(error = %e, "the deployment's region has no rules");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_rules", format!("the server's region has no rules: {e}"), "")
    })?;
    let platform = caller.platform.id;
    let started = Instant::now();
    let opts = IngestOptions::request(now, Some(nonce));
    let report = store.ingest_earnings(platform, &scenario, std::io::Cursor::new(body), format, &opts).await.map_err(refusal)?;
    let answer = IngestAnswer::from(report);
    tracing::info!(
        platform = platform.0,
        batch = answer.batch_id,
        accepted = answer.accepted,
        duplicate = answer.duplicate,
        conflicting = answer.conflicting,
        rejected = answer.rejected,
        ms = started.elapsed().as_millis() as u64,
        "earnings batch committed"
    );
    crate::ops::metrics::ingest(answer.accepted, answer.duplicate, answer.conflicting, answer.rejected);
    sweep_nonces(&s, &store, now);
    Ok(crate::api::json(&answer))
}

/// The store refused the batch as a whole; nothing was written. Here an invalid input is the
/// body's shape and a missing platform is the key's; the rest is the API's one mapping.
fn refusal(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid { field, .. } => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed", scrub_ids(&e.to_string()).into_owned(), field)
        }
        StoreError::NotFound { .. } => {
            ApiError::new(StatusCode::UNAUTHORIZED, "bad_api_key", "the platform of this API key is not registered", "authorization")
        }
        e => ApiError::from(e),
    }
}

fn format_of(headers: &HeaderMap) -> Result<Format, ApiError> {
    let kind = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    match kind.split(';').next().unwrap_or("").trim() {
        "text/csv" => Ok(Format::Csv),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" | "application/x-jsonlines" | "application/json-lines" => {
            Ok(Format::JsonLines)
        }
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "send text/csv (header order_id,id_number,amount_yuan,settled_at,order_type,grid) or application/x-ndjson \
                 (one JSON object per line), not '{}'",
                other.chars().take(60).collect::<String>()
            ),
            "content-type",
        )),
    }
}

fn too_large(what: String) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", what, "body")
}

/// Past the limit the rest of an upload is still read (and dropped) up to this, so that the
/// client, still sending, gets the 413 instead of a broken connection.
const DRAIN_BYTES: usize = 64 << 20;

async fn read_body(headers: &HeaderMap, mut body: Body) -> Result<Bytes, ApiError> {
    let limit_msg =
        || format!("a batch may carry at most {MAX_BATCH_BYTES} bytes and {MAX_BATCH_ROWS} rows: split it into several requests");
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_BYTES as u64) {
        return Err(too_large(limit_msg()));
    }
    let mut buf = Vec::with_capacity(declared.map_or(64 << 10, |n| n as usize).min(MAX_BATCH_BYTES));
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "malformed", "the body could not be read to its end", "body"))?;
        let Some(data) = frame.data_ref() else { continue };
        seen += data.len();
        if seen <= MAX_BATCH_BYTES {
            buf.extend_from_slice(data);
        } else if seen > DRAIN_BYTES {
            break;
        }
    }
    if seen > MAX_BATCH_BYTES {
        return Err(too_large(limit_msg()));
    }
    Ok(Bytes::from(buf))
}

/// Refuse a body that is not a batch at all (empty, a JSON array, too many rows) before any of
/// it is written; single bad rows are reported by line instead.
fn check_shape(body: Bytes, format: Format) -> Result<Bytes, ApiError> {
    let malformed = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "malformed", m, "body");
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(match format {
            Format::Csv => "the body is empty: send a CSV header line (order_id,id_number,amount_yuan,settled_at,order_type,grid) and rows",
            Format::JsonLines => "the body is empty: send one JSON object per line",
        }));
    }
    let body = if format == Format::JsonLines && body.starts_with(b"\xEF\xBB\xBF") { body.slice(3..) } else { body };
    if format == Format::JsonLines {
        match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            Some(b'[') => return Err(malformed("send one JSON object per line (NDJSON), not a JSON array")),
            _ => {
                return Err(malformed(
                    "each line must be a JSON object with order_id, id_number, amount_yuan, settled_at, order_type, grid",
                ));
            }
        }
    }
    let rows = count_rows(&body, format);
    if rows > MAX_BATCH_ROWS {
        return Err(too_large(format!("the batch has {rows} rows; at most {MAX_BATCH_ROWS} per request: split it into several requests")));
    }
    Ok(body)
}

/// Records in the body: non-blank lines, outside CSV quotes, less the CSV header.
fn count_rows(body: &[u8], format: Format) -> usize {
    let mut rows = 0;
    let mut blank = true;
    let mut quoted = false;
    for &b in body {
        match b {
            b'"' if format == Format::Csv => {
                quoted = !quoted;
                blank = false;
            }
            b'\n' if !quoted => {
                rows += usize::from(!blank);
                blank = true;
            }
            b if !b.is_ascii_whitespace() => blank = false,
            _ => {}
        }
    }
    rows += usize::from(!blank);
    if format == Format::Csv { rows.saturating_sub(1) } else { rows }
}

/// Nonces only need keeping while their timestamp could pass the skew check (a request may be
/// up to MAX_SKEW_SECONDS ahead); sweep older ones at most once a minute, off the request.
fn sweep_nonces(s: &AppState, store: &Store, now: DateTime<Utc>) {
    let t = now.timestamp();
    let last = s.nonces_swept_at.load(Ordering::Relaxed);
    if t - last < 60 || s.nonces_swept_at.compare_exchange(last, t, Ordering::Relaxed, Ordering::Relaxed).is_err() {
        return;
    }
    let store = store.clone();
    let before = now - TimeDelta::seconds(3 * MAX_SKEW_SECONDS);
    tokio::spawn(async move {
        match store.forget_nonces_before(before).await {
            Ok(n) => tracing::debug!(forgotten = n, "old request nonces swept"),
            Err(e) => tracing::warn!(error = %scrub_ids(&e.to_string()), "sweeping old request nonces failed"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_like_records() {
        assert_eq!(count_rows(b"h\n1\n2\n", Format::Csv), 2);
        assert_eq!(count_rows(b"h\n1\n2", Format::Csv), 2);
        assert_eq!(count_rows(b"h\n\"a\nb\",1\n\n  \n2\n", Format::Csv), 2);
        assert_eq!(count_rows(b"h", Format::Csv), 0);
        assert_eq!(count_rows(b"{}\n\n{}\r\n{}", Format::JsonLines), 3);
    }

    #[test]
    fn shapes() {
        let code = |b: &'static [u8], f| check_shape(Bytes::from_static(b), f).map(|_| ()).map_err(|e| (e.status.as_u16(), e.body.error));
        assert_eq!(code(b"  \n", Format::Csv), Err((400, "malformed")));
        assert_eq!(code(b"[{}]", Format::JsonLines), Err((400, "malformed")));
        assert_eq!(code(b"a,b\n", Format::JsonLines), Err((400, "malformed")));
        assert_eq!(code(b"\xEF\xBB\xBF{}\n", Format::JsonLines), Ok(()));
        let many = "{}\n".repeat(MAX_BATCH_ROWS + 1);
        let r = check_shape(Bytes::from(many), Format::JsonLines).map(|_| ()).map_err(|e| e.status.as_u16());
        assert_eq!(r, Err(413));
    }
}
