//! Passwords (argon2id, default parameters, salt from the OS CSPRNG) and making accounts.
//! The store keeps only the PHC string; the clear password never leaves this module.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use flexpension_store::people::{Person, Scope};
use flexpension_store::{PlatformId, Store, StoreError, WorkerId};
use std::sync::LazyLock;

/// Shortest password accepted: long enough to resist guessing with the login throttle on.
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error("password: use at least {MIN_PASSWORD_CHARS} characters, at most 128")]
    WeakPassword,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("bootstrap entry {0}: write role:scope:login:password (e.g. officer:zj:li.ming:secret123)")]
    Bootstrap(usize),
}

/// The argon2id PHC string of a password.
pub fn hash_password(password: &str) -> Result<String, PeopleError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=128).contains(&n) {
        return Err(PeopleError::WeakPassword);
    }
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| PeopleError::Hash(e.to_string()))
}

/// True when `password` matches the PHC string (a malformed string never matches).
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), phc).is_ok()
}

/// A hash no password matches, checked for unknown logins so that a wrong login costs the same
/// time as a wrong password (no telling which logins exist).
pub static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

/// Make an account: `scope` is the worker, the platform or the officer's region.
pub async fn add_person(store: &Store, login: &str, password: &str, scope: &Scope) -> Result<Person, PeopleError> {
    let phc = hash_password(password)?;
    Ok(store.add_person_hashed(login, &phc, scope).await?)
}

/// The environment variable `serve` reads at start: accounts to make if missing, separated by
/// `;` or new lines, each `role:scope:login:password` (worker scope: the worker number;
/// platform: the platform number; officer: the region code). Meant for the first officer of a
/// new deployment and for tests; an account that exists already is left as it is.
pub const BOOTSTRAP_ENV: &str = "FLEXPENSION_BOOTSTRAP_PEOPLE";

/// Make the accounts of a bootstrap text; returns how many were new.
pub async fn bootstrap(store: &Store, text: &str) -> Result<usize, PeopleError> {
    let mut made = 0;
    for (i, entry) in text.split([';', '\n']).map(str::trim).filter(|e| !e.is_empty()).enumerate() {
        let mut parts = entry.splitn(4, ':');
        let (Some(role), Some(scope), Some(login), Some(password)) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(PeopleError::Bootstrap(i + 1));
        };
        let number = || scope.trim().parse::<i64>().map_err(|_| PeopleError::Bootstrap(i + 1));
        let scope = match role.trim() {
            "worker" => Scope::Worker(WorkerId(number()?)),
            "platform" => Scope::Platform(PlatformId(number()?)),
            "officer" => Scope::Region(scope.trim().to_string()),
            _ => return Err(PeopleError::Bootstrap(i + 1)),
        };
        match add_person(store, login, password, &scope).await {
            Ok(_) => made += 1,
            Err(PeopleError::Store(StoreError::Exists { .. })) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_salts_differ() {
        let a = hash_password("correct horse").expect("hash");
        let b = hash_password("correct horse").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong horse", &a));
        assert!(!verify_password("x", "not a hash"));
        assert!(matches!(hash_password("short"), Err(PeopleError::WeakPassword)));
    }
}
