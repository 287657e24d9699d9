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
//! (a platform's staff), `/officer`, `/officer/workers[/{id}]`, `/officer/alerts[.csv]` and
//! `/officer/access-log`, `/officer/fund[.csv]` (the special fund), `/officer/transfers` (the queue of transfers, refusal, applying for a worker), `/officer/complaints` (an agency officer), `/me/complaints` (a worker's complaints), `/grid` with its POSTs under `/grid/alerts/{id}/`
//! (a grid worker), `/platform/credit` (a platform's own rating, its appeals) and
//! `/officer/appeals` (the decisions); their JSON under `/api/v1/me/*`,
//! `/api/v1/officer/*` (session cookie) and `/api/v1/platform/workers` (API key). Access is
//! decided in one place, [`guard`].
//!
//! Every response, whatever route or error made it, passes [`security_headers`]: a
//! Content-Security-Policy for what it is, nosniff, no framing, no referrer.
//!
//! | module | what |
//! |---|---|
//! | `api` | The JSON API under `/api/v1`: the calculators of [`crate::calc`], each by GET (query string) and POST (JSON body) |
//! | `assets` | Static files, embedded in the binary so the server runs from any directory |
//! | `calc` | The calculators as requests and responses, shared by the CLI and the API |
//! | `complaint_pdf` | A complaint's evidence package as a PDF for people, its pages bound to the attached package, and its offline check |
//! | `evidence` | Evidence for people: a worker's proof bundle for a month and their contribution voucher |
//! | `guard` | Who may see what: the one place that turns a request into a person and a scope |
//! | `jobs` | Background jobs: the month close once a month is over, the daily risk monitor and policy-fit scoring, the complaints' deadlines, the agency inbox handled (the transfer's steps) and the outbox delivered |
//! | `ops` | Operations: `/metrics` (Prometheus) and `/readyz`, request ids and the one log event per request, the jobs' stop at shutdown (docs/OPERATIONS.md) |
//! | `log` | The log over HTTP (docs/LOG.md): C2SP tlog-tiles under `/log/` (the checkpoint, hash tiles, entry bundles) |
//! | `outreach` | The policy-fit profile on a store: the store's table, a model, every worker scored and kept (the job, the CLI and the demo share it) |
//! | `people` | Passwords (argon2id with the parameters below, salt from the OS CSPRNG) and making accounts |
//! | `privacy` | A last line of defence for personal data in text the server sends to platforms or logs |
//! | `statement` | A platform's tax statement for a year as the words of its PDF and as CSV (the CLI and the portal share it) |
//! | `signature` | Request signatures of the platform API, shaped like common webhook schemes (HMAC over time and body) |
//! | `sms` | Text messages out: the store's outbox handed to a gateway adapter (development: `serve --sms-file`) |
//! | `state` | What every request handler shares: the parameters (loaded once), the clock and the store when there is one |
//! | `throttle` | Login throttling and the login's signed tokens (docs/PEOPLE.md, "Throttling") |
//! | `voucher` | The contribution voucher (参保缴费凭证): the worker's closed months as a signed note of the region |
//! | `web` | The web pages, one module per screen; their words come from the text catalogue (`flexpension-text`) |
//! | `witness` | A witness (`flexpension witness`): a separate process with its own key, run by another department |

mod api;
mod assets;
pub mod calc;
pub mod complaint_pdf;
pub mod evidence;
pub mod guard;
pub mod jobs;
pub mod log;
pub mod notices;
pub mod ops;
pub mod outreach;
pub mod people;
pub mod privacy;
pub mod quote;
pub mod signature;
pub mod sms;
mod state;
pub mod statement;
pub mod throttle;
pub mod transfer_pdf;
pub mod voucher;
mod web;
pub mod witness;

pub use api::openapi;
pub use api::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};
pub use state::{AppState, DEFAULT_PUBLIC_URL, DEFAULT_REGION};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use std::net::{IpAddr, SocketAddr};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_swagger_ui::{Config, SwaggerUi};

/// Every route, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::page))
        .route("/analyst", get(web::analyst::page))
        .route("/credit", get(web::credit::page))
        .route("/login", get(web::login::page).post(web::login::submit))
        .route("/logout", post(web::login::logout))
        .route("/me", get(web::people::me))
        .route(
            "/me/complaints",
            get(web::rights::list).post(web::rights::file).layer(axum::extract::DefaultBodyLimit::max(web::rights::MAX_COMPLAINT_BODY)),
        )
        .route("/me/complaints/{id}", get(web::rights::show))
        .route("/me/complaints/{id}/package.pdf", get(web::rights::package_pdf))
        .route("/me/union", get(web::union::page))
        .route("/me/union/join", post(web::union::join))
        .route("/me/union/leave", post(web::union::leave))
        .route("/me/union/requests", post(web::union::request))
        .route("/me/union/requests/{id}/close", post(web::union::close))
        .route("/me/transfer", post(web::transfer::apply))
        .route("/me/transfer/preview", post(web::transfer::preview))
        .route("/me/transfers/{id}/voucher.pdf", get(web::transfer::voucher_pdf))
        .route("/me/choices", get(web::choice::page).post(web::choice::post))
        .route("/me/notices/{id}/read", post(web::inbox::read))
        .route("/me/quiz", post(web::inbox::quiz))
        .route("/platform", get(web::console::platform::page))
        .route("/platform/workers.csv", get(web::console::platform::csv))
        .route("/platform/statement/{file}", get(web::console::platform::statement))
        .route("/officer", get(web::console::officer::page))
        .route("/officer/outreach", get(web::console::outreach::page))
        .route("/officer/workers", get(web::console::workers::list_page))
        .route("/officer/workers.csv", get(web::console::workers::list_csv))
        .route("/officer/workers/{id}", get(web::console::workers::worker_page))
        .route("/officer/workers/{id}/voucher", post(web::console::workers::voucher))
        .route("/officer/alerts", get(web::console::alerts::page))
        .route("/officer/fund", get(web::console::fund::page))
        .route("/officer/fund.csv", get(web::console::fund::csv))
        .route("/officer/alerts.csv", get(web::console::alerts::csv))
        .route("/officer/access-log", get(web::console::alerts::access_log))
        .route("/officer/appeals", get(web::console::credit::appeals))
        .route("/officer/appeals/{id}/decision", post(web::console::credit::decide))
        .route("/platform/credit", get(web::console::credit::page))
        .route("/platform/credit/appeal", post(web::console::credit::appeal))
        .route("/platform/contracts", get(web::console::contracts::platform).post(web::console::contracts::file))
        .route("/officer/transfers", get(web::console::transfers::officer).post(web::console::transfers::apply))
        .route("/officer/transfers/{id}/refuse", post(web::console::transfers::refuse))
        .route("/officer/contracts", get(web::console::contracts::officer))
        .route("/officer/contracts/{id}/decision", post(web::console::contracts::decide))
        .route("/kiosk", get(web::kiosk::start))
        .route("/kiosk/estimate", get(web::kiosk::estimate))
        .route("/kiosk/sign-in", get(web::kiosk::sign_in))
        .route("/kiosk/code", post(web::kiosk::code))
        .route("/kiosk/verify", post(web::kiosk::verify))
        .route("/kiosk/me", get(web::kiosk::me))
        .route("/kiosk/voucher", post(web::kiosk::voucher))
        .route("/kiosk/finish", post(web::kiosk::finish))
        .route("/grid", get(web::grid::page))
        .route("/grid/alerts/{id}/reveal", post(web::grid::reveal))
        .route("/grid/alerts/{id}/outcome", post(web::grid::outcome))
        .route("/officer/complaints", get(web::console::complaints::queue))
        .route("/officer/complaints/{id}/package.json", get(web::console::complaints::package))
        .route("/inspection/complaints", get(web::console::desk::inspection_queue))
        .route("/inspection/complaints/{id}", get(web::console::desk::inspection_case).post(web::console::desk::inspection_step))
        .route("/inspection/complaints/{id}/package.json", get(web::console::desk::inspection_package))
        .route("/inspection/complaints/{id}/package.pdf", get(web::console::desk::inspection_pdf))
        .route("/legal-aid/complaints", get(web::console::desk::legal_aid_queue))
        .route("/legal-aid/union", get(web::console::union_desk::queue))
        .route("/legal-aid/union/{id}", get(web::console::union_desk::case).post(web::console::union_desk::step))
        .route("/legal-aid/complaints/{id}", get(web::console::desk::legal_aid_case).post(web::console::desk::legal_aid_step))
        .route("/legal-aid/complaints/{id}/package.json", get(web::console::desk::legal_aid_package))
        .route("/legal-aid/complaints/{id}/package.pdf", get(web::console::desk::legal_aid_pdf))
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
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(ops::request::layer))
        .with_state(state)
}

/// Pages: scripts, styles and images from this server only (htmx is `/static`), forms post
/// here, nothing frames them.
pub const PAGE_CSP: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// The Swagger UI page (`/api/docs/`): its own scripts from here; it sets inline styles and
/// data: images, and fetches the OpenAPI document.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// A PDF (the voucher): browsers show it in their own viewer, which a `default-src 'none'` or
/// `object-src 'none'` can block; nothing frames it.
pub const PDF_CSP: &str = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// Everything else (JSON, text, static files): nothing runs in it, nothing frames it.
pub const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The CSP of a response: the Swagger UI's (`docs`: the path is under `/api/docs`), a page's,
/// a PDF's, or data's, by its content type.
pub fn csp_for(docs: bool, content_type: &str) -> &'static str {
    if docs {
        DOCS_CSP
    } else if content_type.starts_with("text/html") {
        PAGE_CSP
    } else if content_type.starts_with("application/pdf") {
        PDF_CSP
    } else {
        DATA_CSP
    }
}

/// The security headers of every response: a CSP chosen by what the response is, nosniff,
/// no framing (for browsers without frame-ancestors), no referrer. Pages also get their
/// language here ([`web::lang::middleware`]): one layer, not two, on every request.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = web::lang::middleware(req, next).await;
    let kind = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let csp = csp_for(docs, kind);
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

/// The environment variable `serve` reads for the reverse proxies whose X-Forwarded-For is
/// believed: addresses separated by commas (e.g. `127.0.0.1,::1`). Unset: none, and the
/// client address is the socket's peer.
pub const TRUSTED_PROXIES_ENV: &str = "FLEXPENSION_TRUSTED_PROXIES";

/// Read a list of proxy addresses.
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpAddr>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.parse::<IpAddr>().map_err(|_| format!("'{t}' is not an IP address")))
        .collect()
}

/// Serve until the listener fails or the process is asked to stop (Ctrl-C, SIGTERM); requests
/// in flight are finished first.
///
/// With a store, accounts listed in the environment variable [`people::BOOTSTRAP_ENV`] are made
/// first (the first officer of a deployment; tests). Proxies listed in [`TRUSTED_PROXIES_ENV`]
/// are added to the state's trusted proxies.
pub async fn serve(listener: tokio::net::TcpListener, mut state: AppState) -> std::io::Result<()> {
    if let (Some(store), Ok(text)) = (state.store(), std::env::var(people::BOOTSTRAP_ENV)) {
        let made = people::bootstrap(store, &text).await.map_err(|e| std::io::Error::other(format!("{}: {e}", people::BOOTSTRAP_ENV)))?;
        tracing::info!(made, "bootstrap accounts");
    }
    if let Ok(text) = std::env::var(TRUSTED_PROXIES_ENV) {
        let mut proxies = state.trusted_proxies().to_vec();
        proxies.extend(parse_trusted_proxies(&text).map_err(|e| std::io::Error::other(format!("{TRUSTED_PROXIES_ENV}: {e}")))?);
        state = state.with_trusted_proxies(proxies);
    }
    // The peer's address reaches the handlers: the login throttle counts by it. At a stop
    // signal the jobs are told at once; requests in flight finish, then the jobs are waited for.
    let stopping = state.clone();
    let served = axum::serve(listener, router(state.clone()).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("stop asked: finishing requests in flight and the jobs' current work");
            stopping.ops().begin_stop();
        })
        .await;
    state.ops().stop_jobs(ops::JOB_GRACE).await;
    served
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
