//! Every request: an id of its own (answered in `x-request-id`, and put into the body of every
//! API error), one log event when it is answered, and its metrics.
//!
//! The event names the method, the matched route template (never the raw path or the query,
//! where an ID number could stand), the status and the time taken, so that no personal data
//! reaches a log line. Events logged while the request runs carry its id through the
//! `request` span. An id sent by the client is not taken: it could carry anything.

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

/// The response header carrying the request's id.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The largest error body that gets the request id put in (API errors are far smaller).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The request's id, in the request's extensions for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A new id: 8 random hex digits for this process, then a counter (unique within the
/// process, and across restarts with high probability).
pub fn next_id() -> String {
    static PREFIX: OnceLock<u32> = OnceLock::new();
    static N: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        // Without OS randomness the clock's nanoseconds still tell processes apart.
        if getrandom::fill(&mut b).is_err() {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
            b = t.to_le_bytes();
        }
        u32::from_le_bytes(b)
    });
    format!("{prefix:08x}{:010x}", N.fetch_add(1, Ordering::Relaxed))
}

/// The layer: id, span, log event, metrics, the id in error bodies.
pub async fn layer(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = next_id();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let res = next.run(req).instrument(span).await;
    let status = res.status().as_u16();
    let mut res = if status >= 400 { with_id_in_body(res, &id).await } else { res };
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    let took = started.elapsed();
    super::metrics::request(&method, &route, status, took);
    tracing::info!(
        target: "flexpension::request",
        request_id = %id,
        method = %method,
        route = %route,
        status,
        micros = took.as_micros() as u64,
        "request"
    );
    res
}

/// An API error (a JSON object with `error`) gets `"request_id"`; anything else is left as it is.
async fn with_id_in_body(res: Response, id: &str) -> Response {
    let json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("application/json"));
    if !json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(b) => b,
        // Too large or broken: not an API error; the body cannot be given back, so say so.
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    let out = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut m)) if m.contains_key("error") => {
            m.insert("request_id".into(), serde_json::Value::String(id.to_string()));
            match serde_json::to_vec(&m) {
                Ok(v) => {
                    parts.headers.remove(header::CONTENT_LENGTH);
                    v.into()
                }
                Err(_) => bytes,
            }
        }
        _ => bytes,
    };
    Response::from_parts(parts, Body::from(out))
}

/// The OpenAPI document's `Error` schema gets the `request_id` this layer puts in every API
/// error body.
pub struct RequestIdInErrors;

impl utoipa::Modify for RequestIdInErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let Some(c) = doc.components.as_mut() else { return };
        if let Some(RefOr::T(Schema::Object(o))) = c.schemas.get_mut("Error") {
            let id = ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("The request's id, as in the `x-request-id` header and the server's log"))
                .build();
            o.properties.insert("request_id".into(), RefOr::T(Schema::Object(id)));
            if !o.required.iter().any(|r| r == "request_id") {
                o.required.push("request_id".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_distinct_hex() {
        let (a, b) = (super::next_id(), super::next_id());
        assert_ne!(a, b);
        assert!(a.len() == 18 && a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
    }
}
