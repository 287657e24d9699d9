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

pub mod checkpoint;
pub mod cosign;
pub mod error;
pub mod hash;
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
pub use note::{ALG_ED25519, Note, NoteSig, NoteSigner, NoteVerifier, add_signature_lines, parse_note, sign_note, verify_note};
pub use tile::{
    TILE_HEIGHT, Tile, TileHashReader, decode_entry_bundle, encode_entry_bundle, entry_bundle_path, hash_from_tile, new_tiles,
    parse_entry_bundle_path, read_tile_data, tile_for_index, try_encode_entry_bundle,
};
pub use tree::{
    HashReader, MemLog, prove_record, prove_tree, split_stored_hash_index, stored_hash_count, stored_hash_index, stored_hashes, tree_hash,
};
pub use witness::{WitnessError, WitnessState, witness_checkpoint};
