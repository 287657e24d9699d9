//! The server shell: the calculators as requests and responses, the JSON API and the web pages.
//!
//! Routes: `/` (the worker's calculator page), `/analyst` (the analysts' policy microsimulation
//! page; `format=json` for the JSON of `flexpension simulate --json`), `/api/v1/calc/*` (JSON, GET or POST),
//! `/api/v1/platform/earnings` (POST, signed) and `/api/v1/platform/premiums` (GET) for
//! platforms when the server has a store, `/api/v1/openapi.json`, `/api/docs/` (browsable API),
//! `/healthz`, `/static/*`. Everything under `/api/v1` and `/healthz` comes from [`api::router`],
//! which also makes the OpenAPI document from the same handlers.
//!
//! People who log in (see `docs/PEOPLE.md`): `/login`, `/logout`, `/me` (a worker), `/platform`
//! (a platform's staff), `/officer` (an agency officer); their JSON under `/api/v1/me/*`,
//! `/api/v1/officer/*` (session cookie) and `/api/v1/platform/workers` (API key). Access is
//! decided in one place, [`guard`].

mod api;
mod assets;
pub mod calc;
pub mod evidence;
pub mod guard;
pub mod jobs;
pub mod log;
pub mod people;
pub mod privacy;
pub mod signature;
mod state;
pub mod voucher;
mod web;
pub mod witness;

pub use api::openapi;
pub use api::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};
pub use state::{AppState, DEFAULT_PUBLIC_URL, DEFAULT_REGION};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Every route, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::page))
        .route("/analyst", get(web::analyst::page))
        .route("/login", get(web::login::page).post(web::login::submit))
        .route("/logout", post(web::login::logout))
        .route("/me", get(web::people::me))
        .route("/platform", get(web::people::platform))
        .route("/officer", get(web::people::officer))
        .route("/static/{name}", get(assets::serve))
        .merge(log::routes())
        .merge(evidence::routes())
        .merge(api::router())
        .merge(SwaggerUi::new("/api/docs").config(Config::from("/api/v1/openapi.json")))
        .route("/api", any(api::not_found))
        .route("/api/", any(api::not_found))
        .route("/api/{*rest}", any(api::not_found))
        .fallback(web::not_found)
        // A bug must not take the connection down with it: answer 500 in the API's shape.
        .layer(CatchPanicLayer::custom(|_| {
            api::ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the server failed on this request", "").into_response()
        }))
        .with_state(state)
}

/// Serve until the listener fails or the process is asked to stop (Ctrl-C, SIGTERM); requests
/// in flight are finished first.
///
/// With a store, accounts listed in the environment variable [`people::BOOTSTRAP_ENV`] are made
/// first (the first officer of a deployment; tests).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    if let (Some(store), Ok(text)) = (state.store(), std::env::var(people::BOOTSTRAP_ENV)) {
        let made = people::bootstrap(store, &text).await.map_err(|e| std::io::Error::other(format!("{}: {e}", people::BOOTSTRAP_ENV)))?;
        tracing::info!(made, "bootstrap accounts");
    }
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
