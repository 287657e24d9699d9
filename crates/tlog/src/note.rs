//! C2SP signed notes with Ed25519 (signature type 0x01). The design follows Go's
//! golang.org/x/mod/sumdb/note (BSD): same key formats ("name+hash+base64" verifier keys,
//! "PRIVATE+KEY+name+hash+base64" signer keys), same note syntax and parsing limits.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::TlogError;

/// Signature type of a plain Ed25519 note signature.
pub const ALG_ED25519: u8 = 0x01;
/// The em dash and space that start every signature line.
const SIG_PREFIX: &str = "\u{2014} ";
/// Go's limit: parsing stops being cheap past this many signatures.
const MAX_SIGS: usize = 100;

/// A key name: non-empty, no '+', no whitespace (so key strings and lines split cleanly).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// First four bytes of SHA-256(name || "\n" || alg || public key), big-endian.
pub fn key_hash(name: &str, alg: u8, public: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([alg]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// An Ed25519 key with its name and signature type; shared by note and cosignature keys.
#[derive(Clone)]
pub(crate) struct KeyPair {
    pub(crate) name: String,
    pub(crate) alg: u8,
    pub(crate) key_hash: u32,
    pub(crate) sk: SigningKey,
}

impl KeyPair {
    pub(crate) fn new(name: &str, alg: u8, seed: [u8; 32]) -> Result<Self, TlogError> {
        if !is_valid_name(name) {
            return Err(TlogError::BadKeyName(name.to_string()));
        }
        let sk = SigningKey::from_bytes(&seed);
        let key_hash = key_hash(name, alg, sk.verifying_key().as_bytes());
        Ok(KeyPair { name: name.to_string(), alg, key_hash, sk })
    }

    #[allow(clippy::disallowed_methods, reason = "a new signing key needs OS entropy; everything else here takes its seed")]
    pub(crate) fn generate(name: &str, alg: u8) -> Result<Self, TlogError> {
        let mut seed = [0u8; 32];
        // No OS randomness means no safe key; nothing sensible to fall back to.
        getrandom::fill(&mut seed).expect("OS random source unavailable");
        Self::new(name, alg, seed)
    }

    pub(crate) fn verifier_key(&self) -> String {
        let mut k = vec![self.alg];
        k.extend_from_slice(self.sk.verifying_key().as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_hash, STANDARD.encode(k))
    }

    pub(crate) fn signer_key(&self) -> String {
        let mut k = vec![self.alg];
        k.extend_from_slice(self.sk.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.key_hash, STANDARD.encode(k))
    }

    pub(crate) fn from_signer_key(s: &str, alg: u8) -> Result<Self, TlogError> {
        let bad = |why: &str| TlogError::BadKey(format!("signer key: {why}"));
        let rest = s.strip_prefix("PRIVATE+KEY+").ok_or_else(|| bad("missing PRIVATE+KEY+ prefix"))?;
        let (name, hash, key) = split_key(rest).ok_or_else(|| bad("want name+hash+key"))?;
        let key = STANDARD.decode(key).map_err(|_| bad("key is not base64"))?;
        if key.len() != 33 || key[0] != alg {
            return Err(bad(&format!("want signature type {alg:#04x} and a 32-byte seed")));
        }
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&key[1..]);
        let kp = Self::new(name, alg, seed)?;
        if kp.key_hash != hash {
            return Err(bad("key hash does not match the key"));
        }
        Ok(kp)
    }
}

/// A public key with its name, signature type and key hash.
#[derive(Clone, Debug)]
pub(crate) struct PublicKey {
    pub(crate) name: String,
    pub(crate) key_hash: u32,
    pub(crate) vk: VerifyingKey,
}

impl PublicKey {
    pub(crate) fn parse(vkey: &str, alg: u8) -> Result<Self, TlogError> {
        let bad = |why: &str| TlogError::BadKey(format!("verifier key {vkey:?}: {why}"));
        let (name, hash, key) = split_key(vkey).ok_or_else(|| bad("want name+hash+key"))?;
        if !is_valid_name(name) {
            return Err(TlogError::BadKeyName(name.to_string()));
        }
        let key = STANDARD.decode(key).map_err(|_| bad("key is not base64"))?;
        if key.len() != 33 || key[0] != alg {
            return Err(bad(&format!("want signature type {alg:#04x} and a 32-byte Ed25519 key")));
        }
        if key_hash(name, alg, &key[1..]) != hash {
            return Err(bad("key hash does not match the key"));
        }
        let mut pk = [0u8; 32];
        pk.copy_from_slice(&key[1..]);
        let vk = VerifyingKey::from_bytes(&pk).map_err(|_| bad("not a valid Ed25519 point"))?;
        Ok(PublicKey { name: name.to_string(), key_hash: hash, vk })
    }

    pub(crate) fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(arr) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        // Strict: rejects small-order keys and non-canonical encodings.
        self.vk.verify_strict(msg, &Signature::from_bytes(&arr)).is_ok()
    }
}

/// "name+hash+key" with an 8-digit hex hash in lower case, as keys are printed: one text per
/// key, so that two texts of a key never compare unequal (Go's parser also takes upper case).
fn split_key(s: &str) -> Option<(&str, u32, &str)> {
    let (name, rest) = s.split_once('+')?;
    let (hash, key) = rest.split_once('+')?;
    if hash.len() != 8 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let hash = u32::from_str_radix(hash, 16).ok()?;
    Some((name, hash, key))
}

fn sig_line(name: &str, key_hash: u32, sig: &[u8]) -> String {
    let mut b = key_hash.to_be_bytes().to_vec();
    b.extend_from_slice(sig);
    format!("{SIG_PREFIX}{name} {}\n", STANDARD.encode(b))
}

/// A log's (or any note author's) Ed25519 signing key.
#[derive(Clone)]
pub struct NoteSigner(pub(crate) KeyPair);

impl NoteSigner {
    pub fn new(name: &str, seed: [u8; 32]) -> Result<Self, TlogError> {
        KeyPair::new(name, ALG_ED25519, seed).map(NoteSigner)
    }
    /// A fresh key from the OS random source. Panics on an invalid name; use
    /// [`NoteSigner::try_generate`] for untrusted names.
    pub fn generate(name: &str) -> Self {
        match Self::try_generate(name) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }
    pub fn try_generate(name: &str) -> Result<Self, TlogError> {
        KeyPair::generate(name, ALG_ED25519).map(NoteSigner)
    }
    pub fn seed(&self) -> [u8; 32] {
        self.0.sk.to_bytes()
    }
    pub fn name(&self) -> &str {
        &self.0.name
    }
    pub fn key_hash(&self) -> u32 {
        self.0.key_hash
    }
    pub fn verifier_key(&self) -> String {
        self.0.verifier_key()
    }
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier(PublicKey { name: self.0.name.clone(), key_hash: self.0.key_hash, vk: self.0.sk.verifying_key() })
    }
    pub fn from_signer_key(s: &str) -> Result<Self, TlogError> {
        KeyPair::from_signer_key(s, ALG_ED25519).map(NoteSigner)
    }
    pub fn signer_key(&self) -> String {
        self.0.signer_key()
    }
}

impl std::fmt::Debug for NoteSigner {
    // Never print the seed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteSigner({})", self.verifier_key())
    }
}

/// A note author's public key.
#[derive(Clone, Debug)]
pub struct NoteVerifier(pub(crate) PublicKey);

impl NoteVerifier {
    pub fn parse(vkey: &str) -> Result<Self, TlogError> {
        PublicKey::parse(vkey, ALG_ED25519).map(NoteVerifier)
    }
    pub fn name(&self) -> &str {
        &self.0.name
    }
    pub fn key_hash(&self) -> u32 {
        self.0.key_hash
    }
    pub fn verifier_key(&self) -> String {
        let mut k = vec![ALG_ED25519];
        k.extend_from_slice(self.0.vk.as_bytes());
        format!("{}+{:08x}+{}", self.0.name, self.0.key_hash, STANDARD.encode(k))
    }
}

/// One parsed signature line: `— <name> base64(key_hash || sig)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSig {
    pub name: String,
    pub key_hash: u32,
    /// The signature bytes after the 4-byte key hash.
    pub sig: Vec<u8>,
}

impl NoteSig {
    /// The line as it appears in a note, with its newline.
    pub fn line(&self) -> String {
        sig_line(&self.name, self.key_hash, &self.sig)
    }
}

/// A parsed note: its signed text and all its signature lines (none of them verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub sigs: Vec<NoteSig>,
}

/// Notes hold UTF-8 text with no control characters but newline.
fn check_text_chars(s: &str) -> Result<(), TlogError> {
    if let Some(c) = s.chars().find(|&c| (c as u32) < 0x20 && c != '\n') {
        return Err(TlogError::MalformedNote(format!("control character {:#04x}", c as u32)));
    }
    Ok(())
}

/// Signs `text` (which must end in a newline): returns text, a blank line and the
/// signature line.
pub fn sign_note(text: &str, signer: &NoteSigner) -> Result<String, TlogError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(TlogError::NoteTextNoNewline);
    }
    check_text_chars(text)?;
    let sig = signer.0.sk.sign(text.as_bytes());
    Ok(format!("{text}\n{}", sig_line(&signer.0.name, signer.0.key_hash, &sig.to_bytes())))
}

fn parse_sig_line(line: &str) -> Result<NoteSig, TlogError> {
    let bad = |why: &str| TlogError::MalformedNote(format!("signature line {line:?}: {why}"));
    let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| bad("does not start with an em dash and a space"))?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("want name and base64 signature"))?;
    if !is_valid_name(name) {
        return Err(bad("invalid key name"));
    }
    let raw = STANDARD.decode(b64).map_err(|_| bad("signature is not base64"))?;
    if raw.len() < 5 {
        return Err(bad("signature too short"));
    }
    Ok(NoteSig { name: name.to_string(), key_hash: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]), sig: raw[4..].to_vec() })
}

/// Splits a note into text and signature lines; verifies nothing.
pub fn parse_note(msg: &str) -> Result<Note, TlogError> {
    check_text_chars(msg)?;
    // The signature block follows the last blank line.
    let split = msg.rfind("\n\n").ok_or_else(|| TlogError::MalformedNote("no blank line before signatures".into()))?;
    let text = &msg[..split + 1];
    let block = &msg[split + 2..];
    if block.is_empty() || !block.ends_with('\n') {
        return Err(TlogError::MalformedNote("signature block missing or not newline-terminated".into()));
    }
    let mut sigs: Vec<NoteSig> = Vec::new();
    for (i, line) in block[..block.len() - 1].split('\n').enumerate() {
        if i >= MAX_SIGS {
            return Err(TlogError::MalformedNote(format!("more than {MAX_SIGS} signatures")));
        }
        let s = parse_sig_line(line)?;
        // Identical repeated lines add nothing.
        if !sigs.contains(&s) {
            sigs.push(s);
        }
    }
    Ok(Note { text: text.to_string(), sigs })
}

/// Parses the note and checks it carries a valid signature by `log`'s key.
pub fn verify_note(msg: &str, log: &NoteVerifier) -> Result<Note, TlogError> {
    let note = parse_note(msg)?;
    // The first line by this key decides, as in Go (later ones are dropped as repeats).
    let sig = note
        .sigs
        .iter()
        .find(|s| s.name == log.0.name && s.key_hash == log.0.key_hash)
        .ok_or_else(|| TlogError::NoSignature { name: log.0.name.clone(), key_hash: log.0.key_hash })?;
    if !log.0.verify(note.text.as_bytes(), &sig.sig) {
        return Err(TlogError::BadSignature(log.0.name.clone()));
    }
    Ok(note)
}

/// Appends signature lines (e.g. cosignatures) to a signed note, skipping lines it
/// already has and a second line from a key (name, key hash) already present.
pub fn add_signature_lines(msg: &str, lines: &[String]) -> Result<String, TlogError> {
    let mut note = parse_note(msg)?;
    for l in lines {
        let l = l.strip_suffix('\n').unwrap_or(l);
        if l.contains('\n') {
            return Err(TlogError::MalformedNote(format!("signature line {l:?} spans several lines")));
        }
        let s = parse_sig_line(l)?;
        if !note.sigs.iter().any(|o| o.name == s.name && o.key_hash == s.key_hash) {
            note.sigs.push(s);
        }
    }
    if note.sigs.len() > MAX_SIGS {
        return Err(TlogError::MalformedNote(format!("more than {MAX_SIGS} signatures")));
    }
    let mut out = note.text.clone();
    out.push('\n');
    for s in &note.sigs {
        out.push_str(&s.line());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_has_one_text() {
        let s = NoteSigner::new("fuzz.example/log", [1; 32]).unwrap();
        let vkey = s.verifier_key();
        assert_eq!(NoteVerifier::parse(&vkey).unwrap().verifier_key(), vkey);
        // The same key with its hash in upper case (found by fuzzing) is refused, not re-printed
        // as another text.
        let (name, rest) = vkey.split_once('+').unwrap();
        let (hash, key) = rest.split_once('+').unwrap();
        let upper = format!("{name}+{}+{key}", hash.to_uppercase());
        assert_ne!(upper, vkey, "the key's hash has a letter");
        assert!(NoteVerifier::parse(&upper).is_err());
    }

    #[test]
    fn sign_and_verify() {
        let s = NoteSigner::new("example.org/log", [7; 32]).unwrap();
        let v = NoteVerifier::parse(&s.verifier_key()).unwrap();
        assert_eq!(v.name(), "example.org/log");
        assert_eq!(v.key_hash(), s.key_hash());
        let msg = sign_note("hello\n", &s).unwrap();
        let n = verify_note(&msg, &v).unwrap();
        assert_eq!(n.text, "hello\n");
        let t = msg.replace("hello", "jello");
        assert_eq!(verify_note(&t, &v).unwrap_err().to_string(), "signature by 'example.org/log' does not verify");
        let other = NoteSigner::new("other", [8; 32]).unwrap();
        let e = verify_note(&sign_note("hello\n", &other).unwrap(), &v).unwrap_err();
        assert!(matches!(e, TlogError::NoSignature { .. }));
        assert!(sign_note("no newline", &s).is_err());
        assert!(sign_note("bell\u{7}\n", &s).is_err());
        let back = NoteSigner::from_signer_key(&s.signer_key()).unwrap();
        assert_eq!(back.seed(), s.seed());
        assert!(NoteSigner::new("bad name", [0; 32]).is_err());
        assert!(NoteSigner::new("bad+name", [0; 32]).is_err());
        let g = NoteSigner::generate("g");
        assert_ne!(g.seed(), NoteSigner::generate("g").seed());
    }

    #[test]
    fn add_lines_dedups() {
        let a = NoteSigner::new("a", [1; 32]).unwrap();
        let b = NoteSigner::new("b", [2; 32]).unwrap();
        let ma = sign_note("t\n", &a).unwrap();
        let mb = sign_note("t\n", &b).unwrap();
        let line_b = mb.rsplit_once("\n\n").unwrap().1.to_string();
        let both = add_signature_lines(&ma, std::slice::from_ref(&line_b)).unwrap();
        let again = add_signature_lines(&both, &[line_b]).unwrap();
        assert_eq!(both, again);
        assert_eq!(parse_note(&both).unwrap().sigs.len(), 2);
        verify_note(&both, &b.verifier()).unwrap();
        assert!(add_signature_lines(&ma, &["garbage".to_string()]).is_err());
    }

    #[test]
    fn malformed_notes() {
        for bad in ["no sigs\n", "text\n\n", "text\n\n— a AAAAAAA=", "text\n\nnot a sig line\n", "text\n\n— a !!!\n", "text\n\n— a AAAA\n"]
        {
            assert!(parse_note(bad).is_err(), "{bad:?}");
        }
    }
}
