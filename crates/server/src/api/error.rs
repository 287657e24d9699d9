//! The API's one error shape, `{"error", "message", "field"}`, and which HTTP status each code gets.
//!
//! 400: the request is wrong (malformed JSON or query, unknown or missing field, a bad value, an
//! unknown region/policy/overlay). 422: the request is well-formed but no parameter covers it
//! (e.g. a month before the rule data starts). 404/405/413/415 as usual. Never 5xx for input.
//!
//! A store failure becomes an answer in one place, `From<StoreError>`; a handler for which a
//! variant means something more specific (a missing platform is a bad API key) matches that
//! variant first and hands the rest over.

use crate::calc::CalcError;
use crate::privacy::scrub_ids;
use crate::signature::SIGNATURE_HEADER;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flexpension_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: CalcError,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>, field: impl Into<String>) -> ApiError {
        ApiError { status, body: CalcError { error, message: message.into(), field: field.into() } }
    }
    pub fn not_found(path: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no API endpoint at {path}; see /api/v1/openapi.json"), "")
    }
}

/// Status for a calculator's error code.
pub fn status_of(code: &str) -> StatusCode {
    match code {
        "no_parameter" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<CalcError> for ApiError {
    fn from(e: CalcError) -> ApiError {
        ApiError { status: status_of(e.error), body: e }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        // Store messages may quote what was sent; a resident ID among that is masked.
        let said = || scrub_ids(&e.to_string()).into_owned();
        match &e {
            StoreError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, "not_found", said(), ""),
            StoreError::Invalid { field, .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", said(), *field),
            StoreError::Exists { .. } => ApiError::new(StatusCode::CONFLICT, "exists", said(), ""),
            StoreError::NonceReused => {
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
            StoreError::Frozen { .. } => ApiError::new(StatusCode::CONFLICT, "frozen", said(), ""),
            StoreError::Message(m) => {
                use flexpension_tlog::MessageError as M;
                let status = match m {
                    M::Malformed(_) | M::Stale { .. } | M::Future { .. } => StatusCode::BAD_REQUEST,
                    M::BadSignature(_) => StatusCode::UNAUTHORIZED,
                    M::UnknownSender(_) => StatusCode::FORBIDDEN,
                    M::WrongReceiver { .. } => StatusCode::MISDIRECTED_REQUEST,
                };
                ApiError::new(status, m.code(), said(), "message")
            }
            StoreError::Io(_) => ApiError::new(StatusCode::BAD_REQUEST, "malformed", "the body could not be read", "body"),
            // Not the request's fault: logged, and answered 503 so the client retries.
            StoreError::Url(_) | StoreError::Db(_) | StoreError::Sqlite { .. } | StoreError::Migrate(_) | StoreError::Corrupt(_) => {
                tracing::error!(error = %said(), "the data store failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the data store failed; nothing was written, send the request again",
                    "",
                )
            }
        }
    }
}

/// The most characters of a message or field name an error answer repeats: a field name comes
/// from the request (an unknown key of any length), and an answer must stay small whatever the
/// request held.
pub const MAX_ECHO_CHARS: usize = 300;

/// `s` cut to [`MAX_ECHO_CHARS`] characters, with "…" where it was cut.
fn capped(mut s: String) -> String {
    if let Some((i, _)) = s.char_indices().nth(MAX_ECHO_CHARS) {
        s.truncate(i);
        s.push('…');
    }
    s
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.body;
        body.message = capped(body.message);
        body.field = capped(body.field);
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_repeats_at_most_so_much_of_the_request() {
        let long = "键".repeat(5_000);
        let r = ApiError::new(StatusCode::BAD_REQUEST, "unknown_field", format!("unknown field '{long}'"), long.clone()).into_response();
        let body = futures_body(r);
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let field = v["field"].as_str().expect("field");
        assert_eq!(field.chars().count(), MAX_ECHO_CHARS + 1, "{field}");
        assert!(field.ends_with('…') && v["message"].as_str().is_some_and(|m| m.chars().count() == MAX_ECHO_CHARS + 1));
        assert_eq!(capped("short".into()), "short");
    }

    fn futures_body(r: Response) -> Vec<u8> {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        rt.block_on(async { axum::body::to_bytes(r.into_body(), 1 << 20).await.expect("body").to_vec() })
    }

    fn answer(e: StoreError) -> (u16, &'static str, String) {
        let a = ApiError::from(e);
        (a.status.as_u16(), a.body.error, a.body.field)
    }

    #[test]
    fn store_errors_map_by_variant() {
        assert_eq!(answer(StoreError::NotFound { what: "order", key: "A-1".into() }), (404, "not_found", String::new()));
        assert_eq!(answer(StoreError::Invalid { field: "month", reason: "no rules".into() }), (422, "invalid_input", "month".into()));
        assert_eq!(answer(StoreError::Exists { what: "worker", key: "1".into() }), (409, "exists", String::new()));
        assert_eq!(answer(StoreError::NonceReused), (409, "replayed", SIGNATURE_HEADER.into()));
        assert_eq!(answer(StoreError::Io(std::io::Error::other("cut"))), (400, "malformed", "body".into()));
        assert_eq!(answer(StoreError::Corrupt("pepper".into())), (503, "store_unavailable", String::new()));
        assert_eq!(answer(StoreError::Sqlite { code: 5, message: "busy".into() }), (503, "store_unavailable", String::new()));
    }

    #[test]
    fn store_messages_mask_resident_ids() {
        let a = ApiError::from(StoreError::NotFound { what: "worker", key: "11010519491231002X".into() });
        assert!(!a.body.message.contains("11010519491231002X"), "{}", a.body.message);
    }
}
