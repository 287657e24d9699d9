//! The API's one error shape, `{"error", "message", "field"}`, and which HTTP status each code gets.
//!
//! 400: the request is wrong (malformed JSON or query, unknown or missing field, a bad value, an
//! unknown region/policy/overlay). 422: the request is well-formed but no parameter covers it
//! (e.g. a month before the rule data starts). 404/405/413/415 as usual. Never 5xx for input.

use crate::calc::CalcError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
