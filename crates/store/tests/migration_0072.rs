//! Migration 0072 on a PostgreSQL store made before it: earnings partitioned by month, with
//! their keys in `order_keys`, become one table keyed by (platform, order id). Every row is kept
//! with its fields, the key still refuses a second row for an order, `order_keys` and the month
//! partitions are gone, and the store ingests and finds orders on the migrated table.
//! (SQLite's earnings were one table from the start: its 0072 changes nothing.)

mod common;

use sqlx::migrate::Migrator;
use sqlx::{Connection, Executor, PgConnection};
use std::borrow::Cow;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_0072_keeps_every_order_in_one_keyed_table() {
    if common::skip_pg() {
        eprintln!("FLEXPENSION_SKIP_PG=1: PostgreSQL test skipped");
        return;
    }
    let schema = format!("m0072_{}", std::process::id());
    let url = common::pg_url();
    let mut admin = PgConnection::connect(&url).await.expect("PostgreSQL is reachable (FLEXPENSION_SKIP_PG=1 skips)");
    admin.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))).await.expect("schema");

    // A store as it was at 0071: two orders of one platform in two month partitions.
    let all: Migrator = sqlx::migrate!("./migrations/postgres");
    let before =
        Migrator { migrations: Cow::Owned(all.migrations.iter().filter(|m| m.version < 72).cloned().collect()), ..Migrator::DEFAULT };
    let mut c = PgConnection::connect(&url).await.expect("connect");
    c.execute(sqlx::AssertSqlSafe(format!("SET search_path TO {schema}"))).await.expect("search path");
    before.run(&mut c).await.expect("migrations up to 0071");
    c.execute(
        "CREATE TABLE earnings_202503 PARTITION OF earnings FOR VALUES FROM (202503) TO (202504);
         CREATE TABLE earnings_202504 PARTITION OF earnings FOR VALUES FROM (202504) TO (202505);
         INSERT INTO earnings VALUES (202503, 42, 7, 'o1', 1234, 111, 1, 9, 5, 3), (202504, 43, 7, 'o2', 99, 222, 2, 9, 6, 3);
         INSERT INTO order_keys VALUES (7, 'o1', 202503, 42, 3), (7, 'o2', 202504, 43, 3);",
    )
    .await
    .expect("old rows");

    all.run(&mut c).await.expect("migration 0072");
    type R = (i32, i64, i64, String, i64, i64, i16, i64, i64, i64);
    let rows: Vec<R> = sqlx::query_as("SELECT * FROM earnings ORDER BY order_id").fetch_all(&mut c).await.expect("rows");
    assert_eq!(rows, vec![(202503, 42, 7, "o1".into(), 1234, 111, 1, 9, 5, 3), (202504, 43, 7, "o2".into(), 99, 222, 2, 9, 6, 3)]);
    let again = c.execute("INSERT INTO earnings VALUES (202505, 44, 7, 'o1', 1, 1, 1, 9, 0, 4)").await;
    assert!(again.is_err(), "the key (platform, order id) refuses a second row for an order");
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND (relname LIKE 'earnings_2%' OR relname = 'order_keys') ORDER BY relname",
    )
    .fetch_all(&mut c)
    .await
    .expect("tables");
    assert!(left.is_empty(), "{left:?}");
    // Two rows are cheaper to scan: with scans priced out, only an index on the key avoids one.
    c.execute("SET enable_seqscan = off").await.expect("set");
    let plan: Vec<String> = sqlx::query_scalar("EXPLAIN SELECT * FROM earnings WHERE platform_id = 7 AND order_id = 'o2'")
        .fetch_all(&mut c)
        .await
        .expect("plan");
    let plan = plan.join("\n");
    assert!(plan.contains("earnings_pkey"), "one order is found by its key, not by a scan:\n{plan}");
    let brin: Option<Vec<String>> = sqlx::query_scalar(
        "SELECT reloptions::text[] FROM pg_class WHERE relname = 'earnings_month' AND relnamespace = current_schema()::regnamespace",
    )
    .fetch_one(&mut c)
    .await
    .expect("the month's index");
    assert_eq!(brin, Some(vec!["autosummarize=on".to_string()]), "new page ranges get summarised");
    c.close().await.expect("close");
    admin.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).await.expect("drop schema");
}
