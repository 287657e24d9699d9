//! A witness (`flexpension witness`): a separate process with its own key, run by another
//! department (the union, the labour inspection office, the audit office). It answers C2SP
//! tlog-witness `POST /add-checkpoint`: it checks the region's signature and the consistency
//! of the new checkpoint with the last one it cosigned, refuses a fork, cosigns, and remembers
//! the new size in its state file (written before it answers, so a crash never forgets a
//! cosignature).

use crate::log::parse_add_checkpoint;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use flexpension_tlog::{CosignSigner, Hash, NoteVerifier, WitnessError, WitnessState, witness_checkpoint};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Mutex;

/// A witness: its key, the one log it watches, and where it keeps its view.
pub struct Witness {
    pub signer: CosignSigner,
    pub log: NoteVerifier,
    pub state_file: PathBuf,
    lock: Mutex<()>,
}

#[derive(Serialize, Deserialize)]
struct Saved {
    origin: String,
    size: u64,
    root: String,
}

impl Witness {
    pub fn new(signer: CosignSigner, log: NoteVerifier, state_file: PathBuf) -> Witness {
        Witness { signer, log, state_file, lock: Mutex::new(()) }
    }

    /// The view kept in the state file (`None`: it has cosigned nothing yet).
    pub fn load(&self) -> Result<Option<WitnessState>, String> {
        let text = match std::fs::read_to_string(&self.state_file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", self.state_file.display())),
        };
        let s: Saved = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", self.state_file.display()))?;
        let root = Hash::from_hex(&s.root).map_err(|e| e.to_string())?;
        Ok(Some(WitnessState { origin: s.origin, size: s.size, root }))
    }

    fn save(&self, st: &WitnessState) -> Result<(), String> {
        let text = serde_json::to_string(&Saved { origin: st.origin.clone(), size: st.size, root: st.root.to_hex() })
            .map_err(|e| e.to_string())?;
        let tmp = self.state_file.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.state_file).map_err(|e| format!("{}: {e}", self.state_file.display()))
    }

    /// Handle one `add-checkpoint` body: (status, body).
    pub async fn add_checkpoint(&self, body: &str) -> (u16, String) {
        let (old, proof, note) = match parse_add_checkpoint(body) {
            Ok(x) => x,
            Err(e) => return (400, format!("{e}\n")),
        };
        let _one = self.lock.lock().await;
        let prev = match self.load() {
            Ok(p) => p,
            Err(e) => return (500, format!("the witness cannot read its state: {e}\n")),
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        match witness_checkpoint(prev.as_ref(), &self.log, old, &proof, &note, &self.signer, now) {
            Ok((st, line)) => {
                if let Err(e) = self.save(&st) {
                    return (500, format!("the witness cannot keep its state: {e}\n"));
                }
                tracing::info!(size = st.size, "cosigned");
                (200, line)
            }
            Err(WitnessError::Conflict { size, .. }) => (409, format!("{size}\n")),
            Err(e) => {
                tracing::warn!(error = %e, "refused a checkpoint");
                (e.http_status(), format!("{e}\n"))
            }
        }
    }
}

/// The witness's routes: `POST /add-checkpoint`.
pub fn router(w: Arc<Witness>) -> Router {
    Router::new().route("/add-checkpoint", post(add)).with_state(w)
}

async fn add(State(w): State<Arc<Witness>>, body: String) -> Response {
    let (code, text) = w.add_checkpoint(&body).await;
    let mut r = (StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text).into_response();
    let ct = if code == 409 { "text/x.tlog.size" } else { "text/plain; charset=utf-8" };
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}
