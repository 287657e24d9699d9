//! The log over HTTP (docs/LOG.md): C2SP tlog-tiles under `/log/` (the checkpoint,
//! hash tiles, entry bundles), and the publisher that integrates new entries, signs a
//! checkpoint and asks the witnesses to cosign it (C2SP tlog-witness `add-checkpoint`).

use crate::AppState;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flexpension_store::Store;
use flexpension_tlog::{CosignVerifier, Hash, Tile, parse_note};
use std::time::Duration;

/// The witnesses a region's server asks, and how many cosignatures make a checkpoint count.
#[derive(Debug, Clone, Default)]
pub struct Witnesses {
    pub peers: Vec<WitnessPeer>,
    pub quorum: usize,
}

/// A witness: where it listens and its verifier key (`name+hash+base64`).
#[derive(Debug, Clone)]
pub struct WitnessPeer {
    pub url: String,
    pub key: String,
}

impl WitnessPeer {
    /// `URL=KEY`, e.g. `http://127.0.0.1:7001=union+1a2b3c4d+AQ...`.
    pub fn parse(spec: &str) -> Result<WitnessPeer, String> {
        let (url, key) = spec.split_once('=').ok_or("write a witness as URL=KEY")?;
        CosignVerifier::parse(key).map_err(|e| format!("witness key: {e}"))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("witness URL '{url}' must start with http:// or https://"));
        }
        Ok(WitnessPeer { url: url.trim_end_matches('/').to_string(), key: key.to_string() })
    }

    pub fn name(&self) -> &str {
        self.key.split('+').next().unwrap_or("")
    }
}

/// The `add-checkpoint` request body: `old N`, the consistency proof (base64, a line each), a
/// blank line, the checkpoint note.
pub fn add_checkpoint_body(old: u64, proof: &[Hash], note: &str) -> String {
    let mut s = format!("old {old}\n");
    for h in proof {
        s.push_str(&h.to_base64());
        s.push('\n');
    }
    s.push('\n');
    s.push_str(note);
    s
}

/// Parse an `add-checkpoint` body.
pub fn parse_add_checkpoint(body: &str) -> Result<(u64, Vec<Hash>, String), String> {
    let (head, note) = body.split_once("\n\n").ok_or("no blank line between the proof and the checkpoint")?;
    let mut lines = head.lines();
    let old = lines
        .next()
        .and_then(|l| l.strip_prefix("old "))
        .ok_or("the first line must be 'old N'")?
        .parse::<u64>()
        .map_err(|e| format!("old size: {e}"))?;
    let proof = lines.map(|l| Hash::from_base64(l).map_err(|e| format!("proof line: {e}"))).collect::<Result<Vec<_>, _>>()?;
    Ok((old, proof, note.to_string()))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/log/checkpoint", get(checkpoint)).route("/log/tile/{*path}", get(tile))
}

fn text(status: StatusCode, body: String, cache: &'static str) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

async fn checkpoint(State(s): State<AppState>) -> Response {
    let Some(store) = s.store() else { return text(StatusCode::NOT_FOUND, "this server keeps no log\n".into(), "no-store") };
    match store.log_checkpoint().await {
        Ok(Some((_, note))) => text(StatusCode::OK, note, "no-cache"),
        Ok(None) => text(StatusCode::NOT_FOUND, "no checkpoint yet\n".into(), "no-cache"),
        Err(e) => failed(e),
    }
}

fn failed(e: flexpension_store::StoreError) -> Response {
    let e = crate::api::ApiError::from(e);
    if e.status == StatusCode::NOT_FOUND {
        return text(StatusCode::NOT_FOUND, format!("{}\n", e.body.message), "no-cache");
    }
    tracing::error!(error = %e.body.message, "the log failed to read the store");
    text(StatusCode::SERVICE_UNAVAILABLE, "the log could not be read; try again\n".into(), "no-store")
}

/// The most records this log can hold (the tlog crate's bound): a tile reaching past it names
/// nothing, whatever the tree's size.
const MAX_RECORDS: u128 = 1 << 62;

/// Whether the tile at `level`, index `n`, width `w` (of 256) lies inside a log of at most
/// [`MAX_RECORDS`] records; checked before anything is computed from it, so no level or index
/// can overflow the arithmetic that follows.
fn tile_in_range(level: u8, n: u64, w: u32) -> bool {
    let span = 8 * (u32::from(level) + 1);
    (1..=256).contains(&w) && span <= 62 && (u128::from(n) + 1) << span <= MAX_RECORDS
}

/// `/log/tile/L/N[.p/W]` (hashes) and `/log/tile/entries/N[.p/W]` (entry bundles). Full tiles
/// never change: cached for a year. Partial ones are replaced as the tree grows. A path that
/// names no tile of this log is 404, never a server error.
async fn tile(State(s): State<AppState>, Path(path): Path<String>) -> Response {
    let Some(store) = s.store() else { return text(StatusCode::NOT_FOUND, "this server keeps no log\n".into(), "no-store") };
    let full = format!("tile/{path}");
    let no_such = || text(StatusCode::NOT_FOUND, format!("no such tile: {}\n", crate::privacy::scrub_ids(&full)), "no-cache");
    let (data, partial) = if let Some(rest) = path.strip_prefix("entries/") {
        // Parse the entry-bundle index through the hash-tile parser (same N/.p/W encoding).
        let Ok(t) = Tile::parse_path(&format!("tile/0/{rest}")) else { return no_such() };
        let width = if t.w == 0 { 256 } else { t.w };
        if !tile_in_range(0, t.n, width) {
            return no_such();
        }
        match store.log_entries(t.n * 256, u64::from(width)).await {
            Ok(es) => {
                let refs: Vec<&[u8]> = es.iter().map(Vec::as_slice).collect();
                (flexpension_tlog::encode_entry_bundle(&refs), width < 256)
            }
            Err(e) => return failed(e),
        }
    } else {
        let Ok(t) = Tile::parse_path(&full) else { return no_such() };
        if !tile_in_range(t.l, t.n, t.w) {
            return no_such();
        }
        match store.log_tile(&t).await {
            Ok(d) => (d, t.w < 256),
            Err(e) => return failed(e),
        }
    };
    let mut r = (StatusCode::OK, data).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    let cache = if partial { "public, max-age=5" } else { "public, max-age=31536000, immutable" };
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}

/// Integrate what was sequenced, sign a checkpoint, and collect cosignatures from the
/// witnesses that have not cosigned it. Returns the size published.
pub async fn publish(state: &AppState) -> Result<Option<u64>, String> {
    let Some(store) = state.store() else { return Ok(None) };
    let done = store.log_integrate().await.map_err(|e| e.to_string())?;
    if done.size == 0 {
        return Ok(Some(0));
    }
    for peer in &state.witnesses().peers {
        if let Err(e) = cosign_with(store, peer, done.size).await {
            tracing::warn!(witness = peer.name(), error = %e, "a witness did not cosign; will ask again");
        }
    }
    Ok(Some(done.size))
}

/// Ask one witness to cosign the checkpoint of `size`, proving consistency with the size it
/// last cosigned; a 409 answer names the size it holds, and the request is made again from it.
async fn cosign_with(store: &Store, peer: &WitnessPeer, size: u64) -> Result<(), String> {
    let mut old = store.log_witness_size(peer.name()).await.map_err(|e| e.to_string())?;
    if old >= size {
        return Ok(());
    }
    let note = store.log_checkpoint_at(size).await.map_err(|e| e.to_string())?.ok_or("no checkpoint of that size")?;
    let verifier = CosignVerifier::parse(&peer.key).map_err(|e| e.to_string())?;
    for _ in 0..2 {
        let proof = if old == 0 { Vec::new() } else { store.log_consistency(old, size).await.map_err(|e| e.to_string())?.2 };
        let body = add_checkpoint_body(old, &proof, &note);
        let url = format!("{}/add-checkpoint", peer.url);
        let answer = tokio::task::spawn_blocking(move || post(&url, body)).await.map_err(|e| e.to_string())??;
        match answer {
            (200, text) => {
                let line = text.lines().find(|l| l.starts_with("— ")).ok_or("the witness answered without a cosignature")?;
                // Keep only a cosignature that verifies for this checkpoint.
                let with = flexpension_tlog::add_signature_lines(&note, &[format!("{line}\n")]).map_err(|e| e.to_string())?;
                let parsed = parse_note(&with).map_err(|e| e.to_string())?;
                let text_part = parsed.text.clone();
                if verifier.verify(&text_part, &parsed).is_none() {
                    return Err("the witness's cosignature does not verify".into());
                }
                store.log_add_cosignature(size, peer.name(), line).await.map_err(|e| e.to_string())?;
                return Ok(());
            }
            (409, text) => {
                old = text.trim().parse::<u64>().map_err(|_| format!("409 without a size: {text}"))?;
                if old > size {
                    return Err(format!("the witness has seen a larger tree ({old}) than this log's {size}"));
                }
            }
            (code, text) => return Err(format!("HTTP {code}: {}", text.trim())),
        }
    }
    Err("the witness kept changing its size".into())
}

fn post(url: &str, body: String) -> Result<(u16, String), String> {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(10))).build().new_agent();
    let mut res = agent.post(url).header("content-type", "text/plain").send(body).map_err(|e| format!("{url}: {e}"))?;
    let code = res.status().as_u16();
    let text = res.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok((code, text))
}

/// Publish every `every` for as long as the server runs.
pub async fn publish_loop(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    // A slow round (a witness timing out) is followed by a pause, not by a burst of catch-up rounds.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Its heartbeat: `/readyz` says not ready when no round has finished for a while.
    state.ops().publisher_started(state.now());
    while crate::ops::next_tick(&state, &mut tick).await {
        if let Err(e) = publish(&state).await {
            tracing::warn!(error = %e, "publishing the log failed; will try again");
        }
        state.ops().publisher_round_done(state.now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_checkpoint_body_round_trips() {
        let p = vec![flexpension_tlog::leaf_hash(b"a"), flexpension_tlog::leaf_hash(b"b")];
        let note = "o\n5\nAAAA\n\n— o abc\n";
        let body = add_checkpoint_body(3, &p, note);
        assert_eq!(parse_add_checkpoint(&body).unwrap(), (3, p, note.to_string()));
        assert_eq!(parse_add_checkpoint(&add_checkpoint_body(0, &[], note)).unwrap(), (0, vec![], note.to_string()));
        assert!(parse_add_checkpoint("old x\n\nnote").is_err());
    }

    #[test]
    fn tiles_past_the_largest_log_are_out_of_range() {
        assert!(tile_in_range(0, 0, 256));
        assert!(tile_in_range(6, 0, 1));
        assert!(!tile_in_range(7, 0, 1), "a level-7 tile spans 2^64 records");
        for level in [8u8, 15, 16, 23, 24, 63] {
            assert!(!tile_in_range(level, 0, 256), "level {level}");
        }
        assert!(!tile_in_range(0, u64::MAX, 256));
        assert!(!tile_in_range(0, (1 << 54) - 1 + 1, 256));
        assert!(tile_in_range(0, (1 << 54) - 1, 256));
        assert!(!tile_in_range(0, 0, 0) && !tile_in_range(0, 0, 257));
    }
}
