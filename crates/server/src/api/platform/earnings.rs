//! `POST /api/v1/platform/earnings`: a batch of settled orders, CSV or JSON lines, signed.
//!
//! The batch is one transaction: its good rows are all written or none are, and the request's
//! signature is remembered in that same transaction. So a `replayed` answer to a retry proves
//! the first attempt committed, and a retry after a failure that did not commit is processed
//! as new. Rows are idempotent on (platform, order id): the same row again is a `duplicate`
//! (nothing written), the same order id with other data is `conflicting` (not written).

use super::auth::{authenticate, check_signature};
use super::{ApiError, unavailable};
use crate::AppState;
use crate::privacy::scrub_ids;
use crate::signature::{MAX_SKEW_SECONDS, SIGNATURE_HEADER};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use flexpension_store::{Format, IngestOptions, IngestReport, Store, StoreError};
use http_body_util::BodyExt;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Rows one request may carry: a batch is one transaction, and this keeps one under a few
/// seconds even on SQLite. Send more as several requests.
pub const MAX_BATCH_ROWS: usize = 50_000;
/// Bytes one request may carry (50,000 rows of ~100 bytes fit well inside).
pub const MAX_BATCH_BYTES: usize = 16 << 20;

/// What the batch did: `accepted + duplicate + conflicting + rejected` is the number of rows.
#[derive(Debug, Serialize)]
pub struct IngestAnswer {
    /// The committed batch.
    pub batch_id: Option<i64>,
    pub accepted: u64,
    pub duplicate: u64,
    pub conflicting: u64,
    pub rejected: u64,
    /// Income of the accepted rows, fen.
    pub income_fen: i64,
    /// Injury premium the accepted rows accrue to the platform, fen.
    pub premium_fen: i64,
    /// Each rejected or conflicting row, in line order.
    pub errors: Vec<RowProblem>,
}

#[derive(Debug, Serialize)]
pub struct RowProblem {
    /// Line in the body, 1-based (a CSV header is line 1).
    pub line: u64,
    pub field: &'static str,
    pub code: &'static str,
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
                .map(|e| RowProblem { line: e.line, field: e.field, code: e.code.as_str(), reason: scrub_ids(&e.reason).into_owned() })
                .collect(),
        }
    }
}

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
    sweep_nonces(&s, &store, now);
    Ok(crate::api::json(&answer))
}

/// The store refused the batch as a whole; nothing was written.
fn refusal(e: StoreError) -> ApiError {
    match e.code() {
        "nonce_reused" => {
            tracing::warn!(reason = "replayed", "platform request refused");
            ApiError::new(
                StatusCode::CONFLICT,
                "replayed",
                "this signed request was already received and its batch committed; nothing was written again. \
                 If it is your own retry, the batch is accepted. To get its report again, sign the same body with a \
                 new timestamp: the rows already stored come back as duplicate",
                SIGNATURE_HEADER,
            )
        }
        "invalid" => {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed", scrub_ids(&e.to_string()).into_owned(), e.field().unwrap_or("body"))
        }
        "io" => ApiError::new(StatusCode::BAD_REQUEST, "malformed", "the body could not be read", "body"),
        "not_found" => {
            ApiError::new(StatusCode::UNAUTHORIZED, "bad_api_key", "the platform of this API key is not registered", "authorization")
        }
        _ => unavailable("the earnings batch", &e),
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
