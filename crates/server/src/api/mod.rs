//! The JSON API under `/api/v1`: the calculators of [`crate::calc`], each by GET (query string)
//! and POST (JSON body); the platform API (earnings in, premiums out) when the server has a
//! store; the OpenAPI document; JSON 404/405.

mod error;
pub(crate) mod input;
pub mod openapi;
pub(crate) mod people;
mod people_doc;
pub(crate) mod platform;
mod schemas;

pub use error::ApiError;
pub use platform::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};

use crate::AppState;
use crate::calc::{self, CalcError};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use input::Input;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Routes relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calc/contribution", endpoint(|s, r| calc::contribution(s.params(), &r)))
        .route("/calc/retirement", endpoint(|s, r| calc::retirement(s.params(), &r, s.today())))
        .route("/calc/pension", endpoint(|s, r| calc::pension(s.params(), &r)))
        .route("/calc/workdays", endpoint(|s, r| calc::workdays(s.params(), &r)))
        .route("/calc/injury", endpoint(|s, r| calc::injury(s.params(), &r, s.today())))
        .route("/calc/id-check", private(endpoint(|_, r| calc::id_check(&r))))
        .route("/calc/estimate", endpoint(|s, r| calc::estimate(s.params(), &r)))
        .route("/calc/residents", endpoint(|s, r| calc::residents(s.params(), &r)))
        .merge(platform::routes())
        .route("/me/months", private(get(people::me_months).fallback(method_not_allowed)))
        .route("/me/account", private(get(people::me_account).fallback(method_not_allowed)))
        .route("/me/enrolments", private(get(people::me_enrolments).fallback(method_not_allowed)))
        .route("/officer/workers", private(get(people::officer_workers).fallback(method_not_allowed)))
}

/// GET and POST of one calculator; other methods get a JSON 405.
fn endpoint<T, R, F>(f: F) -> MethodRouter<AppState>
where
    T: DeserializeOwned + Send + 'static,
    R: Serialize + 'static,
    F: Fn(&AppState, T) -> Result<R, CalcError> + Clone + Send + Sync + 'static,
{
    let handler = move |State(s): State<AppState>, Input(r): Input<T>| {
        let f = f.clone();
        async move { f(&s, r).map(|v| json(&v)).map_err(ApiError::from) }
    };
    get(handler.clone()).post(handler).fallback(method_not_allowed)
}

/// Serialize into a buffer sized for a typical answer (5-7 KB with the explanation), so the
/// body is not grown and copied several times on the hot path.
fn json<T: Serialize>(v: &T) -> Response {
    let mut buf = Vec::with_capacity(8 * 1024);
    match serde_json::to_writer(&mut buf, v) {
        Ok(()) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], buf).into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the answer could not be written: {e}"), "")
            .into_response(),
    }
}

/// Responses that may echo personal data must not be kept by any cache.
fn private(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    r.layer(axum::middleware::map_response(|mut res: Response| async move {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not supported here: use GET or POST"), "")
}

/// Any other path under `/api`.
pub async fn not_found(uri: Uri) -> Response {
    ApiError::not_found(uri.path()).into_response()
}
