//! `flexpension serve` and `flexpension demo`: start the server and say where to look.

use crate::UsageError;
use anyhow::Context;
use flexpension_rules::Params;
use flexpension_server::AppState;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub fn run(params: Params, addr: &str, demo: Option<&Path>) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
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
            writeln!(out, "Stop with Ctrl-C.")?;
        }
        out.flush()?;
        drop(out);
        flexpension_server::serve(listener, AppState::new(Arc::new(params))).await.context("the server stopped")
    })
}
