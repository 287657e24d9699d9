//! Log benchmark, one round; bench/tlog.sh runs several and takes medians.
//! Prints `name value unit` lines:
//! (1) appending batches of 10,000 entries of 150 bytes, next to raw SHA-256 over the
//!     same bytes in the same run;
//! (2) at 10,000,000 leaves, inclusion and consistency proof generation and verification,
//!     medians over 10,000 random indices / old sizes.
//! Sizes can be lowered for a quick run: TLOG_BENCH_APPEND=entries, TLOG_BENCH_TREE=leaves.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::disallowed_macros,
    reason = "a benchmark reads its sizes and the clock and prints"
)]

use std::hint::black_box;
use std::time::Instant;

use flexpension_testkit::Rng;
use flexpension_tlog::{
    Hash, MemLog, leaf_hash, prove_record, prove_tree, stored_hash_index, tree_hash, verify_consistency, verify_inclusion,
};
use sha2::{Digest, Sha256};

const ENTRY_LEN: usize = 150;
const BATCH: usize = 10_000;
const SAMPLES: usize = 10_000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn median_ns(mut v: Vec<u128>) -> f64 {
    v.sort_unstable();
    v[v.len() / 2] as f64
}

fn main() {
    let total = env_usize("TLOG_BENCH_APPEND", 1_000_000) / BATCH * BATCH;
    let tree = env_usize("TLOG_BENCH_TREE", 10_000_000) as u64;
    let mut rng = Rng::new(1);

    // (1) Append.
    let mut data = vec![0u8; total * ENTRY_LEN];
    rng.fill(&mut data);
    let entries: Vec<&[u8]> = data.chunks(ENTRY_LEN).collect();

    let t = Instant::now();
    let mut acc = 0u8;
    for e in &entries {
        acc ^= Sha256::digest(e)[0];
    }
    let raw = t.elapsed().as_secs_f64();
    black_box(acc);

    let t = Instant::now();
    let mut log = MemLog::new();
    for batch in entries.chunks(BATCH) {
        log.append_entries(batch);
    }
    let append = t.elapsed().as_secs_f64();
    black_box(log.root());

    // The same on one thread (a one-thread rayon pool), for a like-for-like ratio.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("thread pool");
    let (log1, append1) = pool.install(|| {
        let t = Instant::now();
        let mut log1 = MemLog::new();
        for batch in entries.chunks(BATCH) {
            log1.append_entries(batch);
        }
        (log1, t.elapsed().as_secs_f64())
    });
    assert_eq!(log1.root(), log.root());

    let n = total as f64;
    println!("raw_sha256_entries_per_s {:.0} entries/s", n / raw);
    println!("append_leaves_per_s {:.0} leaves/s", n / append);
    println!("append_1thread_leaves_per_s {:.0} leaves/s", n / append1);
    println!("append_vs_raw_ratio {:.3} x", raw / append);
    println!("append_1thread_vs_raw_ratio {:.3} x", raw / append1);
    drop(log);
    drop(log1);
    drop(entries);
    drop(data);

    // (2) Proofs at `tree` leaves. Leaves are hashes of their index: building is not measured.
    let mut log = MemLog::new();
    let mut start = 0u64;
    while start < tree {
        let end = (start + 1_000_000).min(tree);
        let leaves: Vec<Hash> = (start..end).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        log.append_leaf_hashes(&leaves);
        start = end;
    }
    let root = log.root();

    let indices: Vec<u64> = (0..SAMPLES).map(|_| rng.below(tree)).collect();
    let mut gen_ns = Vec::with_capacity(SAMPLES);
    let mut proofs = Vec::with_capacity(SAMPLES);
    for &i in &indices {
        let t = Instant::now();
        let p = prove_record(tree, i, &log).expect("proof");
        gen_ns.push(t.elapsed().as_nanos());
        proofs.push(p);
    }
    let mut ver_ns = Vec::with_capacity(SAMPLES);
    for (&i, p) in indices.iter().zip(&proofs) {
        let leaf = log.stored()[stored_hash_index(0, i) as usize];
        let t = Instant::now();
        let ok = verify_inclusion(&leaf, i, tree, p, &root);
        ver_ns.push(t.elapsed().as_nanos());
        assert!(ok.is_ok());
    }
    println!("inclusion_proof_gen_us {:.2} us", median_ns(gen_ns) / 1000.0);
    println!("inclusion_proof_verify_us {:.2} us", median_ns(ver_ns) / 1000.0);

    let olds: Vec<u64> = (0..SAMPLES).map(|_| 1 + rng.below(tree - 1)).collect();
    let old_roots: Vec<Hash> = olds.iter().map(|&m| tree_hash(m, &log).expect("root")).collect();
    let mut gen_ns = Vec::with_capacity(SAMPLES);
    let mut proofs = Vec::with_capacity(SAMPLES);
    for &m in &olds {
        let t = Instant::now();
        let p = prove_tree(tree, m, &log).expect("proof");
        gen_ns.push(t.elapsed().as_nanos());
        proofs.push(p);
    }
    let mut ver_ns = Vec::with_capacity(SAMPLES);
    for ((&m, old_root), p) in olds.iter().zip(&old_roots).zip(&proofs) {
        let t = Instant::now();
        let ok = verify_consistency(m, tree, old_root, &root, p);
        ver_ns.push(t.elapsed().as_nanos());
        assert!(ok.is_ok());
    }
    println!("consistency_proof_gen_us {:.2} us", median_ns(gen_ns) / 1000.0);
    println!("consistency_proof_verify_us {:.2} us", median_ns(ver_ns) / 1000.0);
    println!("tree_leaves {tree} leaves");
}
