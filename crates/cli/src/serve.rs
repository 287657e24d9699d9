//! `flexpension serve`: start the server and say where it listens. Log lines
//! go to stderr (level from FLEXPENSION_LOG: error, warn, info (default), debug, trace; as JSON
//! lines with FLEXPENSION_LOG_FORMAT=json). Its settings: `crate::config`.

use crate::UsageError;
use crate::config::LogFormat;
use anyhow::Context;
use flexpension_rules::Params;
use flexpension_server::AppState;
use std::io::Write;
use std::sync::Arc;

/// The log's settings of a server: its witnesses and its public address.
pub struct LogOptions {
    pub witnesses: flexpension_server::log::Witnesses,
    pub public_url: Option<String>,
    /// Development: append outgoing text messages (the terminal's sign-in codes) to this file.
    pub sms_file: Option<std::path::PathBuf>,
}

impl LogOptions {
    pub fn parse(witness: &[String], quorum: Option<usize>, public_url: Option<&str>) -> anyhow::Result<LogOptions> {
        let peers = witness
            .iter()
            .map(|w| flexpension_server::log::WitnessPeer::parse(w).map_err(|e| UsageError(format!("--witness: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let quorum = quorum.unwrap_or(peers.len());
        if quorum > peers.len() {
            return Err(UsageError(format!("--witness-quorum: {quorum} is more than the {} witnesses given", peers.len())).into());
        }
        if let Some(u) = public_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(UsageError(format!("--public-url: '{u}' must start with http:// or https://")).into());
        }
        Ok(LogOptions {
            witnesses: flexpension_server::log::Witnesses { peers, quorum },
            public_url: public_url.map(str::to_string),
            sms_file: None,
        })
    }
}

/// How often new log entries are integrated and a checkpoint signed and sent to witnesses.
pub const PUBLISH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// How often the agency outbox is looked at for messages due (each has its own backoff).
pub const DELIVER_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
/// How often the complaints' response deadline is checked (an escalation is at most this late).
pub const COMPLAINT_DEADLINE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Serve with the effective settings (`crate::config`): the main address, and with
/// `ops_addr` the operations address (metrics, health, readiness). At SIGTERM or Ctrl-C the
/// requests in flight finish, the jobs stop at their next safe point and the store is closed.
pub fn run(params: Params, settings: crate::config::Settings) -> anyhow::Result<()> {
    let region = settings.region.as_deref();
    let mut log = LogOptions::parse(&settings.witness, settings.witness_quorum, settings.public_url.as_deref())?;
    log.sms_file = settings.sms_file.as_ref().map(std::path::PathBuf::from);
    if let Some(r) = region {
        params.scenario(r, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    }
    init_logging_with(&settings.log_level, settings.log_format)?;
    let addr = settings.addr.as_str();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        // The region: the one given, else the store's own, else the default.
        let store = match &settings.db {
            Some(url) => Some(crate::data::open(url).await?),
            None => None,
        };
        let region = match &store {
            Some(s) => crate::data::store_region(s, region).await?,
            None => region.unwrap_or(flexpension_server::DEFAULT_REGION).to_string(),
        };
        params.scenario(&region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
        let mut state = AppState::new(Arc::new(params)).with_region(&region);
        if let Some(s) = &store {
            state = state.with_store(s.clone());
        }
        let proxies = flexpension_server::parse_trusted_proxies(&settings.trusted_proxies.join(","))
            .map_err(|e| UsageError(format!("trusted_proxies: {e}")))?;
        state = state.with_trusted_proxies(proxies);
        state.ops().set_publisher_stuck_after(std::time::Duration::from_secs(settings.publisher_stuck_after_seconds));
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| UsageError(format!("--addr: cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        if let Some(p) = &log.sms_file {
            state = state.with_sms_file(p);
        }
        state = state.with_witnesses(log.witnesses).with_public_url(&log.public_url.unwrap_or_else(|| format!("http://{local}")));
        let ops = match &settings.ops_addr {
            Some(a) => {
                let l = tokio::net::TcpListener::bind(a).await.map_err(|e| UsageError(format!("--ops-addr: cannot listen on {a}: {e}")))?;
                Some(l)
            }
            None => None,
        };
        // The first line is read by scripts (tests, benchmarks) to find the port; the second,
        // with an operations address, says where that is.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        if let Some(l) = &ops {
            writeln!(out, "operations on http://{}", l.local_addr()?)?;
        }
        out.flush()?;
        drop(out);
        if let Some(l) = ops {
            tokio::spawn(flexpension_server::ops::serve_ops(l, state.clone(), settings.ops_token.clone()));
        }
        if state.store().is_some() {
            use flexpension_server::ops::spawn_job;
            spawn_job(&state, "log publisher", flexpension_server::log::publish_loop(state.clone(), PUBLISH_EVERY));
            // Daily, first a minute after the start so that the server is up before it works.
            let day = std::time::Duration::from_secs(24 * 3600);
            let minute = std::time::Duration::from_secs(60);
            spawn_job(&state, "risk monitor", flexpension_server::jobs::monitor_loop(state.clone(), minute, day));
            spawn_job(&state, "policy-fit profile", flexpension_server::jobs::outreach_loop(state.clone(), 2 * minute, day));
            spawn_job(&state, "agency delivery", flexpension_server::jobs::agency_delivery_loop(state.clone(), DELIVER_EVERY));
            spawn_job(
                &state,
                "complaint deadlines",
                flexpension_server::jobs::complaint_deadline_loop(state.clone(), COMPLAINT_DEADLINE_EVERY),
            );
        }
        if settings.auto_close {
            let hour = std::time::Duration::from_secs(3600);
            flexpension_server::ops::spawn_job(&state, "month close", flexpension_server::jobs::month_close_loop(state.clone(), hour));
        }
        let served = flexpension_server::serve(listener, state).await;
        if let Some(s) = store {
            s.close().await;
        }
        tracing::info!("stopped");
        served.context("the server stopped")
    })
}

/// Logging for other long-running commands (the witness).
pub fn init_logging_pub() -> anyhow::Result<()> {
    init_logging()
}

fn init_logging() -> anyhow::Result<()> {
    init_logging_at(tracing_subscriber::filter::LevelFilter::INFO)
}

/// The demo's logging: warnings only unless FLEXPENSION_LOG says otherwise, so that its
/// progress lines are not lost among a line per ingested batch.
pub fn init_logging_quiet() -> anyhow::Result<()> {
    init_logging_at(tracing_subscriber::filter::LevelFilter::WARN)
}

fn init_logging_at(default: tracing_subscriber::filter::LevelFilter) -> anyhow::Result<()> {
    let level = match std::env::var("FLEXPENSION_LOG").ok().as_deref().map(str::trim) {
        None | Some("") => default,
        Some(l) => l.parse().map_err(|_| UsageError(format!("FLEXPENSION_LOG: '{l}' is not a level (error, warn, info, debug, trace)")))?,
    };
    let format = match std::env::var("FLEXPENSION_LOG_FORMAT").ok().as_deref().map(str::trim) {
        None | Some("") => LogFormat::Text,
        Some(f) => LogFormat::parse("FLEXPENSION_LOG_FORMAT", f)?,
    };
    install_subscriber(level, format);
    Ok(())
}

/// `serve`'s logging: the level and format of its settings.
fn init_logging_with(level: &str, format: LogFormat) -> anyhow::Result<()> {
    let level =
        level.trim().parse().map_err(|_| UsageError(format!("log level: '{level}' is not a level (error, warn, info, debug, trace)")))?;
    install_subscriber(level, format);
    Ok(())
}

/// Lines on stderr: plain text, or one JSON object a line (the event's fields at the top, the
/// request's id under `span` for events inside a request).
fn install_subscriber(level: tracing_subscriber::filter::LevelFilter, format: LogFormat) {
    let fmt = tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).with_max_level(level);
    // Another subscriber already set (an embedding program) is fine.
    let _ = match format {
        LogFormat::Text => tracing::subscriber::set_global_default(fmt.finish()),
        LogFormat::Json => {
            tracing::subscriber::set_global_default(fmt.json().flatten_event(true).with_current_span(true).with_span_list(false).finish())
        }
    };
}
