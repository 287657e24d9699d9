//! Cross-check against an independent implementation, the ct-merkle crate: roots,
//! inclusion proofs and consistency proofs on random trees.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use flexpension_tlog::*;
use proptest::prelude::*;
use sha2::Sha256;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn agrees_with_ct_merkle(n in 1usize..=300, seed in any::<u64>(), pick in any::<u64>()) {
        let entries: Vec<Vec<u8>> = (0..n).map(|i| format!("{seed}/{i}").into_bytes()).collect();
        let mut oracle = MemoryBackedTree::<Sha256, Vec<u8>>::new();
        let mut log = MemLog::new();
        for e in &entries {
            oracle.push(e.clone());
        }
        let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
        log.append_entries(&refs);
        let size = n as u64;
        let theirs_root = oracle.root();
        prop_assert_eq!(theirs_root.as_bytes().as_slice(), &log.root().0[..]);

        let i = pick % size;
        let theirs = oracle.prove_inclusion(i as usize);
        let ours: Vec<u8> = prove_record(size, i, &log).unwrap().iter().flat_map(|h| h.0).collect();
        prop_assert_eq!(theirs.as_bytes(), ours.as_slice());

        if n > 1 {
            let old = 1 + pick % (size - 1);
            let theirs = oracle.prove_consistency((size - old) as usize);
            let ours: Vec<u8> =
                prove_tree(size, old, &log).unwrap().iter().flat_map(|h| h.0).collect();
            prop_assert_eq!(theirs.as_bytes(), ours.as_slice());
        }
    }
}
