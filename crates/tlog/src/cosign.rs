//! C2SP tlog-cosignature v1: a witness's timestamped Ed25519 signature (type 0x04) over
//! "cosignature/v1\ntime <t>\n" followed by the checkpoint text, and a quorum policy.

use ed25519_dalek::Signer;

use crate::checkpoint::Checkpoint;
use crate::error::TlogError;
use crate::note::{KeyPair, Note, PublicKey};

/// Signature type of a tlog-cosignature/v1 key.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

fn signed_message(checkpoint_text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}")
}

/// A witness's cosigning key.
#[derive(Clone)]
pub struct CosignSigner(KeyPair);

impl CosignSigner {
    pub fn new(name: &str, seed: [u8; 32]) -> Result<Self, TlogError> {
        KeyPair::new(name, ALG_COSIGNATURE_V1, seed).map(CosignSigner)
    }
    /// A fresh key from the OS random source. Panics on an invalid name; use
    /// [`CosignSigner::try_generate`] for untrusted names.
    pub fn generate(name: &str) -> Self {
        match Self::try_generate(name) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }
    pub fn try_generate(name: &str) -> Result<Self, TlogError> {
        KeyPair::generate(name, ALG_COSIGNATURE_V1).map(CosignSigner)
    }
    pub fn name(&self) -> &str {
        &self.0.name
    }
    pub fn seed(&self) -> [u8; 32] {
        self.0.sk.to_bytes()
    }
    pub fn key_hash(&self) -> u32 {
        self.0.key_hash
    }
    /// "name+hash+base64(0x04 || public key)".
    pub fn verifier_key(&self) -> String {
        self.0.verifier_key()
    }
    pub fn verifier(&self) -> CosignVerifier {
        CosignVerifier(PublicKey { name: self.0.name.clone(), key_hash: self.0.key_hash, vk: self.0.sk.verifying_key() })
    }
    /// "PRIVATE+KEY+name+hash+base64(0x04 || seed)", Go's signer-key layout.
    pub fn signer_key(&self) -> String {
        self.0.signer_key()
    }
    pub fn from_signer_key(s: &str) -> Result<Self, TlogError> {
        KeyPair::from_signer_key(s, ALG_COSIGNATURE_V1).map(CosignSigner)
    }

    /// The cosignature line "— name base64(key hash || timestamp || signature)\n".
    /// The text must be a well-formed checkpoint: a witness vouches for nothing else.
    pub fn cosign(&self, checkpoint_text: &str, timestamp_unix: u64) -> Result<String, TlogError> {
        Checkpoint::parse(checkpoint_text)?;
        let sig = self.0.sk.sign(signed_message(checkpoint_text, timestamp_unix).as_bytes());
        let mut raw = timestamp_unix.to_be_bytes().to_vec();
        raw.extend_from_slice(&sig.to_bytes());
        Ok(crate::note::NoteSig { name: self.0.name.clone(), key_hash: self.0.key_hash, sig: raw }.line())
    }
}

impl std::fmt::Debug for CosignSigner {
    // Never print the seed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CosignSigner({})", self.verifier_key())
    }
}

/// A witness's public cosigning key.
#[derive(Clone, Debug)]
pub struct CosignVerifier(PublicKey);

impl CosignVerifier {
    pub fn parse(vkey: &str) -> Result<Self, TlogError> {
        PublicKey::parse(vkey, ALG_COSIGNATURE_V1).map(CosignVerifier)
    }
    pub fn name(&self) -> &str {
        &self.0.name
    }
    pub fn key_hash(&self) -> u32 {
        self.0.key_hash
    }

    /// The timestamp of this witness's valid cosignature on the note, if there is one.
    pub fn verify(&self, checkpoint_text: &str, note: &Note) -> Option<u64> {
        note.sigs.iter().filter(|s| s.name == self.0.name && s.key_hash == self.0.key_hash && s.sig.len() == 72).find_map(|s| {
            let mut ts = [0u8; 8];
            ts.copy_from_slice(&s.sig[..8]);
            let ts = u64::from_be_bytes(ts);
            self.0.verify(signed_message(checkpoint_text, ts).as_bytes(), &s.sig[8..]).then_some(ts)
        })
    }
}

/// Which witnesses count, and how many of them must cosign.
#[derive(Clone, Debug)]
pub struct WitnessPolicy {
    pub witnesses: Vec<CosignVerifier>,
    pub quorum: usize,
}

impl WitnessPolicy {
    /// Names of the policy's witnesses with a valid cosignature on the note's text;
    /// an error when fewer than the quorum did. A witness listed twice counts once.
    pub fn check(&self, note: &Note) -> Result<Vec<String>, TlogError> {
        let mut names: Vec<String> = Vec::new();
        let mut seen: Vec<(String, u32)> = Vec::new();
        for w in &self.witnesses {
            let id = (w.name().to_string(), w.key_hash());
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            if w.verify(&note.text, note).is_some() {
                names.push(w.name().to_string());
            }
        }
        if names.len() < self.quorum {
            return Err(TlogError::QuorumNotMet { have: names.len(), need: self.quorum, names });
        }
        Ok(names)
    }
}
