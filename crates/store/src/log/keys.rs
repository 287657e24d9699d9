//! The region's log key: an Ed25519 seed made once with the OS CSPRNG and kept in `store_meta`
//! (like the pepper), named by the log's origin. A deployment with a hardware key would sign
//! here instead.

use crate::backend::Db;
use crate::ids::random32;
use crate::{Result, StoreError};
use flexpension_tlog::NoteSigner;

/// The origin (and key name) of a log made without one given.
pub const DEFAULT_ORIGIN: &str = "flexpension.zj/log";

/// The region's signing key and the log's origin line.
#[derive(Clone)]
pub struct LogKeys {
    pub origin: String,
    pub signer: NoteSigner,
}

impl LogKeys {
    /// The verifier key in signed-note form (`name+hash+base64`), for `--log-key`.
    pub fn verifier_key(&self) -> String {
        self.signer.verifier_key()
    }
}

impl std::fmt::Debug for LogKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKeys").field("origin", &self.origin).finish_non_exhaustive()
    }
}

pub(crate) async fn load(db: &Db) -> Result<LogKeys> {
    let fresh = random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?.to_vec();
    let seed = crate::store::meta_value(db, "log_key", fresh).await?;
    let origin = crate::store::meta_value(db, "log_origin", DEFAULT_ORIGIN.as_bytes().to_vec()).await?;
    let seed: [u8; 32] = seed.try_into().map_err(|_| StoreError::Corrupt("the log key in store_meta is not 32 bytes".into()))?;
    let origin = String::from_utf8(origin).map_err(|_| StoreError::Corrupt("the log origin in store_meta is not UTF-8".into()))?;
    let signer = NoteSigner::new(&origin, seed).map_err(|e| StoreError::Corrupt(format!("log key: {e}")))?;
    Ok(LogKeys { origin, signer })
}
