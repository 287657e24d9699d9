//! `flexpension serve` and `flexpension demo`: start the server and say where to look. Log lines
//! go to stderr (level from FLEXPENSION_LOG: error, warn, info (default), debug, trace).

use crate::UsageError;
use anyhow::Context;
use flexpension_rules::Params;
use flexpension_server::AppState;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub fn run(params: Params, addr: &str, demo: Option<&Path>, db: Option<&str>, region: &str) -> anyhow::Result<()> {
    params.scenario(region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    init_logging()?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let mut state = AppState::new(Arc::new(params)).with_region(region);
        if let Some(url) = db {
            if let Some(data) = demo {
                std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
            }
            state = state.with_store(crate::data::open(url).await?);
        }
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|e| UsageError(format!("--addr: cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        // The first line is read by scripts (tests, benchmarks) to find the port.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        if let Some(data) = demo {
            std::fs::create_dir_all(data).with_context(|| format!("cannot create {}", data.display()))?;
            writeln!(out, "flexpension demo")?;
            writeln!(out, "  the worker's calculator (中文):  http://{local}/")?;
            writeln!(out, "  in English:                     http://{local}/?lang=en")?;
            writeln!(out, "  a rider earning 3800 yuan:      http://{local}/?income=3800&month=2025-03")?;
            writeln!(out, "  the API, browsable:             http://{local}/api/docs/")?;
            writeln!(out, "  one calculation as JSON:        http://{local}/api/v1/calc/contribution?region=zj&month=2025-03&income=3800")?;
            if let Some(url) = db {
                writeln!(out, "  data:                           {}", crate::data::redact(url))?;
            }
            writeln!(out, "Stop with Ctrl-C.")?;
        }
        out.flush()?;
        drop(out);
        flexpension_server::serve(listener, state).await.context("the server stopped")
    })
}

fn init_logging() -> anyhow::Result<()> {
    use tracing_subscriber::filter::LevelFilter;
    let level = match std::env::var("FLEXPENSION_LOG").ok().as_deref().map(str::trim) {
        None | Some("") => LevelFilter::INFO,
        Some(l) => l.parse().map_err(|_| UsageError(format!("FLEXPENSION_LOG: '{l}' is not a level (error, warn, info, debug, trace)")))?,
    };
    // Another subscriber already set (an embedding program) is fine.
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).with_max_level(level).finish(),
    );
    Ok(())
}
