//! Every vector in tests/data/merkle-vectors.json (a copy of the project's shared
//! reference file), including every must_reject.

use flexpension_tlog::*;
use serde_json::Value;

const VECTORS: &str = include_str!("data/merkle-vectors.json");

fn v() -> Value {
    serde_json::from_str(VECTORS).expect("vectors parse")
}

fn hex(s: &Value) -> Vec<u8> {
    let s = s.as_str().expect("hex string");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn h(s: &Value) -> Hash {
    Hash::from_hex(s.as_str().expect("hash string")).expect("hash")
}

fn hb(s: &Value) -> Hash {
    Hash::from_base64(s.as_str().expect("b64 string")).expect("hash")
}

fn hashes(a: &Value) -> Vec<Hash> {
    a.as_array().expect("array").iter().map(h).collect()
}

fn u(x: &Value) -> u64 {
    x.as_u64().expect("integer")
}

/// The entries of a named tree of the vector file.
fn tree_entries(v: &Value, name: &str) -> Vec<Vec<u8>> {
    match name {
        "seq130" => (0..130u8).map(|i| vec![i]).collect(),
        _ => v["trees"][name]["leaves_hex"].as_array().expect("leaves").iter().map(hex).collect(),
    }
}

fn mem_log(entries: &[Vec<u8>]) -> MemLog {
    let mut log = MemLog::new();
    let refs: Vec<&[u8]> = entries.iter().map(|e| e.as_slice()).collect();
    log.append_entries(&refs);
    log
}

#[test]
fn hasher() {
    let v = v();
    for c in v["hasher"].as_array().unwrap() {
        let got = match c["fn"].as_str().unwrap() {
            "empty_root" => empty_root(),
            "leaf_hash" => leaf_hash(&hex(&c["leaf_hex"])),
            "node_hash" => {
                let (l, r) = (hex(&c["left_hex"]), hex(&c["right_hex"]));
                match (<[u8; 32]>::try_from(l.as_slice()), <[u8; 32]>::try_from(r.as_slice())) {
                    (Ok(l), Ok(r)) => node_hash(&Hash(l), &Hash(r)),
                    // Raw byte strings, not 32-byte hashes: the definition, by hand.
                    _ => sha256(&[&[1u8][..], &l, &r].concat()),
                }
            }
            f => panic!("unknown fn {f}"),
        };
        assert_eq!(got, h(&c["want"]), "{}", c["desc"]);
    }
}

fn sha256(b: &[u8]) -> Hash {
    use sha2::{Digest, Sha256};
    Hash(Sha256::digest(b).into())
}

#[test]
fn trees_roots_by_size() {
    let v = v();
    for name in ["ct8", "abc"] {
        let t = &v["trees"][name];
        let entries = tree_entries(&v, name);
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(leaves, hashes(&t["leaf_hashes"]), "{name}");
        for (n, want) in t["roots_by_size"].as_array().unwrap().iter().enumerate() {
            assert_eq!(root_of(&leaves[..n]), h(want), "{name} size {n}");
            let log = mem_log(&entries[..n]);
            assert_eq!(log.root(), h(want), "{name} MemLog size {n}");
        }
    }
    let abc = &v["trees"]["abc"];
    let utf8: Vec<Vec<u8>> = abc["leaves_utf8"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().as_bytes().to_vec()).collect();
    assert_eq!(utf8, tree_entries(&v, "abc"));
    let we = &abc["worked_example"];
    let (a, b, c) = (h(&we["leaf_a"]), h(&we["leaf_b"]), h(&we["leaf_c"]));
    assert_eq!(node_hash(&a, &b), h(&we["node_ab"]));
    let root = node_hash(&h(&we["node_ab"]), &c);
    assert_eq!(root, h(&we["root_abc = node_hash(node_ab, leaf_c)"]));
    assert_ne!(root, h(&we["WRONG root without 0x00/0x01 prefixes (e.g. pymerkle disable_security=True, rs_merkle default)"]));

    let entries = tree_entries(&v, "seq130");
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    let log = mem_log(&entries);
    for (n, want) in v["trees"]["seq130"]["roots_by_size"].as_object().unwrap() {
        let n: usize = n.parse().unwrap();
        assert_eq!(root_of(&leaves[..n]), h(want), "seq130 size {n}");
        assert_eq!(tree_hash(n as u64, &log).unwrap(), h(want), "seq130 tree_hash {n}");
    }
}

#[test]
fn inclusion_vectors() {
    let v = v();
    let cases = v["inclusion"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let (i, n) = (u(&c["leaf_index"]), u(&c["tree_size"]));
        let leaf = h(&c["leaf_hash"]);
        assert_eq!(leaf_hash(&hex(&c["leaf_hex"])), leaf);
        let proof = hashes(&c["proof"]);
        let root = h(&c["root"]);
        verify_inclusion(&leaf, i, n, &proof, &root).unwrap_or_else(|e| panic!("{c}: {e}"));
        // Our generators produce the same proof.
        let entries = tree_entries(&v, c["tree"].as_str().unwrap());
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(inclusion_proof_of(&leaves[..n as usize], i).unwrap(), proof);
        let log = mem_log(&entries[..n as usize]);
        assert_eq!(prove_record(n, i, &log).unwrap(), proof);
    }
}

#[test]
fn consistency_vectors() {
    let v = v();
    let cases = v["consistency"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let (m, n) = (u(&c["size1"]), u(&c["size2"]));
        let proof = hashes(&c["proof"]);
        let (r1, r2) = (h(&c["root1"]), h(&c["root2"]));
        verify_consistency(m, n, &r1, &r2, &proof).unwrap_or_else(|e| panic!("{c}: {e}"));
        let entries = tree_entries(&v, c["tree"].as_str().unwrap());
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(consistency_proof_of(&leaves[..n as usize], m).unwrap(), proof);
        let log = mem_log(&entries[..n as usize]);
        assert_eq!(prove_tree(n, m, &log).unwrap(), proof);
    }
}

#[test]
fn must_reject() {
    let v = v();
    let cases = v["must_reject"].as_array().unwrap();
    assert_eq!(cases.len(), 13);
    for c in cases {
        let proof = hashes(&c["proof"]);
        let res = match c["kind"].as_str().unwrap() {
            "inclusion" => verify_inclusion(&h(&c["leaf_hash"]), u(&c["leaf_index"]), u(&c["tree_size"]), &proof, &h(&c["root"])),
            "consistency" => verify_consistency(u(&c["size1"]), u(&c["size2"]), &h(&c["root1"]), &h(&c["root2"]), &proof),
            k => panic!("unknown kind {k}"),
        };
        let e = res.expect_err(c["why"].as_str().unwrap());
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn accepted_but_meaningless_is_accepted() {
    // Documented limitation: size and root must come from one signed checkpoint.
    let v = v();
    let c = &v["accepted_but_meaningless"];
    verify_inclusion(&h(&c["leaf_hash"]), u(&c["leaf_index"]), u(&c["tree_size"]), &hashes(&c["proof"]), &h(&c["root"])).unwrap();
}

#[test]
fn size_zero_policy() {
    // We accept old size 0 with an empty proof (C2SP tlog-witness), and nothing else.
    let v = v();
    let root8 = h(&v["trees"]["ct8"]["roots_by_size"][8]);
    verify_consistency(0, 8, &empty_root(), &root8, &[]).unwrap();
    assert!(verify_consistency(0, 8, &empty_root(), &root8, &[root8]).is_err());
    verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
}

#[test]
fn real_world_ct_logs() {
    let v = v();
    let a = &v["real_world"]["argon2020"];
    let b64 = |x: &Value| -> Vec<Hash> { x.as_array().unwrap().iter().map(hb).collect() };
    let root = hb(&a["root_b64"]);
    let size = u(&a["tree_size"]);
    let leaf = h(&a["leaf_hash"]);
    {
        use base64::Engine;
        let input = base64::engine::general_purpose::STANDARD.decode(a["leaf_input_b64"].as_str().unwrap()).unwrap();
        assert_eq!(leaf_hash(&input), leaf);
    }
    verify_inclusion(&leaf, u(&a["leaf_index"]), size, &b64(&a["inclusion_proof_b64"]), &root).unwrap();
    verify_consistency(u(&a["old_size"]), size, &hb(&a["old_root_b64"]), &root, &b64(&a["consistency_proof_b64"])).unwrap();
    // Same proof against a neighbouring size does not pass.
    assert!(verify_consistency(u(&a["old_size"]) + 1, size, &hb(&a["old_root_b64"]), &root, &b64(&a["consistency_proof_b64"]),).is_err());

    let c = &v["real_world"]["ct_python_merkle_test"];
    verify_inclusion(&h(&c["leaf_hash"]), u(&c["leaf_index"]), u(&c["tree_size"]), &hashes(&c["proof"]), &h(&c["root"])).unwrap();
}

#[test]
fn tlog_tiles() {
    let v = v();
    let t = &v["tlog_tiles"];
    for (n, want) in t["index_path_examples"].as_object().unwrap() {
        let n: u64 = n.parse().unwrap();
        let tile = Tile { h: 8, l: 0, n, w: 256 };
        assert_eq!(tile.path(), format!("tile/0/{}", want.as_str().unwrap()));
        assert_eq!(Tile::parse_path(&tile.path()).unwrap(), tile);
    }
    for p in t["tile_url_examples"].as_array().unwrap() {
        let p = p.as_str().unwrap();
        if p.starts_with("tile/entries/") {
            let (n, w) = parse_entry_bundle_path(p).unwrap();
            assert_eq!(entry_bundle_path(n, w), p);
        } else {
            assert_eq!(Tile::parse_path(p).unwrap().path(), p);
        }
    }
    for key in ["size_70000", "size_256"] {
        let size: u64 = key["size_".len()..].parse().unwrap();
        let tiles = new_tiles(8, 0, size);
        let computed = t[key]["computed"].as_array().unwrap();
        let levels = tiles.iter().map(|t| t.l).max().unwrap() as usize + 1;
        assert_eq!(levels, computed.len(), "{key}");
        for c in computed {
            let l = u(&c["level"]) as u8;
            let full = tiles.iter().filter(|t| t.l == l && t.w == 256).count();
            let partial: Vec<u32> = tiles.iter().filter(|t| t.l == l && t.w < 256).map(|t| t.w).collect();
            assert_eq!(full as u64, u(&c["full_tiles"]), "{key} level {l}");
            let want_partial = u(&c["partial_width"]) as u32;
            if want_partial == 0 {
                assert!(partial.is_empty(), "{key} level {l}");
            } else {
                assert_eq!(partial, vec![want_partial], "{key} level {l}");
            }
        }
    }
    // Entry bundle: u16 big-endian length prefixes.
    let data = encode_entry_bundle(&[b"ab", b""]);
    assert_eq!(data, vec![0, 2, b'a', b'b', 0, 0]);
    assert!(try_encode_entry_bundle(&[&vec![0u8; 65536]]).is_err());
    assert!(try_encode_entry_bundle(&[&vec![0u8; 65535]]).is_ok());
}

#[test]
fn signed_note_vectors() {
    let v = v();
    for c in v["signed_note"].as_array().unwrap() {
        let vk = NoteVerifier::parse(c["vkey"].as_str().unwrap()).unwrap();
        let msg = c["note"].as_str().unwrap();
        let note = verify_note(msg, &vk).unwrap_or_else(|e| panic!("{}: {e}", c["source"]));
        assert_eq!(note.text, c["text"].as_str().unwrap());
        if let Some(skey) = c.get("skey") {
            // Ed25519 is deterministic: signing again reproduces the note byte for byte.
            let s = NoteSigner::from_signer_key(skey.as_str().unwrap()).unwrap();
            assert_eq!(s.verifier_key(), c["vkey"].as_str().unwrap());
            assert_eq!(s.signer_key(), skey.as_str().unwrap());
            assert_eq!(sign_note(&note.text, &s).unwrap(), msg);
        }
        // Tampered text, tampered signature, wrong key: all rejected.
        let tampered = msg.replacen(&note.text[..4], "XXXX", 1);
        assert!(verify_note(&tampered, &vk).is_err());
        let sig_at = msg.rfind(' ').unwrap() + 3;
        let mut bytes = msg.as_bytes().to_vec();
        bytes[sig_at] = if bytes[sig_at] == b'A' { b'B' } else { b'A' };
        let bad_sig = String::from_utf8(bytes).unwrap();
        assert!(verify_note(&bad_sig, &vk).is_err());
    }
    // A note signed by one key does not verify under another's.
    let n = v["signed_note"].as_array().unwrap();
    let other = NoteVerifier::parse(n[2]["vkey"].as_str().unwrap()).unwrap();
    let e = verify_note(n[1]["note"].as_str().unwrap(), &other).unwrap_err();
    assert!(matches!(e, TlogError::NoSignature { .. }), "{e}");
}

fn seed(v: &Value) -> [u8; 32] {
    hex(v).try_into().unwrap()
}

#[test]
fn checkpoint_and_cosignature() {
    let v = v();
    let c = &v["checkpoint_and_cosignature"];
    let log_seed = seed(&c["log_seed_hex"]);
    {
        use sha2::{Digest, Sha256};
        let label: [u8; 32] = Sha256::digest(c["log_seed_label"].as_str().unwrap()).into();
        assert_eq!(label, log_seed);
    }
    let log = NoteSigner::new("example.org/test-log", log_seed).unwrap();
    assert_eq!(log.verifier_key(), c["log_vkey"].as_str().unwrap());
    assert_eq!(log.signer_key(), c["log_skey"].as_str().unwrap());
    let witness = CosignSigner::new("example.org/witness-1", seed(&c["witness_seed_hex"])).unwrap();
    assert_eq!(witness.verifier_key(), c["witness_vkey"].as_str().unwrap());

    let body = c["checkpoint_body"].as_str().unwrap();
    let cp = Checkpoint::parse(body).unwrap();
    assert_eq!(cp.origin, "example.org/test-log");
    assert_eq!(cp.size, 8);
    assert_eq!(cp.root, h(&v["trees"]["ct8"]["roots_by_size"][8]));
    assert_eq!(cp.to_text(), body);

    let signed = sign_note(body, &log).unwrap();
    assert_eq!(signed, c["signed_checkpoint"].as_str().unwrap());
    let ts = u(&c["cosignature_timestamp"]);
    let line = witness.cosign(body, ts).unwrap();
    let cosigned = add_signature_lines(&signed, &[line]).unwrap();
    assert_eq!(cosigned, c["cosigned_checkpoint"].as_str().unwrap());

    let log_v = NoteVerifier::parse(c["log_vkey"].as_str().unwrap()).unwrap();
    let note = verify_note(&cosigned, &log_v).unwrap();
    let wv = CosignVerifier::parse(c["witness_vkey"].as_str().unwrap()).unwrap();
    assert_eq!(wv.verify(body, &note), Some(ts));
    // The cosignature is over exactly the documented message.
    assert_eq!(format!("cosignature/v1\ntime {ts}\n{body}"), c["cosignature_signed_message"].as_str().unwrap());
    // A cosignature key is not a note key and vice versa (different signature types).
    assert!(NoteVerifier::parse(c["witness_vkey"].as_str().unwrap()).is_err());
    assert!(CosignVerifier::parse(c["log_vkey"].as_str().unwrap()).is_err());

    let policy = WitnessPolicy { witnesses: vec![wv.clone()], quorum: 1 };
    assert_eq!(policy.check(&note).unwrap(), vec!["example.org/witness-1"]);
    let two =
        WitnessPolicy { witnesses: vec![wv.clone(), CosignSigner::new("example.org/witness-2", [9; 32]).unwrap().verifier()], quorum: 2 };
    let e = two.check(&note).unwrap_err();
    assert_eq!(e, TlogError::QuorumNotMet { have: 1, need: 2, names: vec!["example.org/witness-1".into()] });
    // A cosignature on another checkpoint does not count for this one.
    let other_body = body.replace("\n8\n", "\n9\n");
    assert_eq!(wv.verify(&other_body, &note), None);
}
