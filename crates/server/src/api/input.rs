//! Reading a calculator request from a query string (GET) or a body (POST: JSON, or a form),
//! with errors that name the field.

use super::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::{Method, StatusCode, header};
use serde::de::DeserializeOwned;

/// Bodies are a few hundred bytes; anything near this is not a calculator request.
const BODY_LIMIT: usize = 64 * 1024;

/// A request of type `T`, from the query string or the body.
pub struct Input<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Input<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        if matches!(*req.method(), Method::GET | Method::HEAD) {
            return from_form(req.uri().query().unwrap_or("").as_bytes()).map(Input);
        }
        let kind = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let body = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await.map_err(|_| {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the body is larger than {BODY_LIMIT} bytes"), "")
        })?;
        let mime = kind.split(';').next().unwrap_or("").trim();
        match mime {
            // No content type: most clients that forget it still send JSON.
            "" | "application/json" => from_json(&body).map(Input),
            "application/x-www-form-urlencoded" => from_form(&body).map(Input),
            m if m.ends_with("+json") => from_json(&body).map(Input),
            other => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send application/json (or a form), not {other}"),
                "",
            )),
        }
    }
}

pub fn from_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed("the body is empty: send a JSON object", ""));
    }
    // serde would also read a struct from an array; a request is an object, by name.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(malformed("the body must be a JSON object, such as {\"month\": \"2025-03\", \"income\": 3800}", ""));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let e = e.into_inner();
        if e.is_syntax() || e.is_eof() { malformed(format!("not valid JSON: {e}"), "") } else { classify(path, &e.to_string()) }
    })?;
    de.end().map_err(|e| malformed(format!("not valid JSON: {e}"), ""))?;
    Ok(value)
}

pub fn from_form<T: DeserializeOwned>(query: &[u8]) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query));
    serde_path_to_error::deserialize(de).map_err(|e| classify(e.path().to_string(), &e.into_inner().to_string()))
}

fn malformed(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "malformed", message, field)
}

/// Turn serde's message into a code and a field name a client can act on.
fn classify(path: String, message: &str) -> ApiError {
    let named = |prefix: &str| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_string);
    // "." is the request itself; "?" an unknown place.
    let path = if path == "." || path.contains('?') { String::new() } else { path };
    if let Some(f) = named("unknown field `") {
        let known = message.split_once(", expected").map(|(_, k)| format!(": expected{k}")).unwrap_or_default();
        return ApiError::new(StatusCode::BAD_REQUEST, "unknown_field", format!("unknown field '{f}'{known}"), f);
    }
    if let Some(f) = named("missing field `") {
        return ApiError::new(StatusCode::BAD_REQUEST, "missing_field", format!("'{f}' is required"), f);
    }
    if let Some(f) = named("duplicate field `") {
        return ApiError::new(StatusCode::BAD_REQUEST, "malformed", format!("'{f}' is given more than once"), f);
    }
    if message.contains("untagged enum NumText") {
        return malformed("must be a number or a string of digits, such as 3800 or \"3800.50\"", &path);
    }
    let message = if path.is_empty() { format!("not a valid request: {message}") } else { format!("{path}: {message}") };
    malformed(message, &path)
}
