//! Static files, embedded in the binary so the server runs from any directory. Their URLs carry
//! a content hash, so browsers may keep them for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 5] = [
    Asset { name: "app.css", mime: "text/css; charset=utf-8", body: include_bytes!("../static/app.css") },
    Asset { name: "icon.svg", mime: "image/svg+xml", body: include_bytes!("../static/icon.svg") },
    Asset { name: "htmx.min.js", mime: "text/javascript; charset=utf-8", body: include_bytes!("../static/htmx.min.js") },
    Asset { name: "kiosk.css", mime: "text/css; charset=utf-8", body: include_bytes!("../static/kiosk.css") },
    Asset { name: "kiosk.js", mime: "text/javascript; charset=utf-8", body: include_bytes!("../static/kiosk.js") },
];

/// FNV-1a: a stable short fingerprint for cache busting (not for security).
fn fingerprint(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{:08x}", h >> 32)
}

static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| ASSETS.iter().map(|a| fingerprint(a.body)).collect());

/// The URL to link a static file by, e.g. `/static/app.css?v=1a2b3c4d`.
pub fn url(name: &str) -> String {
    match ASSETS.iter().position(|a| a.name == name) {
        Some(i) => format!("/static/{name}?v={}", VERSIONS[i]),
        None => format!("/static/{name}"),
    }
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let Some((i, a)) = ASSETS.iter().enumerate().find(|(_, a)| a.name == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = HeaderValue::from_str(&format!("\"{}\"", VERSIONS[i])).unwrap_or(HeaderValue::from_static("\"0\""));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(a.mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            (header::ETAG, etag),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        a.body,
    )
        .into_response()
}
