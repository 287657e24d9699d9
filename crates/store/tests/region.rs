//! A store made for a region records it (and its log's origin) at the first open; opening it
//! for another region is refused; a store made without one stays a Zhejiang store.

mod common;

use common::*;
use flexpension_store::*;

async fn records_its_region(kind: Kind) {
    let Some(ctx) = Ctx::with_options(kind, OpenOptions { region: Some("ah".into()), ..OpenOptions::default() }).await else { return };
    assert_eq!(ctx.store.region().await.unwrap().as_deref(), Some("ah"));
    assert_eq!(ctx.store.log_keys().origin, "flexpension.ah/log");
    // Opening it again for the same region is fine, for another is refused, naming both.
    let url = match (&ctx.sqlite_path, &ctx.pg) {
        (Some(p), _) => format!("sqlite:{}", p.display()),
        (_, Some((url, _))) => url.clone(),
        _ => unreachable!("a store is SQLite or PostgreSQL"),
    };
    let opts = |region: Option<&str>| OpenOptions {
        max_connections: 2,
        pg_schema: ctx.pg.as_ref().map(|(_, s)| s.clone()),
        region: region.map(str::to_string),
        ..OpenOptions::default()
    };
    let again = Store::open_with(&url, &opts(Some("ah"))).await.unwrap();
    assert_eq!(again.region().await.unwrap().as_deref(), Some("ah"));
    again.close().await;
    let e = Store::open_with(&url, &opts(Some("zj"))).await.unwrap_err().to_string();
    assert!(e.contains("region 'ah', not 'zj'"), "{e}");
    // Without --region it is opened as it is.
    let plain = Store::open_with(&url, &opts(None)).await.unwrap();
    assert_eq!((plain.region().await.unwrap().as_deref(), plain.log_keys().origin.as_str()), (Some("ah"), "flexpension.ah/log"));
    plain.close().await;
    ctx.cleanup().await;
}

async fn an_old_store_is_a_zhejiang_one(kind: Kind) {
    let Some(ctx) = Ctx::new(kind).await else { return };
    assert_eq!(ctx.store.region().await.unwrap(), None);
    assert_eq!(ctx.store.log_keys().origin, log::DEFAULT_ORIGIN);
    let url = match (&ctx.sqlite_path, &ctx.pg) {
        (Some(p), _) => format!("sqlite:{}", p.display()),
        (_, Some((url, _))) => url.clone(),
        _ => unreachable!("a store is SQLite or PostgreSQL"),
    };
    let opts = |region: &str| OpenOptions {
        max_connections: 2,
        pg_schema: ctx.pg.as_ref().map(|(_, s)| s.clone()),
        region: Some(region.to_string()),
        ..OpenOptions::default()
    };
    // Its log already speaks for Zhejiang: it cannot become another region's store.
    let e = Store::open_with(&url, &opts("ah")).await.unwrap_err().to_string();
    assert!(e.contains("region 'zj', not 'ah'"), "{e}");
    // Claiming Zhejiang records it.
    let s = Store::open_with(&url, &opts("zj")).await.unwrap();
    assert_eq!(s.region().await.unwrap().as_deref(), Some("zj"));
    s.close().await;
    ctx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_records_its_region() {
    records_its_region(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_records_its_region() {
    records_its_region(Kind::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_old_store_is_zhejiang() {
    an_old_store_is_a_zhejiang_one(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_old_store_is_zhejiang() {
    an_old_store_is_a_zhejiang_one(Kind::Postgres).await;
}
