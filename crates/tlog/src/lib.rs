//! A pure transparency log: RFC 9162 Merkle trees, the stored-hash layout and proofs of
//! Go's golang.org/x/mod/sumdb/tlog, C2SP tlog-tiles, signed notes (Go's sumdb/note),
//! checkpoints, cosignatures and the witness's decision. No I/O, no async: storage and
//! transport belong to the caller.
//!
//! Design follows golang.org/x/mod/sumdb/tlog and sumdb/note (BSD-3-Clause, The Go
//! Authors) and transparency-dev/merkle's proof verification.
//!
//! Choices worth knowing:
//! - Indices are 0-based; proofs are in RFC 9162 order. The empty tree's root is
//!   SHA-256("") (Go's tlog returns a zero hash there; we do not).
//! - A consistency proof from size 0 is accepted when empty and the old root is the
//!   empty root (as C2SP tlog-witness); transparency-dev/merkle rejects it instead.
//! - An inclusion proof also verifies for any other tree size with the same path shape
//!   (e.g. leaf 5 at size 7 or 8): take size and root from one verified checkpoint.
//! - Tile paths are C2SP's, without Go's height element; only height 8 is standard.
//! - Ed25519 verification is strict (`verify_strict`): small-order keys and
//!   non-canonical signatures are refused.
//!
//! | module | what |
//! |---|---|
//! | `checkpoint` | C2SP tlog-checkpoint: the signed note body naming a log's origin, size and root |
//! | `cosign` | C2SP tlog-cosignature v1: a witness's timestamped Ed25519 signature (type 0x04) over a checkpoint |
//! | `error` | One error type for the whole crate; each variant's message says what broke |
//! | `hash` | RFC 9162 Merkle tree hashing, plain trees over a slice of leaf hashes, and proof verification |
//! | `message` | Signed messages between peer agencies: a canonical envelope signed as a note by the sender's log key, and its check |
//! | `note` | C2SP signed notes with Ed25519 (signature type 0x01) |
//! | `tile` | C2SP tlog-tiles: the stored hashes cut into tiles of height 8 (256 hashes wide), with their paths and entry bundles |
//! | `tree` | A log's stored hashes, laid out as Go's golang.org/x/mod/sumdb/tlog does it (BSD; the design follows that package) |
//! | `witness` | The witness's pure decision (C2SP tlog-witness) |

pub mod checkpoint;
pub mod cosign;
pub mod error;
pub mod hash;
pub mod message;
pub mod note;
pub mod tile;
pub mod tree;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use cosign::{ALG_COSIGNATURE_V1, CosignSigner, CosignVerifier, WitnessPolicy};
pub use error::TlogError;
pub use hash::{
    Hash, consistency_proof_of, empty_root, inclusion_proof_of, leaf_hash, node_hash, root_from_inclusion_proof, root_of,
    verify_consistency, verify_inclusion,
};
pub use message::{AgeWindow, Envelope, MessageError, is_region_code, peek_message, verify_message};
pub use note::{ALG_ED25519, Note, NoteSig, NoteSigner, NoteVerifier, add_signature_lines, parse_note, sign_note, verify_note};
pub use tile::{
    TILE_HEIGHT, Tile, TileHashReader, decode_entry_bundle, encode_entry_bundle, entry_bundle_path, hash_from_tile, new_tiles,
    parse_entry_bundle_path, read_tile_data, tile_for_index, try_encode_entry_bundle,
};
pub use tree::{
    HashReader, MemLog, prove_record, prove_tree, split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes, tree_hash,
};
pub use witness::{WitnessError, WitnessState, witness_checkpoint};
