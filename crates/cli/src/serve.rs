//! `flexpension serve`: start the server and say where it listens. Log lines
//! go to stderr (level from FLEXPENSION_LOG: error, warn, info (default), debug, trace).

use crate::UsageError;
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

pub fn run(params: Params, addr: &str, db: Option<&str>, region: Option<&str>, auto_close: bool, log: LogOptions) -> anyhow::Result<()> {
    if let Some(r) = region {
        params.scenario(r, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    }
    init_logging()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        // The region: the one given, else the store's own, else the default.
        let store = match db {
            Some(url) => Some(crate::data::open(url).await?),
            None => None,
        };
        let region = match &store {
            Some(s) => crate::data::store_region(s, region).await?,
            None => region.unwrap_or(flexpension_server::DEFAULT_REGION).to_string(),
        };
        params.scenario(&region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
        let mut state = AppState::new(Arc::new(params)).with_region(&region);
        if let Some(s) = store {
            state = state.with_store(s);
        }
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| UsageError(format!("--addr: cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        if let Some(p) = &log.sms_file {
            state = state.with_sms_file(p);
        }
        state = state.with_witnesses(log.witnesses).with_public_url(&log.public_url.unwrap_or_else(|| format!("http://{local}")));
        // The first line is read by scripts (tests, benchmarks) to find the port.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        out.flush()?;
        drop(out);
        if state.store().is_some() {
            tokio::spawn(flexpension_server::log::publish_loop(state.clone(), PUBLISH_EVERY));
            // Daily, first a minute after the start so that the server is up before it works.
            let day = std::time::Duration::from_secs(24 * 3600);
            tokio::spawn(flexpension_server::jobs::monitor_loop(state.clone(), std::time::Duration::from_secs(60), day));
            tokio::spawn(flexpension_server::jobs::outreach_loop(state.clone(), std::time::Duration::from_secs(120), day));
            tokio::spawn(flexpension_server::jobs::agency_delivery_loop(state.clone(), DELIVER_EVERY));
            tokio::spawn(flexpension_server::jobs::complaint_deadline_loop(state.clone(), COMPLAINT_DEADLINE_EVERY));
        }
        if auto_close {
            tokio::spawn(flexpension_server::jobs::month_close_loop(state.clone(), std::time::Duration::from_secs(3600)));
        }
        flexpension_server::serve(listener, state).await.context("the server stopped")
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
    // Another subscriber already set (an embedding program) is fine.
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).with_max_level(level).finish(),
    );
    Ok(())
}
