//! Passwords (argon2id with the parameters below, salt from the OS CSPRNG) and making accounts.
//! The store keeps only the PHC string; the clear password never leaves this module.
//!
//! Checking a password takes [`ARGON2_M_KIB`] KiB of memory. Logins check passwords on a
//! [`PasswordPool`]: a few threads, each reusing one memory block, and a short queue; past the
//! queue a login is answered 503 at once. So memory stays bounded however many logins arrive
//! (each check allocating its own block grew the process to gigabytes, and glibc kept it).

use argon2::{Algorithm, Argon2, Block, PasswordHash, PasswordHasher, Version};
use flexpension_store::people::{Person, Scope};
use flexpension_store::{PlatformId, Store, StoreError, WorkerId};
use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// Shortest password accepted: long enough to resist guessing with the login throttle on.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// argon2id memory cost in KiB (19 MiB), iterations and lanes: OWASP's first recommended
/// setting for argon2id, and the argon2 crate's defaults, written out so that a new crate
/// version cannot change them under the stored hashes.
pub const ARGON2_M_KIB: u32 = 19 * 1024;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;
/// Bytes of hash output kept in the PHC string.
pub const ARGON2_OUTPUT: usize = 32;

/// At most this many password-checking threads, whatever the core count: each holds
/// [`ARGON2_M_KIB`] KiB for as long as the process runs.
pub const HASH_THREADS_MAX: usize = 4;
/// Checks that may wait per thread; one more than that is answered 503 at once. With a check
/// taking ~30-50 ms in a release build, a full queue drains in under half a second.
pub const HASH_QUEUE_PER_THREAD: usize = 8;

const PARAMS: argon2::Params = match argon2::Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(ARGON2_OUTPUT)) {
    Ok(p) => p,
    Err(_) => panic!("the argon2 parameters are out of range"),
};

fn argon2id() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

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

/// The argon2id PHC string of a password (making an account: not on the login path).
pub fn hash_password(password: &str) -> Result<String, PeopleError> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=128).contains(&n) {
        return Err(PeopleError::WeakPassword);
    }
    argon2id().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| PeopleError::Hash(e.to_string()))
}

/// True when `password` matches the PHC string (a malformed string never matches). Allocates
/// its own memory: logins use [`PasswordPool::verify`] instead.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let mut blocks = vec![Block::default(); PARAMS.block_count()];
    verify_with(password.as_bytes(), phc, &mut blocks)
}

/// A PHC string of this server's parameters that no password is expected to match: unknown
/// logins are checked against it, so a wrong login costs what a wrong password costs.
static DUMMY_PHC: LazyLock<String> = LazyLock::new(|| {
    // Salt "flexpension-dumm" and an all-zero hash, in PHC base64.
    format!("$argon2id$v=19$m={ARGON2_M_KIB},t={ARGON2_T},p={ARGON2_P}$ZmxleHBlbnNpb24tZHVtbQ${}", "A".repeat(43))
});

/// Check `password` against `phc` in `blocks` (reused between calls). A hash made with more
/// memory than `blocks` holds is refused rather than allocated for: every hash here is made
/// with [`ARGON2_M_KIB`].
fn verify_with(password: &[u8], phc: &str, blocks: &mut [Block]) -> bool {
    let Ok(h) = PasswordHash::new(phc) else { return false };
    if h.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    let (Ok(params), Some(salt), Some(expected)) = (argon2::Params::try_from(&h), h.salt.as_ref(), h.hash.as_ref()) else {
        return false;
    };
    let Ok(version) = h.version.map_or(Ok(Version::V0x13), Version::try_from) else { return false };
    let Some(memory) = blocks.get_mut(..params.block_count()) else {
        tracing::warn!(m_kib = params.m_cost(), "a password hash needs more memory than this server allows; refused");
        return false;
    };
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else { return false };
    if Argon2::new(Algorithm::Argon2id, version, params).hash_password_into_with_memory(password, salt, out, memory).is_err() {
        return false;
    }
    out.iter().zip(expected.as_bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// The pool is full: answer 503 and let the client come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

struct Job {
    password: Vec<u8>,
    phc: Option<String>,
    reply: oneshot::Sender<bool>,
    /// Held until the check is done: the permit is the job's place in the bound.
    _permit: OwnedSemaphorePermit,
}

/// A few threads that check passwords, each with one memory block reused for every check.
pub struct PasswordPool {
    jobs: mpsc::Sender<Job>,
    permits: Arc<Semaphore>,
    threads: usize,
}

impl PasswordPool {
    /// `threads` checking threads and `queue` checks waiting per thread.
    pub fn new(threads: usize, queue: usize) -> PasswordPool {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("password-{i}")).spawn(move || {
                let mut blocks: Vec<Block> = Vec::new();
                loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(mut job) = job else { return };
                    if blocks.is_empty() {
                        blocks = vec![Block::default(); PARAMS.block_count()];
                    }
                    let phc = job.phc.as_deref().unwrap_or(&DUMMY_PHC);
                    let ok = verify_with(&job.password, phc, &mut blocks) && job.phc.is_some();
                    job.password.fill(0);
                    let _ = job.reply.send(ok);
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "a password thread could not start");
            }
        }
        PasswordPool { jobs: tx, permits: Arc::new(Semaphore::new(threads * (1 + queue))), threads }
    }

    /// The process's pool: one thread per core up to [`HASH_THREADS_MAX`], each with
    /// [`HASH_QUEUE_PER_THREAD`] places in the queue (on 2 cores: 2 threads, 18 checks at once,
    /// 38 MiB of argon2 memory).
    pub fn shared() -> Arc<PasswordPool> {
        static POOL: LazyLock<Arc<PasswordPool>> = LazyLock::new(|| {
            let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
            Arc::new(PasswordPool::new(cores.clamp(1, HASH_THREADS_MAX), HASH_QUEUE_PER_THREAD))
        });
        POOL.clone()
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Checks that may be running or waiting at once.
    pub fn capacity(&self) -> usize {
        self.threads * (1 + HASH_QUEUE_PER_THREAD)
    }

    /// Check `password` against `phc`, or, for a login nobody has (`None`), against a hash no
    /// password matches, at the same cost. `Err(Busy)` when the queue is full.
    pub async fn verify(&self, password: String, phc: Option<String>) -> Result<bool, Busy> {
        let permit = self.permits.clone().try_acquire_owned().map_err(|_| Busy)?;
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { password: password.into_bytes(), phc, reply, _permit: permit }).map_err(|_| Busy)?;
        // A thread that died drops the reply: no match.
        Ok(answer.await.unwrap_or(false))
    }
}

/// Make an account: `scope` is the worker, the platform, or the region of an officer, a grid
/// worker, a labour inspector or a legal-aid officer.
pub async fn add_person(store: &Store, login: &str, password: &str, scope: &Scope) -> Result<Person, PeopleError> {
    let phc = hash_password(password)?;
    Ok(store.add_person_hashed(login, &phc, scope).await?)
}

/// The environment variable `serve` reads at start: accounts to make if missing, separated by
/// `;` or new lines, each `role:scope:login:password` (worker scope: the worker number;
/// platform: the platform number; officer, inspector, legal_aid: the region code; grid_worker:
/// the region code, `=` and the grid codes separated by `,`, as `zj=g1,g2`). Meant for the
/// first officer of a new deployment and for tests; an account that exists already is left as
/// it is.
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
        let grids: Vec<&str> =
            scope.split_once('=').map(|(_, g)| g.split(',').map(str::trim).filter(|g| !g.is_empty()).collect()).unwrap_or_default();
        let scope = match role.trim() {
            "worker" => Scope::Worker(WorkerId(number()?)),
            "platform" => Scope::Platform(PlatformId(number()?)),
            "officer" => Scope::Region(scope.trim().to_string()),
            "inspector" => Scope::Inspection(scope.trim().to_string()),
            "legal_aid" => Scope::LegalAid(scope.trim().to_string()),
            "grid_worker" => Scope::Grids(scope.split('=').next().unwrap_or("").trim().to_string()),
            _ => return Err(PeopleError::Bootstrap(i + 1)),
        };
        if matches!(scope, Scope::Grids(_)) == grids.is_empty() {
            return Err(PeopleError::Bootstrap(i + 1));
        }
        match add_person(store, login, password, &scope).await {
            Ok(person) => {
                if !grids.is_empty() {
                    store.assign_grids(person.id, &grids).await?;
                }
                made += 1
            }
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
        assert!(a.starts_with(&format!("$argon2id$v=19$m={ARGON2_M_KIB},t={ARGON2_T},p={ARGON2_P}$")), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong horse", &a));
        assert!(!verify_password("x", "not a hash"));
        assert!(matches!(hash_password("short"), Err(PeopleError::WeakPassword)));
        // The dummy hash parses with this server's parameters and matches nothing.
        assert!(!verify_password("correct horse", &DUMMY_PHC));
        assert!(PasswordHash::new(&DUMMY_PHC).is_ok());
    }

    #[test]
    fn the_pool_checks_and_refuses_past_its_queue() {
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let phc = hash_password("correct horse").expect("hash");
        let pool = Arc::new(PasswordPool::new(1, 1));
        assert_eq!(pool.capacity(), 1 + HASH_QUEUE_PER_THREAD);
        rt.block_on(async {
            assert_eq!(pool.verify("correct horse".into(), Some(phc.clone())).await, Ok(true));
            assert_eq!(pool.verify("wrong horse".into(), Some(phc.clone())).await, Ok(false));
            assert_eq!(pool.verify("correct horse".into(), None).await, Ok(false), "no account: never a match");
            // Two places (one running, one waiting): a third check at once is refused.
            let small = Arc::new(PasswordPool { permits: Arc::new(Semaphore::new(2)), ..PasswordPool::new(1, 1) });
            let (a, b, c) = tokio::join!(
                small.verify("x".repeat(8), Some(phc.clone())),
                small.verify("x".repeat(8), Some(phc.clone())),
                small.verify("x".repeat(8), Some(phc.clone())),
            );
            let busy = [a, b, c].iter().filter(|r| **r == Err(Busy)).count();
            assert_eq!(busy, 1);
        });
    }
}
