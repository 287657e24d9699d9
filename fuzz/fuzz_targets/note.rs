//! Signed notes, checkpoints, keys and cosignatures as the log's readers and witnesses parse
//! them. No panic; a parsed note re-serialises to a note that parses the same; a note that
//! verifies re-serialises byte for byte (when its signature lines are all distinct) and its
//! signature is the one the key makes; a checkpoint and a key round-trip through their text;
//! a checkpoint a witness cosigns carries a cosignature that verifies.
#![no_main]

use std::sync::OnceLock;

use flexpension_fuzz::{log_signer, witness_signer};
use flexpension_tlog::{
    Checkpoint, CosignSigner, CosignVerifier, NoteSigner, NoteVerifier, add_signature_lines, parse_note, sign_note, verify_note,
    witness_checkpoint,
};
use libfuzzer_sys::fuzz_target;

/// Made once: deriving Ed25519 keys is most of a run's time otherwise.
fn keys() -> &'static (NoteSigner, NoteVerifier, CosignSigner) {
    static KEYS: OnceLock<(NoteSigner, NoteVerifier, CosignSigner)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let signer = log_signer();
        let log = signer.verifier();
        (signer, log, witness_signer())
    })
}

fn serialise(n: &flexpension_tlog::Note) -> String {
    let mut s = format!("{}\n", n.text);
    for sig in &n.sigs {
        s.push_str(&sig.line());
    }
    s
}

fuzz_target!(init: flexpension_fuzz::init(), |data: &[u8]| {
    let Ok(msg) = std::str::from_utf8(data) else { return };
    let (signer, log, witness) = keys();

    if let Ok(note) = parse_note(msg) {
        let again = serialise(&note);
        assert_eq!(parse_note(&again).as_ref(), Ok(&note), "a re-serialised note parses differently");
        assert_eq!(add_signature_lines(msg, &[]).as_deref(), Ok(again.as_str()));
        if let Ok(c) = Checkpoint::parse(&note.text) {
            assert_eq!(c.to_text(), note.text, "a checkpoint that does not round-trip");
        }
        let lines = msg.rfind("\n\n").map_or(0, |i| msg[i + 2..].lines().count());
        if let Ok(verified) = verify_note(msg, log) {
            assert_eq!(verified, note);
            if lines == note.sigs.len() {
                assert_eq!(again, msg, "a verified note that does not re-serialise identically");
            }
            let resigned = sign_note(&note.text, signer).expect("a verified text signs");
            let own = resigned.rsplit_once("\n\n").map(|(_, l)| l).unwrap_or_default();
            assert!(note.sigs.iter().any(|s| s.line() == own), "a verified signature the key does not make");
        }
        let _ = CosignVerifier::parse(&witness.verifier_key()).map(|w| w.verify(&note.text, &note));
        // The first line by a key stays (as in Go): only a note without one from this witness
        // must end up carrying a cosignature that verifies.
        let has_witness_line = note.sigs.iter().any(|s| s.name == witness.name() && s.key_hash == witness.key_hash());
        if let Ok((state, line)) = witness_checkpoint(None, log, 0, &[], msg, witness, 1_796_083_200)
            && !has_witness_line
        {
            let cosigned = add_signature_lines(msg, &[line]).expect("a cosignature line appends");
            let n = parse_note(&cosigned).expect("a cosigned note parses");
            assert!(witness.verifier().verify(&n.text, &n).is_some(), "a cosignature that does not verify");
            assert_eq!(Checkpoint::parse(&n.text).map(|c| c.size), Ok(state.size));
        }
    }
    if let Ok(c) = Checkpoint::parse(msg) {
        assert_eq!(c.to_text(), msg, "a checkpoint that does not round-trip");
    }
    if let Ok(v) = NoteVerifier::parse(msg) {
        assert_eq!(v.verifier_key(), msg, "a verifier key that does not round-trip");
    }
    if let Ok(v) = CosignVerifier::parse(msg) {
        let _ = v.name();
    }
});
