//! What the operations team needs of a running server (docs/OPERATIONS.md).
//!
//! | module | what |
//! |---|---|
//! | `metrics` | Prometheus metrics: requests by route template and status, ingest rows, month closes, payments; the store's log, witness lag and queues read at the scrape |
//! | `request` | Every request's id (`x-request-id`, and `request_id` in API error bodies), its one log event and its metrics |
//!
//! Here: the state the server's jobs and probes share ([`OpsState`]: the stop signal, the jobs
//! to wait for, the log publisher's heartbeat), `/readyz`, and the operations address's router
//! (`/metrics`, `/healthz`, `/readyz`, optionally behind a bearer token).

pub mod metrics;
pub mod probe;
pub mod request;

use crate::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A publisher that has not finished a round for this long is stuck (`/readyz` answers 503).
/// A round integrates the log and waits for each witness (10 s timeout each), so this is well
/// above a slow round. A design value of operations, not a rule.
pub const PUBLISHER_STUCK_AFTER: Duration = Duration::from_secs(120);

/// How long `serve` waits at shutdown for a background job to reach its safe point (a job
/// runs each unit of work, e.g. a month close, in one transaction; one cut off is rolled back).
pub const JOB_GRACE: Duration = Duration::from_secs(30);

/// What the jobs and probes of one server share.
pub struct OpsState {
    stop: tokio::sync::watch::Sender<bool>,
    jobs: Mutex<Vec<(&'static str, JoinHandle<()>)>>,
    /// When the log publisher started (µs since the epoch; 0: not running).
    publisher_since_us: AtomicI64,
    /// When it last finished a round (0: none yet).
    publisher_done_us: AtomicI64,
    stuck_after_us: AtomicI64,
    /// The store's last answer to the readiness query (`/readyz` is public).
    store_probe: probe::ProbeCache,
}

impl Default for OpsState {
    fn default() -> Self {
        OpsState {
            stop: tokio::sync::watch::Sender::new(false),
            jobs: Mutex::new(Vec::new()),
            publisher_since_us: AtomicI64::new(0),
            publisher_done_us: AtomicI64::new(0),
            stuck_after_us: AtomicI64::new(PUBLISHER_STUCK_AFTER.as_micros() as i64),
            store_probe: probe::ProbeCache::default(),
        }
    }
}

impl OpsState {
    /// Ask the jobs to stop at their next safe point (and the operations address to close).
    pub fn begin_stop(&self) {
        self.stop.send_replace(true);
    }

    /// Stopping has begun.
    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once stopping has begun.
    pub fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.stop.subscribe();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    }

    /// The publisher's rounds count as stuck after this long without one finished.
    pub fn set_publisher_stuck_after(&self, d: Duration) {
        self.stuck_after_us.store(d.as_micros().min(i64::MAX as u128) as i64, Ordering::Relaxed);
    }

    /// The log publisher runs from `now`.
    pub fn publisher_started(&self, now: DateTime<Utc>) {
        self.publisher_since_us.store(now.timestamp_micros(), Ordering::Relaxed);
    }

    /// The log publisher finished a round (whether or not the witnesses answered).
    pub fn publisher_round_done(&self, now: DateTime<Utc>) {
        self.publisher_done_us.store(now.timestamp_micros(), Ordering::Relaxed);
    }

    /// Time since the publisher last finished a round (or started); `None` when it does not run.
    pub fn publisher_idle(&self, now: DateTime<Utc>) -> Option<Duration> {
        let since = self.publisher_since_us.load(Ordering::Relaxed);
        if since == 0 {
            return None;
        }
        let last = since.max(self.publisher_done_us.load(Ordering::Relaxed));
        Some(Duration::from_micros((now.timestamp_micros() - last).max(0) as u64))
    }

    fn publisher_stuck(&self, now: DateTime<Utc>) -> bool {
        let limit = Duration::from_micros(self.stuck_after_us.load(Ordering::Relaxed).max(0) as u64);
        self.publisher_idle(now).is_some_and(|idle| idle > limit)
    }

    /// Wait for every job spawned with [`spawn_job`] to stop, each at most `grace`; one that
    /// does not is aborted (its open transaction, if any, rolls back).
    pub async fn stop_jobs(&self, grace: Duration) {
        self.begin_stop();
        let jobs = std::mem::take(&mut *self.jobs.lock().unwrap_or_else(|p| p.into_inner()));
        for (name, mut h) in jobs {
            match tokio::time::timeout(grace, &mut h).await {
                Ok(_) => tracing::info!(job = name, "job stopped"),
                Err(_) => {
                    h.abort();
                    tracing::warn!(job = name, "job did not stop in time; aborted");
                }
            }
        }
    }
}

/// Run a background job of the server; [`OpsState::stop_jobs`] waits for it at shutdown. A
/// job looks at [`OpsState::stopped`] between units of work.
pub fn spawn_job(state: &AppState, name: &'static str, job: impl Future<Output = ()> + Send + 'static) {
    let h = tokio::spawn(job);
    state.ops().jobs.lock().unwrap_or_else(|p| p.into_inner()).push((name, h));
}

/// Wait for the next tick, or give `false` when the server is stopping.
pub async fn next_tick(state: &AppState, tick: &mut tokio::time::Interval) -> bool {
    tokio::select! {
        _ = tick.tick() => !state.ops().stopping(),
        _ = state.ops().stopped() => false,
    }
}

/// The answer of `/readyz`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReadyAnswer {
    /// Every check passed.
    pub ready: bool,
    /// The store answered (`null`: the server runs without a store).
    pub store: Option<bool>,
    /// The database's migrations are exactly this binary's (`null`: no store).
    pub migrations_current: Option<bool>,
    /// The log publisher finished a round recently (`null`: it does not run).
    pub publisher_ok: Option<bool>,
    /// The server is shutting down.
    pub stopping: bool,
}

/// The readiness checks: store reachable, migrations current (asked at most once a second,
/// [`probe::READY_PROBE_REUSE`]), log publisher not stuck, not shutting down.
pub async fn readiness(state: &AppState) -> ReadyAnswer {
    let (store, migrations_current) = match state.store() {
        None => (None, None),
        Some(s) => {
            let ask = || async {
                match s.readiness().await {
                    Ok(r) => (Some(true), Some(r.current())),
                    Err(e) => {
                        tracing::warn!(error = %e, "readiness: the store did not answer");
                        (Some(false), None)
                    }
                }
            };
            state.ops().store_probe.get(std::time::Instant::now(), ask).await
        }
    };
    let now = state.now();
    let publisher_ok = state.ops().publisher_idle(now).map(|_| !state.ops().publisher_stuck(now));
    let stopping = state.ops().stopping();
    let ready = store != Some(false) && migrations_current != Some(false) && publisher_ok != Some(false) && !stopping;
    ReadyAnswer { ready, store, migrations_current, publisher_ok, stopping }
}

/// Readiness: 200 when the store answers, its migrations are current and the log publisher is
/// not stuck; 503 otherwise (take the server out of the load balancer)
#[utoipa::path(get, path = "/readyz", tag = "operations", operation_id = "readyz",
    responses((status = 200, description = "ready", body = ReadyAnswer), (status = 503, description = "not ready", body = ReadyAnswer)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let answer = readiness(&state).await;
    let status = if answer.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(answer)).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let text = metrics::render(&state).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
}

/// The operations address's routes: `/metrics`, `/healthz`, `/readyz`; with a token, each
/// wants `Authorization: Bearer TOKEN`.
pub fn router(state: AppState, token: Option<String>) -> Router {
    metrics::install();
    let r = Router::new()
        .route("/metrics", get(metrics_text))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state);
    match token.filter(|t| !t.is_empty()) {
        None => r,
        Some(t) => {
            let want: std::sync::Arc<[u8]> = format!("Bearer {t}").into_bytes().into();
            r.layer(axum::middleware::from_fn(move |req: Request, next: Next| {
                let want = want.clone();
                async move {
                    let got = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or(b"");
                    if same(got, &want) {
                        next.run(req).await
                    } else {
                        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "a bearer token is needed\n").into_response()
                    }
                }
            }))
        }
    }
}

/// Compare in time that does not depend on where the bytes differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Serve the operations address until the server stops.
pub async fn serve_ops(listener: tokio::net::TcpListener, state: AppState, token: Option<String>) -> std::io::Result<()> {
    let stopped = state.ops().stopped();
    axum::serve(listener, router(state, token)).with_graceful_shutdown(stopped).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"Bearer x", b"Bearer x"));
        assert!(!same(b"Bearer x", b"Bearer y") && !same(b"Bearer", b"Bearer x"));
    }

    #[test]
    fn a_publisher_without_rounds_goes_stuck() {
        let o = OpsState::default();
        let t0 = DateTime::from_timestamp(1_000_000, 0).unwrap_or_default();
        assert_eq!(o.publisher_idle(t0), None);
        o.publisher_started(t0);
        o.set_publisher_stuck_after(Duration::from_secs(10));
        assert!(!o.publisher_stuck(t0 + chrono::TimeDelta::seconds(5)));
        assert!(o.publisher_stuck(t0 + chrono::TimeDelta::seconds(11)));
        o.publisher_round_done(t0 + chrono::TimeDelta::seconds(11));
        assert!(!o.publisher_stuck(t0 + chrono::TimeDelta::seconds(12)));
    }
}
