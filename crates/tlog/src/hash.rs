//! RFC 9162 Merkle tree hashing, plain trees over a slice of leaf hashes, and proof
//! verification. Verification design follows transparency-dev/merkle's `proof` package
//! (inner/border decomposition), which checks the proof length before hashing anything.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::error::TlogError;

/// A SHA-256 hash: a leaf, an interior node or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Hash {
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }

    /// Accepts upper or lower case; exactly 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Hash, TlogError> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return Err(TlogError::BadHex(format!("{} characters, want 64", b.len())));
        }
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]);
            let lo = hex_val(pair[1]);
            match (hi, lo) {
                (Some(h), Some(l)) => out[i] = (h << 4) | l,
                _ => {
                    return Err(TlogError::BadHex(format!("non-hex character at position {}", 2 * i)));
                }
            }
        }
        Ok(Hash(out))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Standard alphabet with padding, as checkpoints and CT use.
    pub fn from_base64(s: &str) -> Result<Hash, TlogError> {
        let v = STANDARD.decode(s).map_err(|e| TlogError::BadBase64(e.to_string()))?;
        let arr: [u8; 32] = v.try_into().map_err(|v: Vec<u8>| TlogError::BadBase64(format!("{} bytes, want 32", v.len())))?;
        Ok(Hash(arr))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// SHA-256(0x00 || entry): the prefix keeps leaves and nodes from being confused.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // One contiguous buffer: a single update call is measurably faster than three.
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(&left.0);
    buf[33..].copy_from_slice(&right.0);
    Hash(Sha256::digest(buf).into())
}

/// The root of the empty tree, SHA-256("").
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// Largest power of two strictly less than n (n >= 2).
pub(crate) fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// RFC 9162 MTH over the given leaf hashes.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// RFC 9162 PATH(index, leaves): the inclusion proof, leaf's sibling first.
pub fn inclusion_proof_of(leaves: &[Hash], index: u64) -> Result<Vec<Hash>, TlogError> {
    let size = leaves.len() as u64;
    if index >= size {
        return Err(TlogError::IndexOutOfRange { index, size });
    }
    let mut proof = Vec::new();
    path(leaves, index as usize, &mut proof);
    Ok(proof)
}

fn path(leaves: &[Hash], m: usize, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split_point(n as u64) as usize;
    if m < k {
        path(&leaves[..k], m, out);
        out.push(root_of(&leaves[k..]));
    } else {
        path(&leaves[k..], m - k, out);
        out.push(root_of(&leaves[..k]));
    }
}

/// RFC 9162 SUBPROOF: the consistency proof between the first `old` leaves and all.
pub fn consistency_proof_of(leaves: &[Hash], old_size: u64) -> Result<Vec<Hash>, TlogError> {
    let n = leaves.len() as u64;
    if old_size > n {
        return Err(TlogError::ConsistencySizes { old_size, new_size: n });
    }
    let mut out = Vec::new();
    if old_size == 0 || old_size == n {
        return Ok(out);
    }
    subproof(old_size as usize, leaves, true, &mut out);
    Ok(out)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(root_of(leaves));
        }
        return;
    }
    let k = split_point(n as u64) as usize;
    if m <= k {
        subproof(m, &leaves[..k], complete, out);
        out.push(root_of(&leaves[k..]));
    } else {
        subproof(m - k, &leaves[k..], false, out);
        out.push(root_of(&leaves[..k]));
    }
}

/// Bits needed for the "inner" part of a proof: the levels where the path to `index`
/// and the path to the last leaf differ.
fn inner_proof_size(index: u64, size: u64) -> usize {
    (64 - (index ^ (size - 1)).leading_zeros()) as usize
}

/// Splits a proof's expected length into inner (siblings below the point where the
/// leaf's path meets the right edge) and border (left siblings along the right edge).
fn decomp_incl_proof(index: u64, size: u64) -> (usize, usize) {
    let inner = inner_proof_size(index, size);
    let border = (index >> inner).count_ones() as usize;
    (inner, border)
}

fn chain_inner(mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        seed = if (index >> i) & 1 == 0 { node_hash(&seed, h) } else { node_hash(h, &seed) };
    }
    seed
}

fn chain_inner_right(mut seed: Hash, proof: &[Hash], index: u64) -> Hash {
    for (i, h) in proof.iter().enumerate() {
        if (index >> i) & 1 == 1 {
            seed = node_hash(h, &seed);
        }
    }
    seed
}

fn chain_border_right(mut seed: Hash, proof: &[Hash]) -> Hash {
    for h in proof {
        seed = node_hash(h, &seed);
    }
    seed
}

/// The root an inclusion proof leads to, after checking its length.
pub fn root_from_inclusion_proof(leaf: &Hash, index: u64, tree_size: u64, proof: &[Hash]) -> Result<Hash, TlogError> {
    if index >= tree_size {
        return Err(TlogError::IndexOutOfRange { index, size: tree_size });
    }
    let (inner, border) = decomp_incl_proof(index, tree_size);
    if proof.len() != inner + border {
        return Err(TlogError::InclusionProofLength { got: proof.len(), want: inner + border, index, size: tree_size });
    }
    let r = chain_inner(*leaf, &proof[..inner], index);
    Ok(chain_border_right(r, &proof[inner..]))
}

/// RFC 9162 2.1.3.2. Note: a proof also verifies for any other size with the same path
/// shape, so size and root must come from the same signed checkpoint.
pub fn verify_inclusion(leaf: &Hash, index: u64, tree_size: u64, proof: &[Hash], root: &Hash) -> Result<(), TlogError> {
    let computed = root_from_inclusion_proof(leaf, index, tree_size, proof)?;
    if computed != *root {
        return Err(TlogError::InclusionRootMismatch { computed: computed.to_hex(), expected: root.to_hex() });
    }
    Ok(())
}

/// RFC 9162 2.1.4.2. Policy for old_size 0 (as C2SP tlog-witness): accepted with an
/// empty proof, provided old_root is the empty tree's root.
pub fn verify_consistency(old_size: u64, new_size: u64, old_root: &Hash, new_root: &Hash, proof: &[Hash]) -> Result<(), TlogError> {
    if old_size > new_size {
        return Err(TlogError::ConsistencySizes { old_size, new_size });
    }
    if old_size == new_size || old_size == 0 {
        if !proof.is_empty() {
            return Err(TlogError::ConsistencyProofLength { got: proof.len(), want: 0, old_size, new_size });
        }
        if old_size == 0 && *old_root != empty_root() {
            return Err(TlogError::EmptyRootMismatch(old_root.to_hex()));
        }
        if old_size == new_size && old_root != new_root {
            return Err(TlogError::EqualSizeRootsDiffer { size: old_size, old_root: old_root.to_hex(), new_root: new_root.to_hex() });
        }
        return Ok(());
    }

    // Skip the levels where the old tree is a complete subtree of the new one.
    let shift = old_size.trailing_zeros();
    let (inner, border) = decomp_incl_proof(old_size - 1, new_size);
    let inner = inner - shift as usize;
    // When the old tree is itself a complete subtree its root is the seed and is not sent.
    let (seed, start) = if old_size == 1u64 << shift {
        (*old_root, 0)
    } else {
        match proof.first() {
            Some(h) => (*h, 1),
            None => {
                return Err(TlogError::ConsistencyProofLength { got: 0, want: 1 + inner + border, old_size, new_size });
            }
        }
    };
    let want = start + inner + border;
    if proof.len() != want {
        return Err(TlogError::ConsistencyProofLength { got: proof.len(), want, old_size, new_size });
    }
    let proof = &proof[start..];
    let mask = (old_size - 1) >> shift;

    let h1 = chain_inner_right(seed, &proof[..inner], mask);
    let h1 = chain_border_right(h1, &proof[inner..]);
    if h1 != *old_root {
        return Err(TlogError::ConsistencyOldRootMismatch { old_size, computed: h1.to_hex(), expected: old_root.to_hex() });
    }
    let h2 = chain_inner(seed, &proof[..inner], mask);
    let h2 = chain_border_right(h2, &proof[inner..]);
    if h2 != *new_root {
        return Err(TlogError::ConsistencyNewRootMismatch { new_size, computed: h2.to_hex(), expected: new_root.to_hex() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&[i as u8])).collect()
    }

    #[test]
    fn hex_and_base64_round_trip() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(Hash::from_hex(&h.to_hex().to_uppercase()), Ok(h));
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(format!("{h}"), h.to_hex());
        assert!(Hash::from_hex("00").is_err());
        assert!(Hash::from_hex(&"g".repeat(64)).is_err());
        assert!(Hash::from_base64("AAAA").is_err());
        assert!(Hash::from_base64("not base64!").is_err());
    }

    #[test]
    fn proofs_of_small_trees_verify() {
        for n in 1..=40usize {
            let l = leaves(n);
            let root = root_of(&l);
            for i in 0..n as u64 {
                let p = inclusion_proof_of(&l, i).unwrap();
                verify_inclusion(&l[i as usize], i, n as u64, &p, &root).unwrap();
                if n > 1 {
                    let other = (i + 1) % n as u64;
                    assert!(verify_inclusion(&l[i as usize], other, n as u64, &p, &root).is_err());
                }
            }
            for m in 0..=n as u64 {
                let p = consistency_proof_of(&l, m).unwrap();
                let old = root_of(&l[..m as usize]);
                verify_consistency(m, n as u64, &old, &root, &p).unwrap();
                if m > 0 && m < n as u64 {
                    // A proof for m does not pass for the root of m-1 or m+1.
                    let wrong = root_of(&l[..(m as usize - 1)]);
                    assert!(verify_consistency(m, n as u64, &wrong, &root, &p).is_err());
                }
            }
        }
    }

    #[test]
    fn messages_name_what_broke() {
        let l = leaves(8);
        let root = root_of(&l);
        let mut p = inclusion_proof_of(&l, 5).unwrap();
        p.extend([Hash::default(), Hash::default()]);
        let e = verify_inclusion(&l[5], 5, 8, &p, &root).unwrap_err();
        assert_eq!(e.to_string(), "proof has 5 hashes, a tree of size 8 needs 3 for index 5");
        let e = verify_inclusion(&l[5], 5, 8, &p[..3], &Hash::default()).unwrap_err();
        assert!(e.to_string().starts_with("inclusion proof does not lead to the checkpoint's root"));
    }

    #[test]
    fn size_zero_policy() {
        let l = leaves(5);
        let root = root_of(&l);
        verify_consistency(0, 5, &empty_root(), &root, &[]).unwrap();
        assert!(verify_consistency(0, 5, &Hash::default(), &root, &[]).is_err());
        assert!(verify_consistency(0, 5, &empty_root(), &root, &[root]).is_err());
        assert!(verify_inclusion(&l[0], 0, 0, &[], &empty_root()).is_err());
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
        assert!(verify_consistency(0, 0, &empty_root(), &root, &[]).is_err());
    }
}
