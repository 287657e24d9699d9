//! SQLite: one file in WAL mode; bulk writes as multi-row prepared inserts in one transaction.

use super::{BatchRow, Stored};
use crate::ids::{BatchId, PlatformId};
use crate::store::OpenOptions;
use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Row, Sqlite, SqlitePool, Transaction};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::time::Duration;

/// Rows per INSERT statement: 10 parameters a row stays far below SQLite's 32766 limit, and
/// one statement per 256 rows makes the per-statement cost vanish.
const ROWS_PER_INSERT: usize = 256;
/// Order ids per lookup statement when classifying rows that were not inserted.
const IDS_PER_LOOKUP: usize = 500;

pub(crate) async fn open(url: &str, opts: &OpenOptions) -> Result<SqlitePool> {
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    let connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Url(e.to_string()))?
        .create_if_missing(true)
        .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
        // FULL: a committed batch survives a power cut; with large batches the one fsync per
        // commit costs next to nothing.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory");
    // An in-memory database lives and dies with its connection: keep exactly one for ever.
    let pool = if memory {
        SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(opts.max_connections.max(1))
    };
    let pool = pool.connect_with(connect).await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

fn insert_sql(n: usize) -> String {
    let mut s = String::with_capacity(200 + n * 48);
    s.push_str(
        "INSERT INTO earnings (month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id) VALUES ",
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        // platform and batch are the same for every row: bound once as $1 and $2.
        let b = 3 + i * 8;
        s.push_str(&format!("(${},${},$1,${},${},${},${},${},${},$2)", b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7));
    }
    s.push_str(" ON CONFLICT DO NOTHING");
    s
}

fn lookup_sql(n: usize) -> String {
    let mut s = String::from(
        "SELECT order_id, worker_id, amount_fen, settled_at_us, order_type, grid_id FROM earnings \
         WHERE platform_id = $1 AND batch_id <> $2 AND order_id IN (",
    );
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("${}", i + 3));
    }
    s.push(')');
    s
}

pub(crate) async fn write_rows(
    tx: &mut Transaction<'static, Sqlite>,
    platform: PlatformId,
    batch: BatchId,
    rows: &[BatchRow],
) -> Result<Vec<(usize, Stored)>> {
    let full_sql = insert_sql(ROWS_PER_INSERT);
    let mut inserted = 0u64;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = if chunk.len() == ROWS_PER_INSERT { full_sql.clone() } else { insert_sql(chunk.len()) };
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(platform.0).bind(batch.0);
        for r in chunk {
            q = q
                .bind(r.month)
                .bind(r.worker_id)
                .bind(&*r.order_id)
                .bind(r.amount_fen)
                .bind(r.settled_at_us)
                .bind(r.order_type)
                .bind(r.grid_id)
                .bind(r.premium_fen);
        }
        inserted += q.execute(&mut **tx).await?.rows_affected();
    }

    // Only when some row was not inserted: find which, and what is stored for it. A row this
    // batch wrote carries this batch's id, so `batch_id <> $2` leaves only older rows.
    let mut existing = Vec::new();
    if inserted < rows.len() as u64 {
        for (c, chunk) in rows.chunks(IDS_PER_LOOKUP).enumerate() {
            let index: HashMap<&str, usize> = chunk.iter().enumerate().map(|(i, r)| (&*r.order_id, c * IDS_PER_LOOKUP + i)).collect();
            let mut q = sqlx::query(AssertSqlSafe(lookup_sql(chunk.len()))).bind(platform.0).bind(batch.0);
            for r in chunk {
                q = q.bind(&*r.order_id);
            }
            for row in q.fetch_all(&mut **tx).await? {
                let order_id: &str = row.try_get(0)?;
                if let Some(&i) = index.get(order_id) {
                    let stored = Stored {
                        worker_id: row.try_get(1)?,
                        amount_fen: row.try_get(2)?,
                        settled_at_us: row.try_get(3)?,
                        order_type: row.try_get(4)?,
                        grid_id: row.try_get(5)?,
                    };
                    existing.push((i, stored));
                }
            }
        }
        existing.sort_by_key(|(i, _)| *i);
    }

    let mut skip = vec![false; rows.len()];
    for (i, _) in &existing {
        skip[*i] = true;
    }
    let mut income: BTreeMap<(i32, i64), (i64, i64)> = BTreeMap::new();
    let mut premiums: BTreeMap<(i32, i16), (i64, i64)> = BTreeMap::new();
    for (r, _) in rows.iter().zip(&skip).filter(|(_, s)| !**s) {
        let e = income.entry((r.month, r.worker_id)).or_default();
        e.0 += r.amount_fen;
        e.1 += 1;
        let p = premiums.entry((r.month, r.order_type)).or_default();
        p.0 += r.premium_fen;
        p.1 += 1;
    }
    upsert_income(tx, platform, &income).await?;
    upsert_premiums(tx, platform, &premiums).await?;
    Ok(existing)
}

async fn upsert_income(
    tx: &mut Transaction<'static, Sqlite>,
    platform: PlatformId,
    income: &BTreeMap<(i32, i64), (i64, i64)>,
) -> Result<()> {
    let all: Vec<_> = income.iter().collect();
    for chunk in all.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from("INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = 2 + i * 4;
            sql.push_str(&format!("(${},${},$1,${},${})", b, b + 1, b + 2, b + 3));
        }
        sql.push_str(
            " ON CONFLICT (month, worker_id, platform_id) DO UPDATE SET \
             income_fen = month_income.income_fen + excluded.income_fen, orders = month_income.orders + excluded.orders",
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(platform.0);
        for ((month, worker), (fen, n)) in chunk {
            q = q.bind(*month).bind(*worker).bind(*fen).bind(*n);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn upsert_premiums(tx: &mut Transaction<'static, Sqlite>, platform: PlatformId, p: &BTreeMap<(i32, i16), (i64, i64)>) -> Result<()> {
    for ((month, t), (fen, n)) in p {
        sqlx::query(
            "INSERT INTO injury_premiums (platform_id, month, order_type, orders, premium_fen) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (platform_id, month, order_type) DO UPDATE SET \
             orders = injury_premiums.orders + excluded.orders, premium_fen = injury_premiums.premium_fen + excluded.premium_fen",
        )
        .bind(platform.0)
        .bind(*month)
        .bind(*t)
        .bind(*n)
        .bind(*fen)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
