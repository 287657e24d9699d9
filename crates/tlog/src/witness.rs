//! The witness's pure decision (C2SP tlog-witness): given what it last cosigned for a log
//! and a new signed checkpoint with a consistency proof, cosign or refuse, and say why.

use thiserror::Error;

use crate::checkpoint::Checkpoint;
use crate::cosign::CosignSigner;
use crate::error::TlogError;
use crate::hash::{Hash, empty_root, verify_consistency};
use crate::note::{NoteVerifier, parse_note, verify_note};

/// What a witness remembers per log: the latest checkpoint it cosigned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessState {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WitnessError {
    #[error("unknown log: checkpoint origin {origin:?} is not {want:?}")]
    UnknownLog { origin: String, want: String },
    #[error("checkpoint is not validly signed by the log: {0}")]
    BadLogSignature(TlogError),
    #[error("signed note is not a checkpoint: {0}")]
    BadCheckpoint(TlogError),
    #[error("old size {old_size} is larger than the checkpoint size {size}")]
    OldSizeTooLarge { old_size: u64, size: u64 },
    #[error("the witness is at size {size}, not the request's old size {old_size}")]
    Conflict { size: u64, old_size: u64 },
    #[error("fork: at size {size} the witness cosigned root {ours}, the log now signs {theirs}")]
    Fork { size: u64, ours: Hash, theirs: Hash },
    #[error("rollback: the witness is at size {ours}, the checkpoint is at {theirs}")]
    Rollback { ours: u64, theirs: u64 },
    #[error("consistency proof does not verify: {0}")]
    BadProof(TlogError),
    #[error("cannot cosign: {0}")]
    Cosign(TlogError),
}

impl WitnessError {
    /// The HTTP status C2SP tlog-witness gives each refusal.
    pub fn http_status(&self) -> u16 {
        match self {
            WitnessError::UnknownLog { .. } => 404,
            WitnessError::BadLogSignature(_) => 403,
            WitnessError::BadCheckpoint(_) | WitnessError::OldSizeTooLarge { .. } => 400,
            WitnessError::Conflict { .. } | WitnessError::Fork { .. } => 409,
            WitnessError::Rollback { .. } => 409,
            WitnessError::BadProof(_) => 422,
            WitnessError::Cosign(_) => 500,
        }
    }
}

/// Checks a log's new checkpoint against the witness's state and cosigns it.
///
/// `prev` is None for a log never cosigned (the witness is then at size 0). `old_size`
/// is the size the caller believes the witness is at; `consistency` proves the step from
/// it to the new checkpoint (empty when old_size is 0 or equal to the new size).
/// Returns the new state to store and the cosignature line.
pub fn witness_checkpoint(
    prev: Option<&WitnessState>,
    log: &NoteVerifier,
    old_size: u64,
    consistency: &[Hash],
    checkpoint_note: &str,
    signer: &CosignSigner,
    now_unix: u64,
) -> Result<(WitnessState, String), WitnessError> {
    // Order of checks as C2SP tlog-witness: origin (404), log signature (403), old size
    // beyond the checkpoint (400), old size not ours (409), proof (422).
    let unverified = parse_note(checkpoint_note).map_err(WitnessError::BadCheckpoint)?;
    let cp = Checkpoint::parse(&unverified.text).map_err(WitnessError::BadCheckpoint)?;
    if cp.origin != log.name() {
        return Err(WitnessError::UnknownLog { origin: cp.origin, want: log.name().to_string() });
    }
    let note = verify_note(checkpoint_note, log).map_err(WitnessError::BadLogSignature)?;
    if let Some(p) = prev
        && p.origin != cp.origin
    {
        return Err(WitnessError::UnknownLog { origin: cp.origin, want: p.origin.clone() });
    }
    let (our_size, our_root) = prev.map_or((0, empty_root()), |p| (p.size, p.root));

    if old_size > cp.size {
        return Err(WitnessError::OldSizeTooLarge { old_size, size: cp.size });
    }
    // Same size, different root: two signed views of one tree, proof of misbehaviour.
    if cp.size == our_size && cp.root != our_root && our_size > 0 {
        return Err(WitnessError::Fork { size: our_size, ours: our_root, theirs: cp.root });
    }
    if cp.size < our_size {
        return Err(WitnessError::Rollback { ours: our_size, theirs: cp.size });
    }
    if old_size != our_size {
        return Err(WitnessError::Conflict { size: our_size, old_size });
    }
    verify_consistency(our_size, cp.size, &our_root, &cp.root, consistency).map_err(WitnessError::BadProof)?;

    let line = signer.cosign(&note.text, now_unix).map_err(WitnessError::Cosign)?;
    Ok((WitnessState { origin: cp.origin, size: cp.size, root: cp.root }, line))
}
