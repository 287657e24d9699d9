//! A log's stored hashes, laid out as Go's golang.org/x/mod/sumdb/tlog does it (BSD; the
//! design follows that package): every leaf hash and every complete subtree hash is stored
//! once, in the order they become known, so appending never rewrites anything and any
//! root or proof is a handful of reads.

use rayon::prelude::*;

use crate::error::TlogError;
use crate::hash::{Hash, empty_root, leaf_hash, node_hash};

/// Largest power of two k with k < n, and its log2 (n >= 2); as Go's maxpow2.
fn maxpow2(n: u64) -> (u64, u32) {
    let l = 63 - (n - 1).leading_zeros();
    (1u64 << l, l)
}

/// Storage index of the n'th hash at the given level (level 0 = leaves).
pub fn stored_hash_index(level: u32, n: u64) -> u64 {
    // Saturating: absurd inputs (beyond any real log) give u64::MAX, which no reader
    // holds, instead of wrapping to some other hash's index.
    // Level L's n'th hash is written right after level L+1's 2n+1'th hash.
    let mut n = n;
    for _ in 0..level {
        n = n.saturating_mul(2).saturating_add(1);
    }
    // Level 0's n'th hash is written at n + n/2 + n/4 + ...
    let mut i = 0u64;
    while n > 0 {
        i = i.saturating_add(n);
        n >>= 1;
    }
    i.saturating_add(level as u64)
}

/// Inverse of [`stored_hash_index`]: (level, n).
pub fn split_stored_hash_index(index: u64) -> (u32, u64) {
    // stored_hash_index(0, n) < 2n, so the record is in [index/2, index/2 + log2(index)].
    let mut n = index / 2;
    let mut index_n = stored_hash_index(0, n);
    debug_assert!(index_n <= index);
    loop {
        // Each record n adds 1 + trailing_zeros(n+1) hashes.
        let x = index_n.saturating_add(1 + (n + 1).trailing_zeros() as u64);
        if x > index || x == u64::MAX {
            break;
        }
        n += 1;
        index_n = x;
    }
    // Only an index past any real log gives a level of 64 or more.
    let level = (index - index_n).min(63) as u32;
    (level, n >> level)
}

/// Number of stored hashes in a log of n records.
pub fn stored_hash_count(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut count = stored_hash_index(0, n - 1) + 1;
    // Plus the subtree hashes completed by the last leaf.
    let mut i = n - 1;
    while i & 1 != 0 {
        count += 1;
        i >>= 1;
    }
    count
}

/// Source of stored hashes by storage index.
pub trait HashReader {
    /// Returns exactly one hash per index, in order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError>;
}

fn read_checked(r: &dyn HashReader, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
    let hashes = r.read_hashes(indexes)?;
    if hashes.len() != indexes.len() {
        return Err(TlogError::ReaderCount { got: hashes.len(), want: indexes.len() });
    }
    Ok(hashes)
}

/// The hashes to append to storage when adding record n with the given leaf hash:
/// the leaf itself, then one hash per subtree it completes.
pub fn stored_hashes(n: u64, leaf: &Hash, r: &dyn HashReader) -> Result<Vec<Hash>, TlogError> {
    let m = (n.wrapping_add(1)).trailing_zeros() as usize;
    let mut indexes = vec![0u64; m];
    for (i, slot) in (0..m).map(|i| (i, m - 1 - i)) {
        // n >> i is odd here, so (n >> i) - 1 is its left sibling.
        indexes[slot] = stored_hash_index(i as u32, (n >> i) - 1);
    }
    let old = read_checked(r, &indexes)?;
    let mut out = Vec::with_capacity(m + 1);
    let mut h = *leaf;
    out.push(h);
    for i in 0..m {
        h = node_hash(&old[m - 1 - i], &h);
        out.push(h);
    }
    Ok(out)
}

/// Storage indexes of the complete subtrees covering [lo, hi), left to right.
fn sub_tree_index(mut lo: u64, hi: u64, need: &mut Vec<u64>) {
    while lo < hi {
        let (k, level) = maxpow2(hi - lo + 1);
        debug_assert!(lo & (k - 1) == 0);
        need.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
}

/// Folds the complete-subtree hashes of [lo, hi) (as read in sub_tree_index order) into
/// the subtree's hash; returns it and the number of hashes consumed.
fn sub_tree_hash(mut lo: u64, hi: u64, hashes: &[Hash]) -> Result<(Hash, usize), TlogError> {
    let mut num = 0usize;
    while lo < hi {
        let (k, _) = maxpow2(hi - lo + 1);
        num += 1;
        lo += k;
    }
    if num == 0 || hashes.len() < num {
        return Err(TlogError::ReaderCount { got: hashes.len(), want: num });
    }
    let mut h = hashes[num - 1];
    for i in (0..num - 1).rev() {
        h = node_hash(&hashes[i], &h);
    }
    Ok((h, num))
}

/// Root of the first n records. The empty tree's root is SHA-256("") (RFC 9162), not
/// Go's all-zero hash.
pub fn tree_hash(n: u64, r: &dyn HashReader) -> Result<Hash, TlogError> {
    if n == 0 {
        return Ok(empty_root());
    }
    let mut idx = Vec::new();
    sub_tree_index(0, n, &mut idx);
    let hashes = read_checked(r, &idx)?;
    Ok(sub_tree_hash(0, n, &hashes)?.0)
}

fn leaf_proof_index(lo: u64, hi: u64, n: u64, need: &mut Vec<u64>) {
    if lo + 1 == hi {
        return;
    }
    let (k, _) = maxpow2(hi - lo);
    if n < lo + k {
        leaf_proof_index(lo, lo + k, n, need);
        sub_tree_index(lo + k, hi, need);
    } else {
        sub_tree_index(lo, lo + k, need);
        leaf_proof_index(lo + k, hi, n, need);
    }
}

fn leaf_proof(lo: u64, hi: u64, n: u64, hashes: &[Hash], out: &mut Vec<Hash>) -> Result<usize, TlogError> {
    if lo + 1 == hi {
        return Ok(0);
    }
    let (k, _) = maxpow2(hi - lo);
    let used = if n < lo + k {
        let a = leaf_proof(lo, lo + k, n, hashes, out)?;
        let (th, b) = sub_tree_hash(lo + k, hi, &hashes[a..])?;
        out.push(th);
        a + b
    } else {
        let (th, a) = sub_tree_hash(lo, lo + k, hashes)?;
        let b = leaf_proof(lo + k, hi, n, &hashes[a..], out)?;
        out.push(th);
        a + b
    };
    Ok(used)
}

/// Inclusion proof (RFC 9162 order) for record `index` in the tree of `tree_size`.
pub fn prove_record(tree_size: u64, index: u64, r: &dyn HashReader) -> Result<Vec<Hash>, TlogError> {
    if index >= tree_size {
        return Err(TlogError::IndexOutOfRange { index, size: tree_size });
    }
    let mut idx = Vec::new();
    leaf_proof_index(0, tree_size, index, &mut idx);
    if idx.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = read_checked(r, &idx)?;
    let mut out = Vec::with_capacity(64);
    let used = leaf_proof(0, tree_size, index, &hashes, &mut out)?;
    debug_assert_eq!(used, hashes.len());
    Ok(out)
}

fn tree_proof_index(lo: u64, hi: u64, n: u64, need: &mut Vec<u64>) {
    if n == hi {
        if lo != 0 {
            sub_tree_index(lo, hi, need);
        }
        return;
    }
    let (k, _) = maxpow2(hi - lo);
    if n <= lo + k {
        tree_proof_index(lo, lo + k, n, need);
        sub_tree_index(lo + k, hi, need);
    } else {
        sub_tree_index(lo, lo + k, need);
        tree_proof_index(lo + k, hi, n, need);
    }
}

fn tree_proof(lo: u64, hi: u64, n: u64, hashes: &[Hash], out: &mut Vec<Hash>) -> Result<usize, TlogError> {
    if n == hi {
        if lo == 0 {
            return Ok(0);
        }
        let (th, a) = sub_tree_hash(lo, hi, hashes)?;
        out.push(th);
        return Ok(a);
    }
    let (k, _) = maxpow2(hi - lo);
    if n <= lo + k {
        let a = tree_proof(lo, lo + k, n, hashes, out)?;
        let (th, b) = sub_tree_hash(lo + k, hi, &hashes[a..])?;
        out.push(th);
        Ok(a + b)
    } else {
        let (th, a) = sub_tree_hash(lo, lo + k, hashes)?;
        let b = tree_proof(lo + k, hi, n, &hashes[a..], out)?;
        out.push(th);
        Ok(a + b)
    }
}

/// Consistency proof (RFC 9162 order) from the tree of `old_size` to that of `new_size`.
/// Empty when old_size is 0 or equal to new_size (see [`crate::verify_consistency`]).
pub fn prove_tree(new_size: u64, old_size: u64, r: &dyn HashReader) -> Result<Vec<Hash>, TlogError> {
    if old_size > new_size {
        return Err(TlogError::BadTreeSizes { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    let mut idx = Vec::new();
    tree_proof_index(0, new_size, old_size, &mut idx);
    if idx.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = read_checked(r, &idx)?;
    let mut out = Vec::with_capacity(64);
    let used = tree_proof(0, new_size, old_size, &hashes, &mut out)?;
    debug_assert_eq!(used, hashes.len());
    Ok(out)
}

/// In-memory log: all stored hashes in a Vec; for tests, benches and as a store's write
/// buffer.
#[derive(Clone, Debug, Default)]
pub struct MemLog {
    hashes: Vec<Hash>,
    size: u64,
}

/// Below this many entries a batch is hashed on the calling thread: rayon's fork costs
/// more than it saves.
const PARALLEL_MIN: usize = 2048;

impl MemLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a log from its stored hashes. The record count is the largest n whose
    /// stored_hash_count(n) fits; trailing extra hashes (a torn write) are dropped.
    pub fn from_stored(mut hashes: Vec<Hash>) -> Self {
        let total = hashes.len() as u64;
        // stored_hash_count(n) >= n, so n <= total; binary search the largest fit.
        let (mut lo, mut hi) = (0u64, total);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            if stored_hash_count(mid) <= total {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        hashes.truncate(stored_hash_count(lo) as usize);
        MemLog { hashes, size: lo }
    }

    /// Number of records.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn stored(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends records given their leaf hashes. Large batches compute their interior
    /// nodes level by level in parallel, then lay them out in stored order.
    pub fn append_leaf_hashes(&mut self, leaves: &[Hash]) {
        if leaves.len() >= PARALLEL_MIN {
            self.append_parallel(leaves);
            return;
        }
        self.hashes.reserve(2 * leaves.len() + 64);
        for leaf in leaves {
            let n = self.size;
            let mut h = *leaf;
            self.hashes.push(h);
            // Each trailing one bit of n completes a subtree: hash in its left sibling.
            let m = (n + 1).trailing_zeros();
            for i in 0..m {
                let sib = stored_hash_index(i, (n >> i) - 1) as usize;
                h = node_hash(&self.hashes[sib], &h);
                self.hashes.push(h);
            }
            self.size += 1;
        }
    }

    fn append_parallel(&mut self, leaves: &[Hash]) {
        let s = self.size;
        let e = s + leaves.len() as u64;
        // Node (level L, k) is completed by record (k+1)*2^L - 1, so the batch completes
        // k in [lo[L], hi[L]) at level L.
        let lo = |l: u32| ((s + (1u64 << l)) >> l) - 1;
        let hi = |l: u32| e >> l;
        let mut levels: Vec<Vec<Hash>> = vec![leaves.to_vec()];
        let mut l = 1u32;
        while l < 64 && hi(l) > lo(l) {
            let below = &levels[l as usize - 1];
            let below_lo = lo(l - 1);
            let stored = &self.hashes;
            // The right child is always completed in this batch; the left one may be older.
            let node = |k: u64| {
                let left =
                    if 2 * k >= below_lo { below[(2 * k - below_lo) as usize] } else { stored[stored_hash_index(l - 1, 2 * k) as usize] };
                node_hash(&left, &below[(2 * k + 1 - below_lo) as usize])
            };
            let level: Vec<Hash> =
                if hi(l) - lo(l) >= 512 { (lo(l)..hi(l)).into_par_iter().map(node).collect() } else { (lo(l)..hi(l)).map(node).collect() };
            levels.push(level);
            l += 1;
        }
        let lows: Vec<u64> = (0..levels.len() as u32).map(lo).collect();
        self.hashes.reserve(2 * leaves.len() + 64);
        for n in s..e {
            self.hashes.push(levels[0][(n - s) as usize]);
            for i in 1..=(n + 1).trailing_zeros() as usize {
                self.hashes.push(levels[i][((n >> i) - lows[i]) as usize]);
            }
        }
        self.size = e;
    }

    /// Appends records given their bytes (leaf hashing in parallel for large batches).
    pub fn append_entries(&mut self, entries: &[&[u8]]) {
        let leaves: Vec<Hash> = if entries.len() >= PARALLEL_MIN {
            entries.par_iter().map(|e| leaf_hash(e)).collect()
        } else {
            entries.iter().map(|e| leaf_hash(e)).collect()
        };
        self.append_leaf_hashes(&leaves);
    }

    /// Root of the whole log.
    pub fn root(&self) -> Hash {
        // Reads from our own Vec cannot fail: every index of a complete log is present.
        tree_hash(self.size, self).unwrap_or_else(|_| empty_root())
    }
}

impl HashReader for MemLog {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        indexes
            .iter()
            .map(|&i| self.hashes.get(i as usize).copied().ok_or(TlogError::MissingHash { index: i, have: self.hashes.len() as u64 }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{inclusion_proof_of, root_of};

    #[test]
    fn index_math_round_trips() {
        for level in 0..6 {
            for n in 0..200 {
                let x = stored_hash_index(level, n);
                assert_eq!(split_stored_hash_index(x), (level, n));
            }
        }
        assert_eq!(stored_hash_count(0), 0);
        assert_eq!(stored_hash_count(1), 1);
        assert_eq!(stored_hash_count(2), 3);
        assert_eq!(stored_hash_count(4), 7);
        assert_eq!(stored_hash_count(5), 8);
    }

    #[test]
    fn memlog_matches_plain_tree() {
        let entries: Vec<Vec<u8>> = (0..100u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        let mut log = MemLog::new();
        for (i, e) in entries.iter().enumerate() {
            // stored_hashes over the reader gives what append writes.
            let want = stored_hashes(i as u64, &leaves[i], &log).unwrap();
            log.append_entries(&[e]);
            assert_eq!(&log.stored()[log.stored().len() - want.len()..], &want[..]);
            assert_eq!(log.stored().len() as u64, stored_hash_count(i as u64 + 1));
            assert_eq!(log.root(), root_of(&leaves[..=i]));
        }
        for i in 0..100 {
            assert_eq!(prove_record(100, i, &log).unwrap(), inclusion_proof_of(&leaves, i).unwrap());
        }
        let again = MemLog::from_stored(log.stored().to_vec());
        assert_eq!(again.size(), 100);
        let mut torn = log.stored().to_vec();
        // Record 100 stores one hash, record 101 two: a third hash is a torn write.
        torn.extend([Hash::default(); 2]);
        let t = MemLog::from_stored(torn);
        assert_eq!(t.size(), 101);
        assert_eq!(t.stored().len() as u64, stored_hash_count(101));
    }

    #[test]
    fn parallel_batches_match_one_by_one() {
        let leaves: Vec<Hash> = (0..20_000u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut one = MemLog::new();
        for l in &leaves {
            one.append_leaf_hashes(std::slice::from_ref(l));
        }
        // Odd offsets, so batches start and end mid-subtree.
        for cuts in [vec![0, 20_000], vec![0, 3, 5_000, 12_345, 20_000], vec![0, 4_096, 8_192, 20_000]] {
            let mut big = MemLog::new();
            for w in cuts.windows(2) {
                big.append_leaf_hashes(&leaves[w[0]..w[1]]);
            }
            assert_eq!(big.stored(), one.stored(), "{cuts:?}");
            assert_eq!(big.size(), 20_000);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut log = MemLog::new();
        log.append_entries(&[b"a", b"b", b"c"]);
        assert!(prove_record(3, 3, &log).is_err());
        assert!(prove_record(4, 0, &log).is_err());
        assert!(prove_tree(2, 3, &log).is_err());
        assert!(tree_hash(9, &log).is_err());
        assert_eq!(tree_hash(0, &log).unwrap(), empty_root());
    }
}
