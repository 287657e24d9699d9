//! Login throttling and the login's signed tokens (docs/PEOPLE.md, "Throttling").
//!
//! Every attempt that would check a password first claims a place under two counters, each in
//! one statement of the store ([`Store::throttle_claim`]), before any hash is checked:
//!
//! - its **source** (the client address): [`SOURCE_ATTEMPTS`] per [`WINDOW`];
//! - its **login text** (known or unknown alike): [`LOGIN_ATTEMPTS`] per [`WINDOW`]; or, when the
//!   browser shows a device cookie that this login earned by logging in before, that
//!   **device**'s own counter instead ([`DEVICE_ATTEMPTS`]). A stranger who locks a login
//!   therefore does not lock the worker out of the phone they always use.
//!
//! Counters are keyed by an HMAC of what they count, with the store's login secret, so the
//! store holds no phone number or address, and a counter exists for any text typed as a login:
//! known and unknown logins are answered alike. A good password resets the login's (or
//! device's) counter and gives the source its place back.

use chrono::{DateTime, TimeDelta, Utc};
use flexpension_store::people::{Claim, LOGIN_SECRET_LEN};
use flexpension_store::{Store, StoreError};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::net::IpAddr;

/// Password checks per login text per window, counted before the check.
pub const LOGIN_ATTEMPTS: i64 = 5;
/// Password checks per recognised device (and its login) per window.
pub const DEVICE_ATTEMPTS: i64 = 5;
/// Failed or unfinished checks per client address per window, over all logins.
pub const SOURCE_ATTEMPTS: i64 = 30;
/// A counter's window starts at its first attempt; the next attempt after it starts afresh.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// How long a login form's token is good for.
pub const FORM_TOKEN_TTL: TimeDelta = TimeDelta::minutes(30);
/// How long a device cookie is kept: a worker who logs in twice a year stays recognised.
pub const DEVICE_COOKIE_TTL: TimeDelta = TimeDelta::days(180);
/// Expired counters are swept at most this often.
pub const SWEEP_EVERY: TimeDelta = TimeDelta::minutes(1);

/// The store's login secret as an HMAC key: form tokens, device cookies and counter keys.
#[derive(Clone)]
pub struct LoginKeys {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for LoginKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LoginKeys(<secret>)")
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// 16 bytes from the OS CSPRNG.
fn nonce() -> Option<[u8; 16]> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).ok()?;
    Some(b)
}

/// A login as typed, the way the store compares logins (trimmed, ASCII lower case).
pub fn normalise_login(login: &str) -> String {
    login.trim().to_ascii_lowercase()
}

impl LoginKeys {
    pub fn new(secret: &[u8; LOGIN_SECRET_LEN]) -> LoginKeys {
        // HMAC takes a key of any length: this never fails; the fallback keeps it panic-free.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        LoginKeys { mac }
    }

    fn sign(&self, domain: &str, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut m = self.mac.clone();
        m.update(domain.as_bytes());
        for p in parts {
            // Length-prefixed, so no two part lists sign alike.
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m
    }

    /// A counter key: an HMAC of what is counted, under its domain.
    pub fn counter(&self, domain: &str, what: &[u8]) -> [u8; 32] {
        self.sign(domain, &[what]).finalize().into_bytes().into()
    }

    /// A new login form token, `NONCE.ISSUED.MAC`: the same goes in the cookie and the field.
    pub fn form_token(&self, now: DateTime<Utc>) -> Option<String> {
        let n = hex(&nonce()?);
        let t = now.timestamp().to_string();
        let mac = self.sign("login-form", &[n.as_bytes(), t.as_bytes()]).finalize().into_bytes();
        Some(format!("{n}.{t}.{}", hex(&mac)))
    }

    /// The cookie and the field carry the same token, minted here, and not too long ago.
    pub fn form_token_ok(&self, cookie: &str, field: &str, now: DateTime<Utc>) -> bool {
        if !crate::web::login::same(cookie, field) {
            return false;
        }
        let mut it = field.split('.');
        let (Some(n), Some(t), Some(mac), None) = (it.next(), it.next(), it.next(), it.next()) else { return false };
        let (Some(_), Ok(issued), Some(mac)) = (unhex::<16>(n), t.parse::<i64>(), unhex::<32>(mac)) else { return false };
        if self.sign("login-form", &[n.as_bytes(), t.as_bytes()]).verify_slice(&mac).is_err() {
            return false;
        }
        let age = now.timestamp() - issued;
        // A minute of clock difference between servers on one store is forgiven.
        (-60..=FORM_TOKEN_TTL.num_seconds()).contains(&age)
    }

    /// A new device cookie for a login that just succeeded: `NONCE.MAC(login, NONCE)`.
    pub fn device_cookie(&self, login: &str) -> Option<String> {
        let n = hex(&nonce()?);
        let mac = self.sign("device", &[normalise_login(login).as_bytes(), n.as_bytes()]).finalize().into_bytes();
        Some(format!("{n}.{}", hex(&mac)))
    }

    /// The device's counter key, when `cookie` is a device cookie this login earned.
    pub fn device_of(&self, cookie: &str, login: &str) -> Option<[u8; 32]> {
        let (n, mac) = cookie.split_once('.')?;
        unhex::<16>(n)?;
        let mac = unhex::<32>(mac)?;
        self.sign("device", &[normalise_login(login).as_bytes(), n.as_bytes()]).verify_slice(&mac).ok()?;
        Some(self.counter("throttle-device", n.as_bytes()))
    }
}

/// The text a client address is counted under: an IPv4 address, or an IPv6 address's /64
/// (one subscriber's network); no address at all is one shared source.
pub fn source_text(addr: Option<IpAddr>) -> String {
    match addr.map(|a| a.to_canonical()) {
        Some(IpAddr::V4(a)) => a.to_string(),
        Some(IpAddr::V6(a)) => {
            let s = a.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        None => "unknown".into(),
    }
}

/// The places an attempt holds until its password is checked.
#[derive(Debug, Clone)]
pub struct Held {
    source: [u8; 32],
    account: [u8; 32],
}

/// What claiming places decided.
#[derive(Debug)]
pub enum Gate {
    /// Check the password, then call [`checked`] (or [`give_back`] if it was not checked).
    Open(Held),
    /// Too many attempts: answer 429 with Retry-After of this many seconds.
    Refused { retry_after: i64 },
}

fn retry_after(c: &Claim, now: DateTime<Utc>) -> i64 {
    (c.window_end - now).num_seconds().max(1)
}

/// Claim a place for an attempt at `login` from `source` (with the device's counter key when
/// the browser is recognised for this login).
pub async fn claim(
    store: &Store,
    keys: &LoginKeys,
    source: &str,
    login: &str,
    device: Option<[u8; 32]>,
    now: DateTime<Utc>,
) -> Result<Gate, StoreError> {
    let source = keys.counter("throttle-source", source.as_bytes());
    let (account, limit) = match device {
        Some(d) => (d, DEVICE_ATTEMPTS),
        None => (keys.counter("throttle-login", normalise_login(login).as_bytes()), LOGIN_ATTEMPTS),
    };
    let s = store.throttle_claim(&source, now, WINDOW).await?;
    if s.attempts > SOURCE_ATTEMPTS {
        return Ok(Gate::Refused { retry_after: retry_after(&s, now) });
    }
    let a = store.throttle_claim(&account, now, WINDOW).await?;
    if a.attempts > limit {
        // No password is checked for this attempt: the source keeps its place.
        store.throttle_release(&source).await?;
        return Ok(Gate::Refused { retry_after: retry_after(&a, now) });
    }
    Ok(Gate::Open(Held { source, account }))
}

/// The password was not checked (the checking queue was full): both places come back.
pub async fn give_back(store: &Store, held: &Held) -> Result<(), StoreError> {
    store.throttle_release(&held.account).await?;
    store.throttle_release(&held.source).await
}

/// The password was checked: a good one clears the login's (or device's) count and returns
/// the source's place; a wrong one keeps both counted.
pub async fn checked(store: &Store, held: &Held, good: bool) -> Result<(), StoreError> {
    if good {
        store.throttle_reset(&held.account).await?;
        store.throttle_release(&held.source).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> LoginKeys {
        LoginKeys::new(&[7u8; 32])
    }

    #[test]
    fn form_tokens_are_minted_not_invented() {
        let k = keys();
        let now = Utc::now();
        let t = k.form_token(now).expect("token");
        assert!(k.form_token_ok(&t, &t, now));
        assert!(k.form_token_ok(&t, &t, now + TimeDelta::minutes(29)));
        assert!(!k.form_token_ok(&t, &t, now + TimeDelta::minutes(31)), "too old");
        assert!(!k.form_token_ok(&t, "x", now), "cookie and field differ");
        let invented = format!("{}.{}.{}", "ab".repeat(16), now.timestamp(), "cd".repeat(32));
        assert!(!k.form_token_ok(&invented, &invented, now));
        assert!(!k.form_token_ok("x", "x", now));
        assert!(!LoginKeys::new(&[8u8; 32]).form_token_ok(&t, &t, now), "another store's key");
        // A later issue time under the old MAC does not verify.
        let mut parts: Vec<&str> = t.split('.').collect();
        let later = (now.timestamp() + 600).to_string();
        parts[1] = &later;
        let moved = parts.join(".");
        assert!(!k.form_token_ok(&moved, &moved, now + TimeDelta::minutes(35)));
    }

    #[test]
    fn device_cookies_belong_to_one_login() {
        let k = keys();
        let c = k.device_cookie("13800000001").expect("cookie");
        let d = k.device_of(&c, " 13800000001 ").expect("recognised");
        assert_ne!(k.device_cookie("13800000001"), Some(c.clone()), "a fresh nonce each time");
        assert!(k.device_of(&c, "13800000002").is_none(), "not for another login");
        assert!(k.device_of("00.00", "13800000001").is_none());
        assert_ne!(d, k.counter("throttle-login", b"13800000001"));
    }

    #[test]
    fn sources() {
        assert_eq!(source_text(Some("198.51.100.7".parse().expect("ip"))), "198.51.100.7");
        assert_eq!(source_text(Some("::ffff:198.51.100.7".parse().expect("ip"))), "198.51.100.7");
        assert_eq!(source_text(Some("2001:db8:1:2:3:4:5:6".parse().expect("ip"))), "2001:db8:1:2::/64");
        assert_eq!(source_text(None), "unknown");
    }
}
