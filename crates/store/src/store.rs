//! Opening a store: the backend by URL, migrations, the pepper, the clock, and in-process caches.

use crate::backend::{BackendKind, Db, Sql};
use crate::clock::{Clock, SystemClock};
use crate::ids::FastMap;
use crate::ids::{Hash32, Pepper, random32};
use crate::{Result, StoreError};
use std::sync::{Arc, Mutex};

/// How to open a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Pool size (SQLite: readers; writes take turns on the file's one write lock).
    pub max_connections: u32,
    /// PostgreSQL only: keep every table in this schema (made if missing) by setting the
    /// connections' search_path. Tests give each run its own.
    pub pg_schema: Option<String>,
    /// Where every time the store writes comes from (default: the system clock).
    pub clock: Arc<dyn Clock>,
    /// Make (or check) the store for this insurance region: recorded in `store_meta` at the
    /// first open, with the log's origin `flexpension.CODE/log`. A store opened without it
    /// keeps what it has (a store that never recorded one is a Zhejiang store, as before).
    pub region: Option<String>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { max_connections: 8, pg_schema: None, clock: Arc::new(SystemClock), region: None }
    }
}

/// The store: one domain-level API over SQLite or PostgreSQL. Cheap to clone (shared pool).
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) db: Db,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) pepper: Pepper,
    /// Keyed ID hash -> worker id. A worker's hash never changes and workers are never deleted,
    /// so entries read from committed rows stay true.
    pub(crate) workers: Mutex<FastMap<Hash32, i64>>,
    /// Grid code -> grid id, same reasoning.
    pub(crate) grids: Mutex<FastMap<String, i64>>,
    /// The region's log key and origin.
    pub(crate) log_keys: crate::log::LogKeys,
    /// One integration at a time in this process (the database lock covers other processes).
    pub(crate) integrating: tokio::sync::Mutex<()>,
    /// Journal writes are logged (always, except in the benchmark that measures the cost).
    pub(crate) log_journal: std::sync::atomic::AtomicBool,
}

/// Bound on the worker cache; past it the cache starts again (misses just cost a query).
pub(crate) const WORKER_CACHE_MAX: usize = 2_000_000;

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.kind()).finish_non_exhaustive()
    }
}

impl Store {
    /// Open (and migrate) the store at `url`: `sqlite:PATH` (the file is made if missing;
    /// `sqlite::memory:` keeps one connection so all calls see one database) or
    /// `postgres://user@host/db`.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, &OpenOptions::default()).await
    }

    pub async fn open_with(url: &str, opts: &OpenOptions) -> Result<Store> {
        let db = Db::open(url, opts).await?;
        let pepper = load_pepper(&db).await?;
        if let Some(region) = &opts.region {
            claim_region(&db, region).await?;
        }
        let log_keys = crate::log::keys_load(&db).await?;
        let inner = Inner {
            db,
            clock: opts.clock.clone(),
            pepper,
            workers: Mutex::new(FastMap::default()),
            grids: Mutex::new(FastMap::default()),
            log_keys,
            integrating: tokio::sync::Mutex::new(()),
            log_journal: std::sync::atomic::AtomicBool::new(true),
        };
        Ok(Store { inner: Arc::new(inner) })
    }

    /// The insurance region the store was made for (`init --region`); `None` for a store made
    /// without one, which is a Zhejiang store as before.
    pub async fn region(&self) -> Result<Option<String>> {
        Ok(meta_get(self.db(), "region").await?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn kind(&self) -> BackendKind {
        self.inner.db.kind()
    }

    /// Close the pool (waits for connections in use to come back).
    pub async fn close(&self) {
        self.inner.db.close().await
    }

    /// Now, by the store's clock (microseconds since the Unix epoch).
    pub(crate) fn now_us(&self) -> i64 {
        self.inner.clock.now_us()
    }

    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Benchmarks only: stop logging journal writes, to measure what the log costs the month
    /// close. A store used for real never calls this.
    #[doc(hidden)]
    pub fn benchmark_without_journal_log(&self) {
        self.inner.log_journal.store(false, std::sync::atomic::Ordering::Relaxed);
    }

    /// The region's log key and the log's origin.
    pub fn log_keys(&self) -> &crate::log::LogKeys {
        &self.inner.log_keys
    }

    pub(crate) fn pepper(&self) -> &Pepper {
        &self.inner.pepper
    }
}

/// A `store_meta` value, set to `fresh` if it has none yet; a race between two first opens
/// keeps one.
pub(crate) async fn meta_value(db: &Db, key: &str, fresh: Vec<u8>) -> Result<Vec<u8>> {
    Sql::new("INSERT INTO store_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING").bind(key).bind(fresh).execute(db).await?;
    Sql::new("SELECT value FROM store_meta WHERE key = $1").bind(key).scalar(db).await
}

/// A `store_meta` value, if there is one.
async fn meta_get(db: &Db, key: &str) -> Result<Option<Vec<u8>>> {
    Sql::new("SELECT value FROM store_meta WHERE key = $1").bind(key).scalar_optional(db).await
}

/// The log origin of a store made for `region`.
pub fn region_origin(region: &str) -> String {
    format!("flexpension.{region}/log")
}

/// Record that the store is for `region` (with its log origin), or check that it already is.
/// A store made before without a region is a Zhejiang one: its log origin says so.
async fn claim_region(db: &Db, region: &str) -> Result<()> {
    let region = crate::registry::check_code("region", region)?;
    let origin = region_origin(&region);
    let wrong = |had: String| {
        StoreError::invalid("region", format!("this store is for region '{had}', not '{region}': give another --db or leave --region out"))
    };
    if let Some(had) = meta_get(db, "region").await?.map(|v| String::from_utf8_lossy(&v).into_owned())
        && had != region
    {
        return Err(wrong(had));
    }
    if let Some(had) = meta_get(db, "log_origin").await?.map(|v| String::from_utf8_lossy(&v).into_owned())
        && had != origin
    {
        let had = had.strip_prefix("flexpension.").and_then(|r| r.strip_suffix("/log")).unwrap_or(&had).to_string();
        return Err(wrong(had));
    }
    meta_value(db, "log_origin", origin.into_bytes()).await?;
    let kept = meta_value(db, "region", region.clone().into_bytes()).await?;
    if kept != region.as_bytes() {
        return Err(wrong(String::from_utf8_lossy(&kept).into_owned()));
    }
    Ok(())
}

/// The pepper: made once with the OS CSPRNG.
async fn load_pepper(db: &Db) -> Result<Pepper> {
    let fresh = random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?.to_vec();
    let value = meta_value(db, "pepper", fresh).await?;
    if value.len() != 32 {
        return Err(StoreError::Corrupt("the pepper in store_meta is not 32 bytes".into()));
    }
    Pepper::new(&value)
}
