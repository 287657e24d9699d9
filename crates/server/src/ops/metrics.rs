//! Prometheus metrics (the `metrics` facade with `metrics-exporter-prometheus`'s recorder).
//!
//! Counters and histograms are recorded where things happen (requests by the request layer,
//! ingest rows by the earnings handler, month closes by the job, payments by the payment file
//! handler); the store's figures (the log, the witnesses' lag, the jobs' queues) are read when
//! `/metrics` is scraped. Until [`install`] runs (`serve` with an operations address), the
//! macros record nothing and cost next to nothing.
//!
//! Labels are bounded: a request's route is its matched template (`/officer/workers/{id}`,
//! never the raw path), unmatched paths are one label `unmatched`, the status is the number.

use crate::AppState;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Requests answered: `method`, `route` (the matched template) and `status`.
pub const HTTP_REQUESTS: &str = "flexpension_http_requests_total";
/// Request latency in seconds: `method` and `route`.
pub const HTTP_DURATION: &str = "flexpension_http_request_duration_seconds";
/// Earnings rows of platform batches: `outcome` accepted, duplicate, conflicting or rejected.
pub const INGEST_ROWS: &str = "flexpension_ingest_rows_total";
/// Earnings batches committed.
pub const INGEST_BATCHES: &str = "flexpension_ingest_batches_total";
/// Month closes run by the server: `outcome` closed or failed.
pub const MONTH_CLOSES: &str = "flexpension_month_closes_total";
/// How long a month close took, in seconds.
pub const MONTH_CLOSE_DURATION: &str = "flexpension_month_close_duration_seconds";
/// Payment rows of officers' payment files: `outcome` accepted, duplicate or rejected.
pub const PAYMENTS: &str = "flexpension_payments_total";

/// Latency buckets of requests (seconds): a calculator answers in well under a millisecond, a
/// large earnings batch in seconds.
const REQUEST_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// A month close takes seconds to minutes (docs/PERFORMANCE.md).
const CLOSE_BUCKETS: [f64; 10] = [0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Install the process's recorder (once; later calls give the same handle). Another recorder
/// already installed (an embedding program) leaves this one detached: `/metrics` then shows
/// only what this handle saw.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Full(HTTP_DURATION.into()), &REQUEST_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(metrics_exporter_prometheus::Matcher::Full(MONTH_CLOSE_DURATION.into()), &CLOSE_BUCKETS)
            });
        let recorder = match builder {
            Ok(b) => b.build_recorder(),
            // Only an empty bucket list fails, and ours are not empty.
            Err(_) => PrometheusBuilder::new().build_recorder(),
        };
        let handle = recorder.handle();
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

/// Whether [`install`] ran.
pub fn installed() -> bool {
    HANDLE.get().is_some()
}

fn describe() {
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, matched route template and status");
    metrics::describe_histogram!(HTTP_DURATION, metrics::Unit::Seconds, "HTTP request latency by method and matched route template");
    metrics::describe_counter!(INGEST_ROWS, "earnings rows of platform batches by outcome");
    metrics::describe_counter!(INGEST_BATCHES, "earnings batches committed");
    metrics::describe_counter!(MONTH_CLOSES, "month closes run by the server, by outcome");
    metrics::describe_histogram!(MONTH_CLOSE_DURATION, metrics::Unit::Seconds, "month close duration");
    metrics::describe_counter!(PAYMENTS, "payment rows of officers' payment files by outcome");
}

/// One request answered.
pub fn request(method: &str, route: &str, status: u16, took: Duration) {
    if !installed() {
        return;
    }
    metrics::counter!(HTTP_REQUESTS, "method" => method.to_string(), "route" => route.to_string(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method.to_string(), "route" => route.to_string()).record(took.as_secs_f64());
}

/// A platform's batch committed.
pub fn ingest(accepted: u64, duplicate: u64, conflicting: u64, rejected: u64) {
    metrics::counter!(INGEST_BATCHES).increment(1);
    for (outcome, n) in [("accepted", accepted), ("duplicate", duplicate), ("conflicting", conflicting), ("rejected", rejected)] {
        metrics::counter!(INGEST_ROWS, "outcome" => outcome).increment(n);
    }
}

/// A month close by the server: closed (with its duration) or failed.
pub fn month_close(ok: bool, took: Duration) {
    metrics::counter!(MONTH_CLOSES, "outcome" => if ok { "closed" } else { "failed" }).increment(1);
    if ok {
        metrics::histogram!(MONTH_CLOSE_DURATION).record(took.as_secs_f64());
    }
}

/// A payment file booked.
pub fn payments(accepted: u64, duplicate: u64, rejected: u64) {
    for (outcome, n) in [("accepted", accepted), ("duplicate", duplicate), ("rejected", rejected)] {
        metrics::counter!(PAYMENTS, "outcome" => outcome).increment(n);
    }
}

/// The text of `/metrics`: what was recorded, then the store's figures read now.
pub async fn render(state: &AppState) -> String {
    let mut out = install().render();
    out.push_str(&store_figures(state).await);
    out
}

/// The store's gauges in the Prometheus text format (written here rather than recorded, so
/// they are read at the scrape and a witness that went away leaves no stale series).
async fn store_figures(state: &AppState) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let mut gauge = |name: &str, help: &str, rows: &[(String, f64)]| {
        let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, v) in rows {
            let _ = writeln!(s, "{name}{labels} {v}");
        }
    };
    let Some(store) = state.store() else {
        gauge("flexpension_store_up", "1 when the store answered this scrape", &[(String::new(), 0.0)]);
        return s;
    };
    let figures = match store.ops_figures().await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "the store's figures could not be read for /metrics");
            gauge("flexpension_store_up", "1 when the store answered this scrape", &[(String::new(), 0.0)]);
            return s;
        }
    };
    let now_us = state.now().timestamp_micros();
    let one = |v: i64| vec![(String::new(), v as f64)];
    gauge("flexpension_store_up", "1 when the store answered this scrape", &one(1));
    gauge("flexpension_log_entries", "entries sequenced in the tamper-evident log", &one(figures.log_size));
    gauge("flexpension_log_integrated_entries", "entries integrated into the log's Merkle tree", &one(figures.log_integrated));
    gauge("flexpension_log_checkpoint_size", "size of the latest signed checkpoint", &one(figures.checkpoint_size));
    if let Some(at) = figures.checkpoint_at_us {
        let age = (now_us - at).max(0) as f64 / 1e6;
        gauge("flexpension_log_checkpoint_age_seconds", "seconds since the latest checkpoint was signed", &[(String::new(), age)]);
    }
    let lag: Vec<(String, f64)> = figures
        .witnesses
        .iter()
        .map(|(name, size)| (format!("{{witness=\"{}\"}}", label_value(name)), (figures.checkpoint_size - size).max(0) as f64))
        .collect();
    gauge("flexpension_log_witness_lag_entries", "entries of the latest checkpoint a witness has not cosigned yet", &lag);
    let queues = [
        ("agency_outbox", figures.outbox_pending),
        ("agency_inbox", figures.inbox_pending),
        ("alerts_open", figures.alerts_open),
        ("complaint_deadlines", figures.complaints_waiting),
        ("notices", figures.notices_waiting),
        ("texts", figures.texts_unsent),
    ];
    let rows: Vec<(String, f64)> = queues.iter().map(|(q, n)| (format!("{{queue=\"{q}\"}}"), *n as f64)).collect();
    gauge("flexpension_queue_depth", "items waiting for a background job, by queue", &rows);
    if let Some(age) = state.ops().publisher_idle(state.now()) {
        gauge(
            "flexpension_log_publisher_idle_seconds",
            "seconds since the log publisher last finished a round",
            &[(String::new(), age.as_secs_f64())],
        );
    }
    s
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn label_values_are_escaped() {
        assert_eq!(super::label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
