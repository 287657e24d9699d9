//! Request signatures of the platform API, shaped like common webhook schemes:
//!
//! ```text
//! X-Flexpension-Timestamp: 1767225600                  (unix seconds)
//! X-Flexpension-Signature: v1=<hex HMAC-SHA256(api key, timestamp + "." + body)>
//! ```
//!
//! The timestamp bounds how long a captured request stays usable ([`MAX_SKEW_SECONDS`]); the
//! signature itself is the request's nonce, so the same request is accepted at most once.
//! Platforms and tests sign with [`sign`]; the server checks with [`verify`] (constant time).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const TIMESTAMP_HEADER: &str = "x-flexpension-timestamp";
pub const SIGNATURE_HEADER: &str = "x-flexpension-signature";
/// More clock difference than this, either way, and the request is refused as stale.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// Why a signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the timestamp must be unix seconds (digits only)")]
    BadTimestamp,
    #[error("the signature must be v1= followed by 64 hex digits")]
    BadFormat,
    #[error("the signature does not match the body and timestamp signed with this API key")]
    Mismatch,
}

fn mac(key: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this never fails; the fallback keeps it panic-free.
    let mut m =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The `X-Flexpension-Signature` value for a request: `v1=` and 64 lower-case hex digits.
pub fn sign(key: &str, timestamp: &str, body: &[u8]) -> String {
    format!("v1={}", hex(&mac(key, timestamp, body).finalize().into_bytes()))
}

/// Read a timestamp header: unix seconds.
pub fn parse_timestamp(t: &str) -> Result<i64, SignatureError> {
    let t = t.trim();
    if t.is_empty() || t.len() > 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::BadTimestamp);
    }
    t.parse().map_err(|_| SignatureError::BadTimestamp)
}

/// Check a signature header against the key, timestamp and body. Returns the signature in
/// canonical form (`v1=` + lower-case hex), the request's nonce.
pub fn verify(key: &str, timestamp: &str, body: &[u8], header: &str) -> Result<String, SignatureError> {
    let hex_part = header.trim().strip_prefix("v1=").ok_or(SignatureError::BadFormat)?;
    let given = unhex(hex_part).ok_or(SignatureError::BadFormat)?;
    mac(key, timestamp.trim(), body).verify_slice(&given).map_err(|_| SignatureError::Mismatch)?;
    Ok(format!("v1={}", hex(&given)))
}

fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    b.iter().flat_map(|x| [H[usize::from(x >> 4)] as char, H[usize::from(x & 15)] as char]).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let val = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        out[i] = val(pair[0])? << 4 | val(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify() {
        let s = sign("fpk_k", "1767225600", b"a,b\n");
        assert!(s.starts_with("v1=") && s.len() == 67);
        assert_eq!(verify("fpk_k", "1767225600", b"a,b\n", &s).as_deref(), Ok(s.as_str()));
        // Upper-case hex is the same signature, and the same nonce.
        assert_eq!(verify("fpk_k", "1767225600", b"a,b\n", &s.to_uppercase().replace("V1=", "v1=")).as_deref(), Ok(s.as_str()));
        assert_eq!(verify("fpk_k", "1767225601", b"a,b\n", &s), Err(SignatureError::Mismatch));
        assert_eq!(verify("fpk_x", "1767225600", b"a,b\n", &s), Err(SignatureError::Mismatch));
        assert_eq!(verify("fpk_k", "1767225600", b"a,c\n", &s), Err(SignatureError::Mismatch));
        assert_eq!(verify("fpk_k", "1767225600", b"", "v1=zz"), Err(SignatureError::BadFormat));
        assert_eq!(verify("fpk_k", "1767225600", b"", &s[3..]), Err(SignatureError::BadFormat));
    }

    #[test]
    fn the_mac_input_is_timestamp_dot_body() {
        let hmac = |data: &[u8]| {
            let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").expect("key");
            m.update(data);
            hex(&m.finalize().into_bytes())
        };
        // RFC 4231 test case 2: the HMAC itself.
        assert_eq!(hmac(b"what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(sign("Jefe", "1767225600", b"body"), format!("v1={}", hmac(b"1767225600.body")));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp(" 1767225600 "), Ok(1_767_225_600));
        for bad in ["", "-1", "1.5", "1e9", "9999999999999", "abc"] {
            assert_eq!(parse_timestamp(bad), Err(SignatureError::BadTimestamp), "{bad}");
        }
    }
}
