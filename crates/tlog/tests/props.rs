//! Property tests: MemLog's stored-hash proofs agree with the plain RFC 9162 definitions
//! and verify, for random trees up to 300 leaves.

use flexpension_tlog::*;
use proptest::prelude::*;

fn leaves_of(seed: u64, n: usize) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(format!("{seed}:{i}").as_bytes())).collect()
}

proptest! {
    // Each case checks every proof of its tree: O(n^2) hashing in a debug build.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn memlog_proofs_match_definition(n in 1usize..=300, seed in any::<u64>()) {
        let leaves = leaves_of(seed, n);
        let mut log = MemLog::new();
        // Append in uneven batches: batching must not change anything.
        let mut at = 0;
        let mut step = 1 + (seed % 17) as usize;
        while at < n {
            let end = (at + step).min(n);
            log.append_leaf_hashes(&leaves[at..end]);
            at = end;
            step = step * 3 % 29 + 1;
        }
        let size = n as u64;
        prop_assert_eq!(log.size(), size);
        prop_assert_eq!(log.stored().len() as u64, stored_hash_count(size));
        let root = root_of(&leaves);
        prop_assert_eq!(log.root(), root);
        prop_assert_eq!(tree_hash(size, &log).unwrap(), root);
        for i in 0..size {
            let p = prove_record(size, i, &log).unwrap();
            prop_assert_eq!(&p, &inclusion_proof_of(&leaves, i).unwrap());
            prop_assert!(verify_inclusion(&leaves[i as usize], i, size, &p, &root).is_ok());
        }
        for m in 0..=size {
            let old_root = root_of(&leaves[..m as usize]);
            prop_assert_eq!(tree_hash(m, &log).unwrap(), old_root);
            let p = prove_tree(size, m, &log).unwrap();
            prop_assert_eq!(&p, &consistency_proof_of(&leaves, m).unwrap());
            prop_assert!(verify_consistency(m, size, &old_root, &root, &p).is_ok());
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_single_bit_flip_in_a_proof_is_rejected(
        n in 2usize..=300, seed in any::<u64>(), pick in any::<u64>(), bit in 0usize..256
    ) {
        let leaves = leaves_of(seed, n);
        let size = n as u64;
        let root = root_of(&leaves);
        let i = pick % size;
        let mut p = inclusion_proof_of(&leaves, i).unwrap();
        let k = (pick as usize / n) % p.len();
        p[k].0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(verify_inclusion(&leaves[i as usize], i, size, &p, &root).is_err());

        let m = 1 + pick % (size - 1);
        let mut c = consistency_proof_of(&leaves, m).unwrap();
        let old = root_of(&leaves[..m as usize]);
        let k = (pick as usize / n) % c.len();
        c[k].0[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(verify_consistency(m, size, &old, &root, &c).is_err());
    }

    #[test]
    fn tiles_reproduce_stored_hashes(n in 1u64..=2000, seed in any::<u64>()) {
        let leaves = leaves_of(seed, n as usize);
        let mut log = MemLog::new();
        log.append_leaf_hashes(&leaves);
        let r = TileHashReader::new(n, log.root(), 8, |t: &[Tile]| {
            t.iter().map(|t| read_tile_data(t, &log)).collect()
        });
        let i = seed % n;
        prop_assert_eq!(prove_record(n, i, &r).unwrap(), prove_record(n, i, &log).unwrap());
        let m = 1 + seed % n;
        prop_assert_eq!(prove_tree(n, m, &r).unwrap(), prove_tree(n, m, &log).unwrap());
    }
}
