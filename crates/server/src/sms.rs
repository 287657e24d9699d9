//! Text messages out: the store's outbox (`sms_outbox`, migration 0061) is what a gateway
//! adapter sends. There is no SMS gateway here; the development adapter (`serve --sms-file
//! PATH`) appends each text to a file, one line each, as a file email backend would. Without
//! it, texts wait in the outbox for a real adapter (and are blanked when their code expires).
//!
//! A line: `RFC 3339 time <TAB> worker=ID <TAB> to=MASKED PHONE <TAB> text`. The registered phone
//! is kept only as a keyed hash, so a real adapter finds the number in the agency's registry by
//! the worker.

use crate::AppState;
use flexpension_store::Store;
use std::io::Write;

/// Hand every pending text to the adapter configured in `state`; gives how many were sent.
/// Nothing happens without one.
pub async fn deliver(state: &AppState, store: &Store) -> Result<usize, String> {
    let Some(path) = state.sms_file() else { return Ok(0) };
    let pending = store.sms_pending().await.map_err(|e| e.to_string())?;
    let mut sent = 0;
    for m in pending {
        let at = chrono::DateTime::from_timestamp_micros(m.created_at_us)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        // One line per text: line breaks inside one would split it.
        let body: String = m.body.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let line = format!("{at}\tworker={}\tto={}\t{body}\n", m.worker.0, m.phone_masked);
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            f.write_all(line.as_bytes())
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("the text file could not be written: {e}"))?;
        store.sms_sent(m.id).await.map_err(|e| e.to_string())?;
        sent += 1;
    }
    Ok(sent)
}
