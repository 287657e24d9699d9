//! Test harness: a fresh store per test on SQLite (a temp file) or PostgreSQL (a schema of its
//! own in the `test` database, dropped at the end), and fixtures.
//!
//! PostgreSQL tests FAIL when the server is unreachable, unless FLEXPENSION_SKIP_PG=1.
//! The server is `FLEXPENSION_TEST_PG` (default postgres://postgres@127.0.0.1:5432/test).
#![allow(dead_code)]

pub mod ledger;

use chrono::{DateTime, Utc};
use flexpension_rules::{Params, Scenario};
use flexpension_store::log::VerifyOptions;
use flexpension_store::{FixedClock, NewGrid, NewPlatform, NewWorker, OpenOptions, Platform, RevenueBand, Store, Worker};
use flexpension_testkit::{phone, worker_name};
use sqlx::Connection;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

pub static PARAMS: LazyLock<Params> = LazyLock::new(|| Params::embedded().expect("embedded params"));

pub fn zj() -> Scenario<'static> {
    PARAMS.scenario("zj", None, None).expect("zj scenario")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// What a test case gets: the store and how to reach its database directly.
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub kind: Kind,
    pub sqlite_path: Option<PathBuf>,
    pub pg: Option<(String, String)>,
}

static N: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos)
}

pub fn pg_url() -> String {
    std::env::var("FLEXPENSION_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn skip_pg() -> bool {
    std::env::var("FLEXPENSION_SKIP_PG").is_ok_and(|v| v == "1")
}

impl Ctx {
    pub async fn new(kind: Kind) -> Option<Ctx> {
        Ctx::with_options(kind, OpenOptions::default()).await
    }

    /// A fresh store opened with `opts` (its PostgreSQL schema is the test's own).
    pub async fn with_options(kind: Kind, opts: OpenOptions) -> Option<Ctx> {
        match kind {
            Kind::Sqlite => {
                let dir = std::env::temp_dir().join(format!("flexpension-store-test-{}", unique()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let path = dir.join("store.db");
                let store = Store::open_with(&format!("sqlite:{}", path.display()), &opts).await.expect("open sqlite store");
                Some(Ctx { store, kind, sqlite_path: Some(path), pg: None })
            }
            Kind::Postgres => {
                if skip_pg() {
                    eprintln!("FLEXPENSION_SKIP_PG=1: PostgreSQL test skipped");
                    return None;
                }
                let url = pg_url();
                let schema = format!("fpt_{}", unique());
                let opts = OpenOptions { max_connections: 4, pg_schema: Some(schema.clone()), ..opts };
                let store = Store::open_with(&url, &opts).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {url} is not usable ({e}); start it, or set FLEXPENSION_SKIP_PG=1 to skip these tests")
                });
                Some(Ctx { store, kind, sqlite_path: None, pg: Some((url, schema)) })
            }
        }
    }

    /// Drop what the test made.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(p) = &self.sqlite_path
            && let Some(dir) = p.parent()
        {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((url, schema)) = &self.pg
            && let Ok(mut c) = sqlx::PgConnection::connect(url).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).execute(&mut c).await;
            let _ = c.close().await;
        }
    }

    /// Run raw SQL on the test's database (fault injection, inspection).
    pub async fn sql(&self, sql: &str) {
        match self.kind {
            Kind::Sqlite => {
                let url = format!("sqlite:{}", self.sqlite_path.as_ref().expect("path").display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.expect("sqlite connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut c).await.expect("raw sql");
                c.close().await.expect("close");
            }
            Kind::Postgres => {
                let (url, schema) = self.pg.as_ref().expect("pg");
                let mut c = sqlx::PgConnection::connect(url).await.expect("pg connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}; {sql}"))).execute(&mut c).await.expect("raw sql");
                c.close().await.expect("close");
            }
        }
    }

    /// One number from a query (counts, sums: cast to BIGINT on PostgreSQL).
    pub async fn scalar(&self, sql: &str) -> i64 {
        match self.kind {
            Kind::Sqlite => {
                let url = format!("sqlite:{}", self.sqlite_path.as_ref().expect("path").display());
                let mut c = sqlx::SqliteConnection::connect(&url).await.expect("sqlite connect");
                let v: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut c).await.expect("scalar");
                c.close().await.expect("close");
                v
            }
            Kind::Postgres => {
                let (url, schema) = self.pg.as_ref().expect("pg");
                let mut c = sqlx::PgConnection::connect(url).await.expect("pg connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}"))).execute(&mut c).await.expect("search_path");
                let v: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(&mut c).await.expect("scalar");
                c.close().await.expect("close");
                v
            }
        }
    }

    /// Every stored value of every table as text (PostgreSQL), for scanning.
    pub async fn pg_dump_text(&self) -> String {
        let (url, schema) = self.pg.as_ref().expect("pg");
        let mut c = sqlx::PgConnection::connect(url).await.expect("pg connect");
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
        )
        .bind(schema)
        .fetch_all(&mut c)
        .await
        .expect("tables");
        let mut out = String::new();
        for t in tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT t::text FROM {schema}.{t} t")))
                .fetch_all(&mut c)
                .await
                .expect("dump");
            for r in rows {
                out.push_str(&r);
                out.push('\n');
            }
        }
        c.close().await.expect("close");
        out
    }
}

/// Run a test case on a fresh store; the store is cleaned up even when the case panics.
pub async fn run<F, Fut>(kind: Kind, case: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with(kind, OpenOptions::default(), case).await;
}

/// [`run`] on a store opened with `opts`.
pub async fn run_with<F, Fut>(kind: Kind, opts: OpenOptions, case: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(ctx) = Ctx::with_options(kind, opts).await else { return };
    let r = tokio::spawn(case(ctx.clone())).await;
    ctx.cleanup().await;
    if let Err(e) = r {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// [`run`] on a store whose clock is fixed at `t0_us` (microseconds since the epoch); the case
/// gets the clock to move it.
pub async fn run_clocked<F, Fut>(kind: Kind, t0_us: i64, case: F)
where
    F: FnOnce(Ctx, Arc<FixedClock>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let clock = Arc::new(FixedClock::new(t0_us));
    let opts = OpenOptions { clock: clock.clone(), ..OpenOptions::default() };
    run_with(kind, opts, |ctx| case(ctx, clock)).await;
}

/// A store with its clock fixed at `t0_us`, for the cases that clean up themselves.
pub async fn clocked(kind: Kind, t0_us: i64) -> Option<(Ctx, Arc<FixedClock>)> {
    let clock = Arc::new(FixedClock::new(t0_us));
    let ctx = Ctx::with_options(kind, OpenOptions { clock: clock.clone(), ..OpenOptions::default() }).await?;
    Some((ctx, clock))
}

/// The runtime a property test's case runs on (two worker threads, as the async tests).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// Options to verify the store's log with its own key, no witnesses; with `id_number`, also
/// what the log holds of that worker.
pub fn verify_opts(ctx: &Ctx, id_number: Option<&str>) -> VerifyOptions {
    VerifyOptions {
        log_key: ctx.store.log_keys().verifier_key(),
        witness_keys: vec![],
        quorum: None,
        id_number: id_number.map(str::to_string),
    }
}

// ---- fixtures ----

/// The n-th test worker's resident ID (born in 1990).
pub fn worker_id_number(n: u32) -> String {
    flexpension_testkit::worker_id(n, 1990..1991)
}

pub const USCC_A: &str = "91350100M000100Y43";
pub const USCC_B: &str = "91440300708461136T";
pub const USCC_C: &str = "91110108551385082Q";

pub struct Fixture {
    pub a: Platform,
    pub b: Platform,
    pub workers: Vec<(String, Worker)>,
}

/// Region zj with grids g1 and g2, platforms A (standard premium level) and B (high level),
/// and `n` workers.
pub async fn fixture(store: &Store, n: u32) -> Fixture {
    store.add_region("zj", "浙江省").await.expect("region");
    for (code, name) in [("g1", "西湖区北山街道1号网格"), ("g2", "拱墅区米市巷街道2号网格")] {
        store.add_grid(&NewGrid { code: code.into(), name: name.into(), region: "zj".into() }).await.expect("grid");
    }
    let (a, _) = store
        .add_platform(&NewPlatform {
            name: "骑手平台A".into(),
            uscc: USCC_A.into(),
            revenue_band: RevenueBand::From100m,
            injury_high_level: false,
        })
        .await
        .expect("platform a");
    let (b, _) = store
        .add_platform(&NewPlatform {
            name: "配送平台B".into(),
            uscc: USCC_B.into(),
            revenue_band: RevenueBand::Below100m,
            injury_high_level: true,
        })
        .await
        .expect("platform b");
    let mut workers = Vec::new();
    for i in 0..n {
        let id = worker_id_number(i);
        let w = store
            .add_worker(&NewWorker {
                id_number: id.clone(),
                name: worker_name(i),
                phone: phone(i),
                hukou_region: "zj".into(),
                home_grid: if i % 2 == 0 { "g1".into() } else { "g2".into() },
            })
            .await
            .expect("worker");
        workers.push((id, w));
    }
    Fixture { a, b, workers }
}

pub fn now() -> DateTime<Utc> {
    "2025-12-31T12:00:00Z".parse().expect("now")
}

pub fn csv(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut s = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s.into_bytes()
}
