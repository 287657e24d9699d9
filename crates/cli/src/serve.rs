//! `flexpension serve`: start the server and say where it listens. Log lines
//! go to stderr (level from FLEXPENSION_LOG: error, warn, info (default), debug, trace).

use crate::UsageError;
use anyhow::Context;
use flexpension_rules::Params;
use flexpension_server::AppState;
use std::io::Write;
use std::sync::Arc;

pub fn run(params: Params, addr: &str, db: Option<&str>, region: &str, auto_close: bool) -> anyhow::Result<()> {
    params.scenario(region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    init_logging()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let mut state = AppState::new(Arc::new(params)).with_region(region);
        if let Some(url) = db {
            state = state.with_store(crate::data::open(url).await?);
        }
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| UsageError(format!("--addr: cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        // The first line is read by scripts (tests, benchmarks) to find the port.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        out.flush()?;
        drop(out);
        if auto_close {
            tokio::spawn(flexpension_server::jobs::month_close_loop(state.clone(), std::time::Duration::from_secs(3600)));
        }
        flexpension_server::serve(listener, state).await.context("the server stopped")
    })
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
