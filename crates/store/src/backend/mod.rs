//! The two backends. Most SQL is shared (numbered `$N` parameters work on both); what differs
//! (opening, bulk writes, partitions) lives in `sqlite` and `postgres`.

pub(crate) mod postgres;
pub(crate) mod sqlite;
pub(crate) mod sqlite_raw;

use crate::ids::{BatchId, PlatformId};
use crate::{Result, StoreError};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::collections::HashSet;
use std::sync::Mutex;

pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Run the same code against whichever pool the store has: the body is compiled once per
/// backend with concrete types, so shared SQL stays one text.
macro_rules! with_pool {
    ($backend:expr, $p:ident => $body:expr) => {
        match $backend {
            $crate::backend::Backend::Sqlite($p) => $body,
            $crate::backend::Backend::Postgres($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// Run a body inside a write transaction on either backend; commits when the body is Ok.
/// SQLite takes the write lock up front (BEGIN IMMEDIATE) so a transaction never fails half
/// way on a lock upgrade.
macro_rules! in_tx {
    ($backend:expr, $tx:ident => $body:expr) => {
        match $backend {
            $crate::backend::Backend::Sqlite(p) => {
                let mut $tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let r = $body;
                if r.is_ok() {
                    $tx.commit().await?;
                }
                r
            }
            $crate::backend::Backend::Postgres(p) => {
                let mut $tx = p.begin().await?;
                let r = $body;
                if r.is_ok() {
                    $tx.commit().await?;
                }
                r
            }
        }
    };
}
pub(crate) use in_tx;

/// One good row, resolved, ready to write.
#[derive(Debug, Clone)]
pub(crate) struct BatchRow {
    pub line: u64,
    pub order_id: Box<str>,
    /// YYYYMM in UTC+8.
    pub month: i32,
    pub worker_id: i64,
    pub amount_fen: i64,
    pub settled_at_us: i64,
    pub order_type: i16,
    pub grid_id: i64,
    pub premium_fen: i64,
}

/// What is stored for an order id: what a new row is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stored {
    pub worker_id: i64,
    pub amount_fen: i64,
    pub settled_at_us: i64,
    pub order_type: i16,
    pub grid_id: i64,
}

impl BatchRow {
    pub(crate) fn stored(&self) -> Stored {
        Stored {
            worker_id: self.worker_id,
            amount_fen: self.amount_fen,
            settled_at_us: self.settled_at_us,
            order_type: self.order_type,
            grid_id: self.grid_id,
        }
    }
}

/// Totals written to the batch's row when it commits.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BatchCounts {
    pub accepted: i64,
    pub duplicate: i64,
    pub conflicting: i64,
    pub rejected: i64,
    pub income_fen: i64,
    pub premium_fen: i64,
}

/// An open batch transaction.
pub(crate) enum BatchTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>, Vec<i32>),
}

impl Backend {
    /// PostgreSQL: make the earnings partitions of `month` (YYYYMM) and the next ahead of time.
    pub(crate) async fn prepare_partitions(&self, known: &Mutex<HashSet<i32>>, month: i32) -> Result<()> {
        match self {
            Backend::Sqlite(_) => Ok(()),
            Backend::Postgres(p) => postgres::prepare_partitions(p, known, month).await,
        }
    }

    /// Open a batch: its row, and the request nonce if one is given (refused when reused).
    pub(crate) async fn begin_batch(&self, platform: PlatformId, at_us: i64, nonce: Option<&str>) -> Result<(BatchTx, BatchId)> {
        macro_rules! body {
            ($tx:ident) => {{
                if let Some(n) = nonce {
                    let r = sqlx::query("INSERT INTO nonces (platform_id, nonce, seen_at_us) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                        .bind(platform.0)
                        .bind(n)
                        .bind(at_us)
                        .execute(&mut *$tx)
                        .await?;
                    if r.rows_affected() == 0 {
                        return Err(StoreError::NonceReused);
                    }
                }
                let id: i64 = sqlx::query_scalar("INSERT INTO batches (platform_id, received_at_us) VALUES ($1, $2) RETURNING id")
                    .bind(platform.0)
                    .bind(at_us)
                    .fetch_one(&mut *$tx)
                    .await?;
                BatchId(id)
            }};
        }
        match self {
            Backend::Sqlite(p) => {
                let mut tx = p.begin_with("BEGIN IMMEDIATE").await?;
                let id = body!(tx);
                Ok((BatchTx::Sqlite(tx), id))
            }
            Backend::Postgres(p) => {
                let mut tx = p.begin().await?;
                // The merge sorts a batch's keys: keep that in memory.
                sqlx::query("SET LOCAL work_mem = '64MB'").execute(&mut *tx).await?;
                let id = body!(tx);
                Ok((BatchTx::Postgres(tx, Vec::new()), id))
            }
        }
    }
}

impl BatchTx {
    /// Write good rows; returns, for each row that was not inserted because its order id is
    /// already stored, the row's index and what is stored. The backend may reorder `rows` (the
    /// indices refer to the order it leaves).
    pub(crate) async fn write(
        &mut self,
        partitions: &Mutex<HashSet<i32>>,
        platform: PlatformId,
        batch: BatchId,
        rows: &mut [BatchRow],
    ) -> Result<Vec<(usize, Stored)>> {
        match self {
            BatchTx::Sqlite(tx) => sqlite::write_rows(tx, platform, batch, rows).await,
            BatchTx::Postgres(tx, made) => postgres::write_rows(tx, partitions, made, platform, batch, rows).await,
        }
    }

    /// Worker ids of keyed resident-ID hashes (those registered), read in the batch's
    /// transaction so a one-connection store (SQLite in memory) never waits for itself.
    pub(crate) async fn worker_ids(&mut self, hashes: &[&[u8]]) -> Result<Vec<(Vec<u8>, i64)>> {
        let sql = format!("SELECT id_hash, id FROM workers WHERE id_hash IN ({})", crate::registry::placeholders(1, hashes.len()));
        macro_rules! body {
            ($tx:expr) => {{
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for h in hashes {
                    q = q.bind(h.to_vec());
                }
                q.fetch_all(&mut **$tx).await?
            }};
        }
        Ok(match self {
            BatchTx::Sqlite(tx) => body!(tx),
            BatchTx::Postgres(tx, _) => body!(tx),
        })
    }

    /// Grid ids of grid codes (those registered).
    pub(crate) async fn grid_ids(&mut self, codes: &[&str]) -> Result<Vec<(String, i64)>> {
        let sql = format!("SELECT code, id FROM grids WHERE code IN ({})", crate::registry::placeholders(1, codes.len()));
        macro_rules! body {
            ($tx:expr) => {{
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                for c in codes {
                    q = q.bind(*c);
                }
                q.fetch_all(&mut **$tx).await?
            }};
        }
        Ok(match self {
            BatchTx::Sqlite(tx) => body!(tx),
            BatchTx::Postgres(tx, _) => body!(tx),
        })
    }

    /// Commit the batch: its counts and, when it wrote rows, its log entry (the root of a tree
    /// over the rows' leaf hashes).
    pub(crate) async fn commit(
        self,
        platform: PlatformId,
        batch: BatchId,
        c: &BatchCounts,
        logged: &[flexpension_tlog::Hash],
    ) -> Result<Vec<i32>> {
        let record = (!logged.is_empty()).then(|| {
            crate::log::entry::Record::new(
                "earnings_batch",
                crate::registry::now_us(),
                serde_json::json!({"batch": batch.0, "income_fen": c.income_fen, "platform": platform.0, "premium_fen": c.premium_fen}),
            )
            .with_rows(logged)
        });
        macro_rules! body {
            ($tx:ident) => {
                if let Some(rec) = &record {
                    let idx = crate::log::log_append!($tx, rec, Some(crate::log::entry::pack(logged)))?;
                    sqlx::query("UPDATE batches SET log_idx = $2 WHERE id = $1").bind(batch.0).bind(idx).execute(&mut *$tx).await?;
                }
                sqlx::query(
                    "UPDATE batches SET accepted = $2, duplicate = $3, conflicting = $4, rejected = $5, income_fen = $6, premium_fen = $7 WHERE id = $1",
                )
                .bind(batch.0)
                .bind(c.accepted)
                .bind(c.duplicate)
                .bind(c.conflicting)
                .bind(c.rejected)
                .bind(c.income_fen)
                .bind(c.premium_fen)
                .execute(&mut *$tx)
                .await?
            };
        }
        match self {
            BatchTx::Sqlite(mut tx) => {
                body!(tx);
                tx.commit().await?;
                Ok(Vec::new())
            }
            BatchTx::Postgres(mut tx, made) => {
                body!(tx);
                tx.commit().await?;
                Ok(made)
            }
        }
    }
}
