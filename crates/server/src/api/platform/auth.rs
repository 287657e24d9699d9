//! Who is calling: the platform's API key (`Authorization: Bearer KEY` or `X-Api-Key: KEY`),
//! and for writes the request signature (see [`crate::signature`]). Every refusal is a 401 with
//! a code saying which check failed; the key itself is never logged or echoed.

use super::ApiError;
use crate::signature::{self, MAX_SKEW_SECONDS, SIGNATURE_HEADER, SignatureError, TIMESTAMP_HEADER};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use flexpension_store::{Platform, Store};

/// An authenticated platform and the key it used (the signature's HMAC key).
pub struct Caller {
    pub platform: Platform,
    pub key: String,
}

fn refused(code: &'static str, message: impl Into<String>, field: &str) -> ApiError {
    tracing::warn!(reason = code, "platform request refused");
    ApiError::new(StatusCode::UNAUTHORIZED, code, message, field)
}

/// The key from either header; both given must agree.
fn api_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let text = |v: &axum::http::HeaderValue| v.to_str().map(|s| s.trim().to_string()).ok();
    let bearer = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(v) => {
            let v = text(v).unwrap_or_default();
            let (scheme, rest) = v.split_once(' ').unwrap_or((&v, ""));
            if !scheme.eq_ignore_ascii_case("bearer") || rest.trim().is_empty() {
                return Err(refused("bad_api_key", "write the key as 'Authorization: Bearer KEY'", "authorization"));
            }
            Some(rest.trim().to_string())
        }
    };
    let x_api_key = headers.get("x-api-key").map(|v| text(v).unwrap_or_default());
    let key = match (bearer, x_api_key) {
        (Some(a), Some(b)) if a != b => {
            return Err(refused("bad_api_key", "Authorization and X-Api-Key carry different keys", "x-api-key"));
        }
        (Some(k), _) | (None, Some(k)) => k,
        (None, None) => {
            return Err(refused(
                "unauthenticated",
                "send the platform's API key as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'",
                "authorization",
            ));
        }
    };
    // Keys are short printable ASCII; anything else is not one (and is not looked up).
    if key.is_empty() || key.len() > 256 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(refused("bad_api_key", "this is not an API key", "authorization"));
    }
    Ok(key)
}

/// The calling platform, by its API key.
pub async fn authenticate(store: &Store, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let key = api_key(headers)?;
    match store.platform_by_api_key(&key).await {
        Ok(Some(platform)) => Ok(Caller { platform, key }),
        Ok(None) => Err(refused("bad_api_key", "no platform has this API key (or it was revoked)", "authorization")),
        Err(e) => Err(ApiError::from(e)),
    }
}

/// Check the signature of a write; returns its nonce (the canonical signature).
pub fn check_signature(headers: &HeaderMap, key: &str, body: &[u8], now: DateTime<Utc>) -> Result<String, ApiError> {
    let get = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("").trim().to_string());
    let Some(ts_text) = get(TIMESTAMP_HEADER) else {
        return Err(refused("missing_signature", format!("send {TIMESTAMP_HEADER}: the unix time in seconds"), TIMESTAMP_HEADER));
    };
    let Some(sig) = get(SIGNATURE_HEADER) else {
        return Err(refused(
            "missing_signature",
            format!("send {SIGNATURE_HEADER}: v1= and the hex HMAC-SHA256 of timestamp + \".\" + body under the API key"),
            SIGNATURE_HEADER,
        ));
    };
    let ts = signature::parse_timestamp(&ts_text).map_err(|e| refused("bad_signature", e.to_string(), TIMESTAMP_HEADER))?;
    let nonce = signature::verify(key, &ts_text, body, &sig).map_err(|e| {
        let field = if e == SignatureError::BadTimestamp { TIMESTAMP_HEADER } else { SIGNATURE_HEADER };
        refused("bad_signature", e.to_string(), field)
    })?;
    let skew = now.timestamp() - ts;
    if skew.abs() > MAX_SKEW_SECONDS {
        let (n, way) = if skew > 0 { (skew, "behind") } else { (-skew, "ahead of") };
        return Err(refused(
            "stale_timestamp",
            format!(
                "the timestamp is {n} s {way} the server's clock (at most {MAX_SKEW_SECONDS} s allowed): sign again with the current time"
            ),
            TIMESTAMP_HEADER,
        ));
    }
    Ok(nonce)
}
