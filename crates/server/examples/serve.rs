//! Run the server alone while working on it: `cargo run -p flexpension-server --example serve -- 127.0.0.1:8080`.
//! (The `flexpension serve` command of the CLI is the real way to run it.)

use flexpension_rules::Params;
use flexpension_server::AppState;
use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let params = Params::embedded().map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    flexpension_server::serve(listener, AppState::new(Arc::new(params))).await
}
