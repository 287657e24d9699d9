//! Small answers every page shares: the redirect after a form, and cookies set the same way.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// 303 to `to` after a form was taken (never cached: the next page is someone's own).
pub(crate) fn see_other(to: impl AsRef<str>) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to.as_ref()) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Secure cookies when the request came over HTTPS (directly or through a proxy that says so).
pub(crate) fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https { "; Secure" } else { "" }
}

pub(crate) fn set_cookie(res: &mut Response, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The query that keeps English on the next page (Chinese is the default and needs none).
pub(crate) fn lang_suffix(lang: &str) -> &'static str {
    if lang.trim().eq_ignore_ascii_case("en") { "?lang=en" } else { "" }
}
