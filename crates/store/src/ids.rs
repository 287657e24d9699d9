//! Identifiers (the worker and platform numbers are the ledger's types, shared by every crate),
//! keyed hashes of personal numbers, and API keys.

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

pub use flexpension_ledger::{PlatformId, WorkerId};

/// A grid cell's number in this store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct GridId(pub i64);

/// An enrolment's number in this store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct EnrolmentId(pub i64);

/// One transaction of platform earnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct BatchId(pub i64);

impl fmt::Display for GridId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for EnrolmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A hash map with a fast seeded hasher (foldhash) for the ingest's per-row lookups: SipHash was
/// a visible share of the hot path, and the seed keeps crafted keys from colliding on purpose.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A month as stored: YYYYMM.
pub(crate) fn month_code(m: flexpension_rules::YearMonth) -> i32 {
    m.year() * 100 + m.month() as i32
}

pub(crate) fn month_from_code(c: i32) -> Option<flexpension_rules::YearMonth> {
    flexpension_rules::YearMonth::new(c / 100, (c % 100) as u32)
}

/// A 32-byte keyed hash (HMAC-SHA256 with the store's pepper).
pub(crate) type Hash32 = [u8; 32];

/// The secret key of the keyed hashes. Kept in the store's `store_meta` table, made with the
/// OS CSPRNG on first open. Never printed.
#[derive(Clone)]
pub(crate) struct Pepper {
    /// HMAC state with the key already absorbed: each hash starts from a clone of it.
    mac: Hmac<Sha256>,
}

impl fmt::Debug for Pepper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pepper(<secret>)")
    }
}

impl Pepper {
    /// HMAC takes keys of any length; the store's is 32 bytes.
    pub(crate) fn new(key: &[u8]) -> Result<Pepper, crate::StoreError> {
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
            .map_err(|_| crate::StoreError::Corrupt("the pepper is not a usable HMAC key".into()))?;
        Ok(Pepper { mac })
    }

    fn hash(&self, domain: &[u8], value: &[u8]) -> Hash32 {
        let mut m = self.mac.clone();
        m.update(domain);
        m.update(value);
        m.finalize().into_bytes().into()
    }

    /// The keyed hash of a resident ID (already checked; the final X upper-cased).
    pub(crate) fn resident_id(&self, normalised: &[u8]) -> Hash32 {
        self.hash(b"resident_id\0", normalised)
    }

    pub(crate) fn phone(&self, digits: &[u8]) -> Hash32 {
        self.hash(b"phone\0", digits)
    }

    /// The keystream sealing a contact number under `nonce` (a number is at most 32 bytes).
    pub(crate) fn contact_pad(&self, nonce: &[u8]) -> Hash32 {
        self.hash(b"contact pad\0", nonce)
    }

    /// The tag of a sealed contact (nonce and sealed bytes), so a changed row is refused.
    pub(crate) fn contact_tag(&self, sealed: &[u8]) -> Hash32 {
        self.hash(b"contact tag\0", sealed)
    }

    /// Seal at most 32 bytes for a round trip through a form: `header` (16 random bytes
    /// first, then what the value is bound to) in clear, the value under a keystream of the
    /// header, and a tag over both — the contact's construction under its own domain.
    pub(crate) fn seal_form(&self, header: &[u8], value: &[u8]) -> Option<Vec<u8>> {
        if header.len() < 16 || value.len() > 32 {
            return None;
        }
        let pad = self.hash(b"form pad\0", header);
        let mut sealed = header.to_vec();
        sealed.extend(value.iter().zip(pad.iter()).map(|(b, k)| b ^ k));
        let tag = self.hash(b"form tag\0", &sealed);
        sealed.extend_from_slice(&tag[..16]);
        Some(sealed)
    }

    /// Open what [`Pepper::seal_form`] sealed with a header of `header_len` bytes: the header
    /// and the value, or none when any byte was changed.
    pub(crate) fn open_form(&self, sealed: &[u8], header_len: usize) -> Option<(Vec<u8>, Vec<u8>)> {
        if header_len < 16 || sealed.len() < header_len + 16 || sealed.len() > header_len + 32 + 16 {
            return None;
        }
        let (body, tag) = sealed.split_at(sealed.len() - 16);
        let mut m = self.mac.clone();
        m.update(b"form tag\0");
        m.update(body);
        // In constant time: a forged tag learns nothing from how long the check took.
        m.verify_truncated_left(tag).ok()?;
        let (header, value) = body.split_at(header_len);
        let pad = self.hash(b"form pad\0", header);
        Some((header.to_vec(), value.iter().zip(pad.iter()).map(|(b, k)| b ^ k).collect()))
    }
}

/// Check a resident ID and return it normalised (upper-case X). The reason never quotes the
/// number or any part of it, so it is safe in errors and logs.
pub(crate) fn check_resident_id(s: &str) -> Result<(String, chrono::NaiveDate), String> {
    let t = s.trim();
    match flexpension_rules::checkdigit::resident_id(t) {
        Ok(birth) => Ok((t.to_ascii_uppercase(), birth)),
        Err(reason) => Err(scrub(&reason)),
    }
}

/// Drop quoted fragments ('...') from a checker's message: they are pieces of the number.
fn scrub(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut quoted = false;
    for c in reason.chars() {
        if c == '\'' {
            quoted = !quoted;
            continue;
        }
        if !quoted {
            out.push(c);
        }
    }
    // "characters 7-14, , are not..." reads badly once the quote is gone.
    out.replace(", ,", "").replace("  ", " ")
}

/// A mainland mobile number: 11 digits starting with 1 (a +86 / 86 prefix, spaces and dashes
/// are accepted and dropped). Returns the 11 digits.
pub(crate) fn check_phone(s: &str) -> Result<String, String> {
    let mut digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if let Some(rest) = digits.strip_prefix("+86") {
        digits = rest.to_string();
    } else if digits.len() == 13 && digits.starts_with("86") {
        digits = digits[2..].to_string();
    }
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a mainland mobile number has 11 digits".into());
    }
    if !digits.starts_with('1') || !matches!(digits.as_bytes()[1], b'3'..=b'9') {
        return Err("a mainland mobile number starts with 13 to 19".into());
    }
    Ok(digits)
}

/// "138****5678".
pub(crate) fn mask_phone(digits: &str) -> String {
    if digits.len() != 11 {
        return "*".repeat(digits.len());
    }
    format!("{}****{}", &digits[..3], &digits[7..])
}

/// A platform's API key in clear: `fpk_` and 64 hex digits of CSPRNG output. Returned once
/// when made; the store keeps only its SHA-256. Debug does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub(crate) fn generate() -> Result<ApiKey, getrandom::Error> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b)?;
        Ok(ApiKey(format!("fpk_{}", hex(&b))))
    }
    /// The clear key, to hand to the platform once.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub(crate) fn hash(key: &str) -> Vec<u8> {
        Sha256::digest(key.trim().as_bytes()).to_vec()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<secret>)")
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(H[usize::from(x >> 4)] as char);
        s.push(H[usize::from(x & 15)] as char);
    }
    s
}

/// 32 bytes from the OS CSPRNG.
pub(crate) fn random32() -> Result<[u8; 32], getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_id_reasons_quote_nothing() {
        let e = check_resident_id("11010519491331002X").unwrap_err();
        assert!(!e.contains("19491331"), "{e}");
        assert!(e.contains("birth date"), "{e}");
        assert_eq!(check_resident_id(" 11010519491231002x ").unwrap().0, "11010519491231002X");
    }

    #[test]
    fn phones() {
        assert_eq!(check_phone("138 0013 8000").unwrap(), "13800138000");
        assert_eq!(check_phone("+86 13800138000").unwrap(), "13800138000");
        assert!(check_phone("12800138000").is_err());
        assert!(check_phone("1380013800").is_err());
        assert_eq!(mask_phone("13800138000"), "138****8000");
    }

    #[test]
    fn keyed_hashes_depend_on_pepper_and_domain() {
        let a = Pepper::new(&[1; 32]).unwrap();
        let b = Pepper::new(&[2; 32]).unwrap();
        assert_ne!(a.resident_id(b"1"), b.resident_id(b"1"));
        assert_ne!(a.resident_id(b"1"), a.phone(b"1"));
        let k = ApiKey::generate().unwrap();
        assert_eq!(k.expose().len(), 68);
        assert_eq!(format!("{k:?}"), "ApiKey(<secret>)");
    }
}
