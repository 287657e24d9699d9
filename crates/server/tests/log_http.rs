//! The log over HTTP with real witnesses, on SQLite and PostgreSQL: checkpoints cosigned by a
//! quorum, C2SP tiles and entry bundles that match the store, proof bundles that verify offline
//! with the witnesses' keys, a witness that refuses a fork, and who may fetch which proof.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::log::{WitnessPeer, Witnesses, add_checkpoint_body};
use flexpension_server::witness::Witness;
use flexpension_store::log::{ProofBundle, VerifyOptions, verify_bundle};
use flexpension_tlog::{Checkpoint, CosignSigner, NoteVerifier, leaf_hash, parse_note, sign_note};
use harness::{Kind, Server, csv};
use std::sync::Arc;

#[test]
fn sqlite_witnessed_log_and_proofs() {
    witnessed_log_and_proofs(Kind::Sqlite);
}

#[test]
fn postgres_witnessed_log_and_proofs() {
    witnessed_log_and_proofs(Kind::Postgres);
}

struct Witnessed {
    keys: Vec<String>,
    urls: Vec<String>,
}

/// Two witnesses (the union, the audit office) on their own ports, watching the store's log.
fn witnesses(rt: &tokio::runtime::Runtime, store: &flexpension_store::Store, dir: &std::path::Path) -> Witnessed {
    let log = NoteVerifier::parse(&store.log_keys().verifier_key()).expect("log key");
    let mut out = Witnessed { keys: vec![], urls: vec![] };
    for name in ["zj-union", "zj-audit"] {
        let signer = CosignSigner::generate(name);
        out.keys.push(signer.verifier_key());
        let w = Arc::new(Witness::new(signer, log.clone(), dir.join(format!("{name}.json"))));
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        out.urls.push(format!("http://{}", listener.local_addr().expect("addr")));
        rt.spawn(async move {
            let _ = axum::serve(listener, flexpension_server::witness::router(w)).await;
        });
    }
    out
}

fn witnessed_log_and_proofs(kind: Kind) {
    let dir = std::env::temp_dir().join(format!("flexpension-witness-{}-{}", std::process::id(), kind as u8));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut wit: Option<Witnessed> = None;
    let Some(s) = Server::start_with(kind, 4, |rt, store, state| {
        let w = witnesses(rt, store, &dir);
        let peers = w.urls.iter().zip(&w.keys).map(|(u, k)| WitnessPeer::parse(&format!("{u}={k}")).expect("peer")).collect();
        wit = Some(w);
        state.with_witnesses(Witnesses { peers, quorum: 2 })
    }) else {
        return;
    };
    let w = wit.expect("witnesses");
    let rows: Vec<[&str; 6]> = vec![
        ["A-1", &s.ids[0], "88.50", "2025-09-10T10:00:00+08:00", "instant_delivery", "g1"],
        ["A-2", &s.ids[1], "120.00", "2025-09-11T10:00:00+08:00", "instant_delivery", "g1"],
    ];
    let posted = s.csv(&s.key_a, &csv(&rows));
    assert_eq!((posted.status, posted.json()["accepted"].as_u64()), (200, Some(2)), "{}", posted.body);

    // The platform's proof of its own row: fetched through the API (which publishes first), it
    // verifies offline with the region's key and both witnesses.
    let r = s.send("GET", "/api/v1/platform/proof?order_id=A-2", &[("x-api-key", &s.key_a)], b"");
    assert_eq!(r.status, 200, "{}", r.body);
    let b: ProofBundle = serde_json::from_str(&r.body).expect("bundle");
    let log_key = s.store.log_keys().verifier_key();
    let opts = VerifyOptions { log_key: log_key.clone(), witness_keys: w.keys.clone(), quorum: Some(2), id_number: None };
    let rep = verify_bundle(&b, &opts);
    assert!(rep.ok(), "{}", rep.to_text());
    assert!(rep.checks.iter().any(|c| c.name == "witness cosignatures" && c.detail.contains("zj-union") && c.detail.contains("zj-audit")));
    // A witness key that did not cosign is not counted.
    let stranger = CosignSigner::generate("stranger").verifier_key();
    let o = VerifyOptions { witness_keys: vec![w.keys[0].clone(), stranger], quorum: Some(2), ..opts.clone() };
    assert!(!verify_bundle(&b, &o).ok());
    // Another platform's key cannot fetch it; no key at all is refused.
    assert_eq!(s.send("GET", "/api/v1/platform/proof?order_id=A-2", &[("x-api-key", &s.key_b)], b"").status, 404);
    assert_eq!(s.send("GET", "/api/v1/platform/proof?order_id=A-2", &[], b"").status, 401);
    // A worker's proof needs the worker's login.
    assert!(matches!(s.send("GET", "/api/v1/me/proof?month=2025-09", &[], b"").status, 401 | 403));

    // The checkpoint as served carries both cosignatures; the tiles and entry bundles match.
    let cp_text = s.send("GET", "/log/checkpoint", &[], b"").body;
    let note = parse_note(&cp_text).expect("note");
    assert_eq!(note.sigs.len(), 3, "{cp_text}");
    let cp = Checkpoint::parse(&note.text).expect("checkpoint");
    let n = cp.size;
    assert!(n > 0 && n < 256);
    let (code, tile_bytes) = get_bytes(&format!("{}/log/tile/0/000.p/{n}", s.base));
    assert_eq!(code, 200);
    let (code, entry_bundle) = get_bytes(&format!("{}/log/tile/entries/000.p/{n}", s.base));
    assert_eq!(code, 200);
    let bundle = flexpension_tlog::decode_entry_bundle(&entry_bundle).expect("entry bundle");
    assert_eq!(bundle, s.block_on(async { s.store.log_entries(0, n).await }).expect("entries"));
    let leaves: Vec<u8> = bundle.iter().flat_map(|e| leaf_hash(e).0).collect();
    assert_eq!(tile_bytes, leaves, "tile 0 holds the leaf hashes of the entries");
    assert_eq!(flexpension_tlog::root_of(&bundle.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>()), cp.root);
    assert_eq!(get_bytes(&format!("{}/log/tile/0/001", s.base)).0, 404);

    // A fork: the region's key signs another tree of the same size. Both witnesses refuse it.
    let forged = Checkpoint { origin: cp.origin.clone(), size: n, root: leaf_hash(b"forged"), extensions: vec![] };
    let forged_note = sign_note(&forged.to_text(), &s.store.log_keys().signer).expect("sign");
    for url in &w.urls {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut res = agent.post(format!("{url}/add-checkpoint")).send(add_checkpoint_body(n, &[], &forged_note)).expect("post");
        let code = res.status().as_u16();
        let text = res.body_mut().read_to_string().expect("body");
        assert_eq!(code, 409, "{text}");
        assert!(text.contains("fork"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn get_bytes(url: &str) -> (u16, Vec<u8>) {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut r = agent.get(url).call().expect("GET");
    (r.status().as_u16(), r.body_mut().read_to_vec().expect("body"))
}
