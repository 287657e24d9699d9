//! Tampering: a changed stored hash, tile byte, proof, size, index or checkpoint is caught,
//! and the error names what broke.

use flexpension_tlog::*;

fn log_of(n: u64) -> MemLog {
    let entries: Vec<Vec<u8>> = (0..n).map(|i| format!("entry {i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
    let mut log = MemLog::new();
    log.append_entries(&refs);
    log
}

fn tiles_of(log: &MemLog, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
    tiles.iter().map(|t| read_tile_data(t, log)).collect()
}

#[test]
fn tile_reader_agrees_with_memlog() {
    for size in [1u64, 2, 7, 255, 256, 257, 1000, 65536 + 300] {
        let log = log_of(size);
        let root = log.root();
        let r = TileHashReader::new(size, root, 8, |t: &[Tile]| tiles_of(&log, t));
        assert_eq!(tree_hash(size, &r).unwrap(), root, "size {size}");
        for i in [0, size / 3, size / 2, size - 1] {
            let p = prove_record(size, i, &r).unwrap();
            assert_eq!(p, prove_record(size, i, &log).unwrap());
            verify_inclusion(&log.stored()[stored_hash_index(0, i) as usize], i, size, &p, &root).unwrap();
        }
        for old in [1, size / 2, size - 1] {
            if old == 0 {
                continue;
            }
            let p = prove_tree(size, old, &r).unwrap();
            assert_eq!(p, prove_tree(size, old, &log).unwrap());
            let old_root = tree_hash(old, &log).unwrap();
            verify_consistency(old, size, &old_root, &root, &p).unwrap();
        }
    }
}

#[test]
fn tile_data_and_hash_from_tile() {
    let log = log_of(1000);
    for t in new_tiles(8, 0, 1000) {
        let data = read_tile_data(&t, &log).unwrap();
        assert_eq!(data.len(), t.w as usize * 32);
        // Every hash the tile stores comes back out of it.
        let level = t.l as u32 * 8;
        for k in 0..t.w as u64 {
            let idx = stored_hash_index(level, (t.n << 8) + k);
            let want = log.stored()[idx as usize];
            assert_eq!(hash_from_tile(&t, &data, idx).unwrap(), want);
            assert_eq!(tile_for_index(8, idx).l, t.l);
        }
    }
    let t = tile_for_index(8, stored_hash_index(0, 300));
    assert_eq!(t.path(), "tile/0/001.p/45");
    let data = read_tile_data(&t, &log).unwrap();
    let e = hash_from_tile(&t, &data, stored_hash_index(0, 5)).unwrap_err();
    assert!(e.to_string().contains("tile/0/000"), "{e}");
    let e = hash_from_tile(&t, &data[..64], stored_hash_index(0, 300)).unwrap_err();
    assert!(e.to_string().contains("tile/0/001.p/45"), "{e}");
}

#[test]
fn tampered_tile_byte_is_named() {
    let size = 70_000u64;
    let log = log_of(size);
    let root = log.root();
    // Flip one byte of one tile at a time; every read that touches it must fail and name it.
    let targets = [
        Tile { h: 8, l: 0, n: 10, w: 256 },
        Tile { h: 8, l: 0, n: 273, w: 112 },
        Tile { h: 8, l: 1, n: 0, w: 256 },
        Tile { h: 8, l: 1, n: 1, w: 17 },
        Tile { h: 8, l: 2, n: 0, w: 1 },
    ];
    for target in targets {
        let r = TileHashReader::new(size, root, 8, |tiles: &[Tile]| {
            let mut data = tiles_of(&log, tiles)?;
            for (t, d) in tiles.iter().zip(data.iter_mut()) {
                if *t == target {
                    d[5] ^= 0x40;
                }
            }
            Ok(data)
        });
        // Leaf 10*256+3 lives in tile/0/010; 69_990 in the partial tile.
        let index = if target.l == 0 { target.n * 256 + 3 } else { 2600 };
        let e = prove_record(size, index, &r).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&target.path()), "{} -> {msg}", target.path());
    }
}

#[test]
fn truncated_or_missing_tiles_are_errors() {
    let log = log_of(600);
    let root = log.root();
    let short = TileHashReader::new(600, root, 8, |tiles: &[Tile]| {
        let mut d = tiles_of(&log, tiles)?;
        if let Some(x) = d.last_mut() {
            x.truncate(x.len() - 1);
        }
        Ok(d)
    });
    assert!(matches!(prove_record(600, 1, &short), Err(TlogError::TileDataLength { .. })));
    let none = TileHashReader::new(600, root, 8, |_: &[Tile]| Ok(Vec::new()));
    assert!(matches!(tree_hash(600, &none), Err(TlogError::TileFetchCount { .. })));
    // A reader trusting a wrong root refuses everything.
    let wrong = TileHashReader::new(600, leaf_hash(b"x"), 8, |t: &[Tile]| tiles_of(&log, t));
    let e = tree_hash(600, &wrong).unwrap_err();
    assert!(e.to_string().contains("does not match the tree root"), "{e}");
    // Beyond the trusted size.
    let r = TileHashReader::new(600, root, 8, |t: &[Tile]| tiles_of(&log, t));
    assert!(prove_record(601, 1, &r).is_err());
}

#[test]
fn tampered_stored_hash_breaks_root_and_proofs() {
    let log = log_of(100);
    let root = log.root();
    let good = log.stored().to_vec();
    for idx in 0..good.len() {
        let mut bad = good.clone();
        bad[idx].0[0] ^= 1;
        let tampered = MemLog::from_stored(bad);
        let (level, n) = split_stored_hash_index(idx as u64);
        // A hash the root depends on changes the root; others change some proof.
        let root_changed = tampered.root() != root;
        let mut proof_failed = false;
        for i in 0..100 {
            let p = prove_record(100, i, &tampered).unwrap();
            let leaf = tampered.stored()[stored_hash_index(0, i) as usize];
            if let Err(e) = verify_inclusion(&leaf, i, 100, &p, &root) {
                assert!(e.to_string().contains("does not lead to the checkpoint's root"));
                proof_failed = true;
            }
        }
        assert!(root_changed || proof_failed, "tampering level {level} n {n} went unnoticed");
        // Every stored hash is on the path of some leaf, so some proof must fail.
        assert!(proof_failed, "level {level} n {n}");
    }
}

#[test]
fn proofs_do_not_transfer() {
    let log = log_of(50);
    let root50 = log.root();
    let root49 = tree_hash(49, &log).unwrap();
    let leaf = log.stored()[stored_hash_index(0, 20) as usize];
    let p = prove_record(50, 20, &log).unwrap();
    verify_inclusion(&leaf, 20, 50, &p, &root50).unwrap();
    // Proof for size 50 with the root of 49.
    assert!(verify_inclusion(&leaf, 20, 50, &p, &root49).is_err());
    // Wrong index.
    assert!(verify_inclusion(&leaf, 21, 50, &p, &root50).is_err());
    assert!(verify_inclusion(&leaf, 50, 50, &p, &root50).is_err());
    // Truncated and extended proofs, each with a length message.
    let e = verify_inclusion(&leaf, 20, 50, &p[..p.len() - 1], &root50).unwrap_err();
    assert!(e.to_string().contains(&format!("proof has {} hashes", p.len() - 1)), "{e}");
    let mut longer = p.clone();
    longer.push(root50);
    assert!(verify_inclusion(&leaf, 20, 50, &longer, &root50).is_err());

    let c = prove_tree(50, 30, &log).unwrap();
    let root30 = tree_hash(30, &log).unwrap();
    verify_consistency(30, 50, &root30, &root50, &c).unwrap();
    assert!(verify_consistency(30, 50, &root30, &root49, &c).is_err());
    assert!(verify_consistency(31, 50, &root30, &root50, &c).is_err());
    assert!(verify_consistency(30, 50, &root30, &root50, &c[..c.len() - 1]).is_err());
    assert!(verify_consistency(50, 30, &root50, &root30, &c).is_err());
}

// --- witness ---

struct World {
    log: NoteSigner,
    witness: CosignSigner,
    mem: MemLog,
}

fn world() -> World {
    World {
        log: NoteSigner::new("example.org/log", [1; 32]).unwrap(),
        witness: CosignSigner::new("example.org/witness", [2; 32]).unwrap(),
        mem: MemLog::new(),
    }
}

fn signed_checkpoint(log: &NoteSigner, size: u64, root: Hash) -> String {
    let cp = Checkpoint { origin: log.name().to_string(), size, root, extensions: vec![] };
    sign_note(&cp.to_text(), log).unwrap()
}

#[test]
fn witness_follows_a_growing_log() {
    let mut w = world();
    let lv = w.log.verifier();
    let mut state: Option<WitnessState> = None;
    let mut entries = 0u64;
    for step in [3u64, 0, 5, 120] {
        let old = state.as_ref().map_or(0, |s| s.size);
        for _ in 0..step {
            w.mem.append_entries(&[format!("e{entries}").as_bytes()]);
            entries += 1;
        }
        let size = w.mem.size();
        let note = signed_checkpoint(&w.log, size, w.mem.root());
        let proof = prove_tree(size, old, &w.mem).unwrap();
        let (st, line) = witness_checkpoint(state.as_ref(), &lv, old, &proof, &note, &w.witness, 1000 + size).unwrap();
        assert_eq!(st.size, size);
        let cosigned = add_signature_lines(&note, &[line]).unwrap();
        let parsed = verify_note(&cosigned, &lv).unwrap();
        assert_eq!(w.witness.verifier().verify(&parsed.text, &parsed), Some(1000 + size));
        state = Some(st);
    }
}

#[test]
fn witness_refusals() {
    let mut w = world();
    let lv = w.log.verifier();
    let refs: Vec<Vec<u8>> = (0..10).map(|i| vec![i]).collect();
    let r: Vec<&[u8]> = refs.iter().map(|e| e.as_slice()).collect();
    w.mem.append_entries(&r);
    let note10 = signed_checkpoint(&w.log, 10, w.mem.root());
    let (st, _) = witness_checkpoint(None, &lv, 0, &[], &note10, &w.witness, 1).unwrap();

    // Same size, different root: a fork, with both roots in the error.
    let forked = signed_checkpoint(&w.log, 10, leaf_hash(b"other"));
    let e = witness_checkpoint(Some(&st), &lv, 10, &[], &forked, &w.witness, 2).unwrap_err();
    assert!(matches!(e, WitnessError::Fork { size: 10, .. }), "{e}");
    assert_eq!(e.http_status(), 409);

    // Same checkpoint again: cosigned again (idempotent).
    witness_checkpoint(Some(&st), &lv, 10, &[], &note10, &w.witness, 3).unwrap();

    // Caller thinks we are at 5: conflict, telling our size.
    w.mem.append_entries(&[b"x"]);
    let note11 = signed_checkpoint(&w.log, 11, w.mem.root());
    let p5 = prove_tree(11, 5, &w.mem).unwrap();
    let e = witness_checkpoint(Some(&st), &lv, 5, &p5, &note11, &w.witness, 4).unwrap_err();
    assert_eq!(e, WitnessError::Conflict { size: 10, old_size: 5 });
    assert_eq!(e.http_status(), 409);

    // Old size beyond the checkpoint.
    let e = witness_checkpoint(Some(&st), &lv, 12, &[], &note11, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::OldSizeTooLarge { .. }), "{e}");

    // Going back.
    let note9 = signed_checkpoint(&w.log, 9, tree_hash(9, &w.mem).unwrap());
    let e = witness_checkpoint(Some(&st), &lv, 9, &[], &note9, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::Rollback { ours: 10, theirs: 9 }), "{e}");
    // With our own size as old size, the request is malformed first (C2SP: 400).
    let e = witness_checkpoint(Some(&st), &lv, 10, &[], &note9, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::OldSizeTooLarge { .. }), "{e}");
    assert_eq!(e.http_status(), 400);

    // A bad proof, and a good proof for a different (forked) new root.
    let p10 = prove_tree(11, 10, &w.mem).unwrap();
    let mut bad = p10.clone();
    bad[0].0[3] ^= 1;
    let e = witness_checkpoint(Some(&st), &lv, 10, &bad, &note11, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::BadProof(_)), "{e}");
    assert_eq!(e.http_status(), 422);
    let other11 = signed_checkpoint(&w.log, 11, leaf_hash(b"y"));
    assert!(witness_checkpoint(Some(&st), &lv, 10, &p10, &other11, &w.witness, 4).is_err());
    witness_checkpoint(Some(&st), &lv, 10, &p10, &note11, &w.witness, 4).unwrap();

    // Signed by someone else, or not at all, or for another origin.
    let mallory = NoteSigner::new("example.org/log", [3; 32]).unwrap();
    let fake = signed_checkpoint(&mallory, 11, w.mem.root());
    let e = witness_checkpoint(Some(&st), &lv, 10, &p10, &fake, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::BadLogSignature(_)), "{e}");
    let tampered = note11.replacen("\n11\n", "\n12\n", 1);
    let e = witness_checkpoint(Some(&st), &lv, 10, &p10, &tampered, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::BadLogSignature(_)), "{e}");
    let other_origin = NoteSigner::new("example.org/other", [1; 32]).unwrap();
    let n = signed_checkpoint(&other_origin, 11, w.mem.root());
    let e = witness_checkpoint(Some(&st), &other_origin.verifier(), 10, &p10, &n, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::UnknownLog { .. }), "{e}");
    // Origin is checked before the signature (C2SP: 404 before 403).
    let e = witness_checkpoint(Some(&st), &lv, 10, &p10, &n, &w.witness, 4).unwrap_err();
    assert!(matches!(e, WitnessError::UnknownLog { .. }), "{e}");
    assert_eq!(e.http_status(), 404);
}

#[test]
fn two_checkpoints_same_size_caught_by_policy_holder_too() {
    // A verifier holding two cosigned checkpoints of one size with different roots has
    // proof of a fork: both verify, roots differ.
    let w = world();
    let a = signed_checkpoint(&w.log, 4, leaf_hash(b"a"));
    let b = signed_checkpoint(&w.log, 4, leaf_hash(b"b"));
    let ca = Checkpoint::parse(&verify_note(&a, &w.log.verifier()).unwrap().text).unwrap();
    let cb = Checkpoint::parse(&verify_note(&b, &w.log.verifier()).unwrap().text).unwrap();
    assert_eq!(ca.size, cb.size);
    assert!(verify_consistency(4, 4, &ca.root, &cb.root, &[]).is_err());
}
