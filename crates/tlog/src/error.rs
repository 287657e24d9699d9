//! One error type for the whole crate; each variant's message says what broke.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TlogError {
    // --- encodings ---
    #[error("bad hex hash: {0}")]
    BadHex(String),
    #[error("bad base64 hash: {0}")]
    BadBase64(String),

    // --- proofs ---
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("proof has {got} hashes, a tree of size {size} needs {want} for index {index}")]
    InclusionProofLength { got: usize, want: usize, index: u64, size: u64 },
    #[error("inclusion proof does not lead to the checkpoint's root (computed {computed}, expected {expected})")]
    InclusionRootMismatch { computed: String, expected: String },
    #[error("consistency proof from size {old_size} to {new_size}: old size is larger than new size")]
    ConsistencySizes { old_size: u64, new_size: u64 },
    #[error("consistency proof has {got} hashes, sizes {old_size} -> {new_size} need {want}")]
    ConsistencyProofLength { got: usize, want: usize, old_size: u64, new_size: u64 },
    #[error("trees of equal size {size} have different roots ({old_root} vs {new_root})")]
    EqualSizeRootsDiffer { size: u64, old_root: String, new_root: String },
    #[error("an empty tree's root must be SHA-256(\"\"), got {0}")]
    EmptyRootMismatch(String),
    #[error("consistency proof does not lead to the old root of size {old_size} (computed {computed}, expected {expected})")]
    ConsistencyOldRootMismatch { old_size: u64, computed: String, expected: String },
    #[error("consistency proof does not lead to the new root of size {new_size} (computed {computed}, expected {expected})")]
    ConsistencyNewRootMismatch { new_size: u64, computed: String, expected: String },

    // --- stored hashes ---
    #[error("stored hash index {index} not available (have {have})")]
    MissingHash { index: u64, have: u64 },
    #[error("hash reader returned {got} hashes for {want} indexes")]
    ReaderCount { got: usize, want: usize },
    #[error("cannot prove consistency from size {old_size} to {new_size}")]
    BadTreeSizes { old_size: u64, new_size: u64 },

    // --- tiles ---
    #[error("bad tile path {path:?}: {why}")]
    BadTilePath { path: String, why: String },
    #[error("invalid tile {0}")]
    InvalidTile(String),
    #[error("tile {path} has {got} bytes, want {want}")]
    TileDataLength { path: String, got: usize, want: usize },
    #[error("hash index {index} is in tile {actual}, not {given}")]
    IndexNotInTile { index: u64, actual: String, given: String },
    #[error("tile {0} does not match the tree root")]
    TileRootMismatch(String),
    #[error("tile {tile} does not match its parent tile {parent}")]
    TileParentMismatch { tile: String, parent: String },
    #[error("tile fetch returned {got} tiles for {want} requested")]
    TileFetchCount { got: usize, want: usize },
    #[error("stored hash index {index} is not in a tree of size {size}")]
    HashNotInTree { index: u64, size: u64 },
    #[error("entry of {0} bytes is too long for an entry bundle (max 65535)")]
    EntryTooLong(usize),
    #[error("malformed entry bundle: {0}")]
    BadEntryBundle(String),

    // --- keys and notes ---
    #[error("invalid key name {0:?}")]
    BadKeyName(String),
    #[error("malformed key: {0}")]
    BadKey(String),
    #[error("malformed note: {0}")]
    MalformedNote(String),
    #[error("no signature by '{name}' (key hash {key_hash:08x}) on the note")]
    NoSignature { name: String, key_hash: u32 },
    #[error("signature by '{0}' does not verify")]
    BadSignature(String),
    #[error("note text must be non-empty and end in a newline")]
    NoteTextNoNewline,

    // --- checkpoints and cosignatures ---
    #[error("malformed checkpoint: {0}")]
    BadCheckpoint(String),
    #[error("malformed cosignature line: {0}")]
    BadCosignatureLine(String),
    #[error("witness quorum not met: {have} of {need} cosigned ({names:?})")]
    QuorumNotMet { have: usize, need: usize, names: Vec<String> },
}
