//! The two backends behind one set of types. Everything that differs between SQLite and
//! PostgreSQL is decided here and in the submodules; the rest of the store runs [`Sql`] on a
//! [`Db`] or a [`Tx`] and never asks which backend it has.
//!
//! | module | holds |
//! |---|---|
//! | `sql` | [`Sql`], the query value both backends run, and its arguments |
//! | `sqlite` | opening a SQLite file, the bulk writes of earnings and journal entries, the raw reads (journal ranges, the close's pages, the monitor's ranges, payment lookups) |
//! | `sqlite_raw` | the one unsafe helper: prepared statements stepped on sqlx's connection |
//! | `pg_copy` | binary COPY: rows encoded into the wire format and streamed |
//! | `postgres` | opening PostgreSQL, earnings by COPY (only the free rows when some are stored), journal writes, locks |
//! | `registration` | the worker import's bulk lookups and inserts of workers and enrolments |

pub(crate) mod migrations;
mod pg_copy;
pub(crate) mod postgres;
mod registration;
mod sql;
pub(crate) mod sqlite;
#[allow(unsafe_code)]
mod sqlite_raw;

pub(crate) use registration::{Found, IdTable, NewRow, Probe};
pub(crate) use sql::{Sql, placeholders};

use crate::ids::{BatchId, PlatformId};
use crate::store::OpenOptions;
use crate::{Result, StoreError};
use flexpension_ledger::Entry;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

/// The store's connection pool.
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open write transaction; rolled back when dropped without [`Tx::commit`].
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    /// Open (and migrate) the database at `url`: `sqlite:...` or `postgres://...`.
    pub(crate) async fn open(url: &str, opts: &OpenOptions) -> Result<Db> {
        if url.starts_with("sqlite:") {
            Ok(Db::Sqlite(sqlite::open(url, opts).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Db::Postgres(postgres::open(url, opts).await?))
        } else {
            Err(StoreError::Url("use sqlite:PATH or postgres://user@host/database".into()))
        }
    }

    pub(crate) fn kind(&self) -> BackendKind {
        match self {
            Db::Sqlite(_) => BackendKind::Sqlite,
            Db::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Close the pool (waits for connections in use to come back).
    pub(crate) async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }

    /// The payment file's workers: each ID hash's worker id, region and first employee-pension
    /// month; `keys` sorted and without repeats. SQLite asks in two steps (see
    /// [`sqlite::payment_lookup`]): `ids` selects the id and `scope` (region, first month), each
    /// with the key as `?1`. PostgreSQL asks once: `pg` takes the keys as an array `$1` and
    /// returns (id_hash, id, region, first month); in two steps its second index probe of each
    /// worker cost a third more.
    pub(crate) async fn payment_lookup(&self, sqls: [&str; 3], keys: &[&[u8]]) -> Result<PaymentLookup> {
        let [ids, scope, pg] = sqls;
        match self {
            Db::Sqlite(p) => sqlite::payment_lookup(p, ids, scope, keys).await,
            Db::Postgres(p) => {
                // Three parts at once, on three pooled connections (the server's look-ups are
                // the time here, and it has more than one core).
                type Found = (Vec<u8>, i64, String, Option<i32>);
                let found =
                    in_three(
                        keys,
                        |part| async move { Ok(sqlx::query_as::<_, Found>(sqlx::AssertSqlSafe(pg)).bind(part).fetch_all(p).await?) },
                    )
                    .await?;
                let mut out = PaymentLookup { ids: Vec::with_capacity(found.len()), scope: Vec::with_capacity(found.len()) };
                for (hash, id, region, first) in found {
                    let k = keys
                        .binary_search(&hash.as_slice())
                        .map_err(|_| StoreError::Corrupt("a payment look-up found a key not asked".into()))?;
                    out.ids.push((k, id));
                    out.scope.push((id, region, first));
                }
                Ok(out)
            }
        }
    }

    /// The month close's three reads of a range of worker ids: `sqls` are the enrolments
    /// (worker, first month, count; parameters month, lo, hi), the workers (id, birth month,
    /// sex; lo, hi) and the month incomes (worker, income; month, lo, hi). SQLite steps them
    /// raw on one pooled connection: through sqlx each row is a hand-over between two threads,
    /// and three rows a worker cost the close of 100,000 workers a third of its time.
    pub(crate) async fn close_range(&self, sqls: [&'static str; 3], month: i32, lo: i64, hi: i64) -> Result<CloseRange> {
        match self {
            Db::Sqlite(p) => sqlite::close_range(p, sqls, month, lo, hi).await,
            Db::Postgres(_) => Ok(CloseRange {
                enrolled: Sql::new(sqls[0]).bind(month).bind(lo).bind(hi).fetch_all(self).await?,
                people: Sql::new(sqls[1]).bind(lo).bind(hi).fetch_all(self).await?,
                incomes: Sql::new(sqls[2]).bind(month).bind(lo).bind(hi).fetch_all(self).await?,
            }),
        }
    }

    /// The journal rows of workers `lo..=hi` outside a transaction (see [`Tx::read_journal`]):
    /// SQLite steps them raw on a pooled connection, as the close does under its lock.
    pub(crate) async fn read_journal(&self, lo: i64, hi: i64) -> Result<Vec<crate::journal::JoinRow>> {
        match self {
            Db::Sqlite(p) => sqlite::read_journal(&mut *p.acquire().await?, lo, hi).await,
            Db::Postgres(_) => Sql::new(crate::journal::SELECT_RANGE).bind(lo).bind(hi).fetch_all(self).await,
        }
    }

    /// The risk monitor's five reads of a range of worker ids: `sqls` are the workers (id,
    /// birth month, sex, home grid; parameters lo, hi), the enrolled (worker; lo, hi, month) and
    /// the month incomes (worker, month, income; lo, hi, then each month of the window), the
    /// journal entries of the standings (worker and three numbers; lo, hi) and the payments
    /// (worker, fen; lo, hi). SQLite steps them raw on one pooled connection, as
    /// [`Db::close_range`] does: about six rows a worker.
    pub(crate) async fn monitor_range(&self, sqls: [&str; 5], lo: i64, hi: i64, month: i32, window: &[i32]) -> Result<MonitorRange> {
        let sql = |i: usize| Sql::built(sqls[i].to_string());
        match self {
            Db::Sqlite(p) => sqlite::monitor_range(p, sqls, lo, hi, month, window).await,
            // Three at once, each on a pooled connection of its own: the server reads them on
            // both cores (one after the other they were most of a run at a million workers).
            // Not more: the pool serves the rest of the agency meanwhile.
            Db::Postgres(_) => {
                let people = async {
                    let workers = sql(0).bind(lo).bind(hi).fetch_all(self).await?;
                    let enrolled = sql(1).bind(lo).bind(hi).bind(month).scalars(self).await?;
                    Ok::<_, StoreError>((workers, enrolled))
                };
                let incomes = window.iter().fold(sql(2).bind(lo).bind(hi), |q, m| q.bind(*m)).fetch_all(self);
                let ledger = async {
                    let entries = sql(3).bind(lo).bind(hi).fetch_all(self).await?;
                    let payments = sql(4).bind(lo).bind(hi).fetch_all(self).await?;
                    Ok::<_, StoreError>((entries, payments))
                };
                let ((workers, enrolled), incomes, (standing_entries, payments)) = tokio::try_join!(people, incomes, ledger)?;
                Ok(MonitorRange { workers, enrolled, incomes, standing_entries, payments })
            }
        }
    }

    /// Begin a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`), so
    /// a transaction never fails half way on a lock upgrade and its reads stay current until it
    /// commits; PostgreSQL transactions lock rows as they go (see [`Tx::lock_workers`]).
    pub(crate) async fn begin_write(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Open a batch: its row, and the request nonce if one is given (refused when reused).
    pub(crate) async fn begin_batch(&self, platform: PlatformId, at_us: i64, nonce: Option<&str>) -> Result<(BatchTx, BatchId)> {
        let mut tx = self.begin_write().await?;
        if let Tx::Postgres(t) = &mut tx {
            // The merge sorts a batch's keys: keep that in memory.
            sqlx::query("SET LOCAL work_mem = '64MB'").execute(&mut **t).await?;
        }
        if let Some(n) = nonce {
            let added = Sql::new("INSERT INTO nonces (platform_id, nonce, seen_at_us) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(platform.0)
                .bind(n)
                .bind(at_us)
                .execute(&mut tx)
                .await?;
            if added == 0 {
                return Err(StoreError::NonceReused);
            }
        }
        let id: i64 = Sql::new("INSERT INTO batches (platform_id, received_at_us) VALUES ($1, $2) RETURNING id")
            .bind(platform.0)
            .bind(at_us)
            .scalar(&mut tx)
            .await?;
        Ok((BatchTx { tx }, BatchId(id)))
    }
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    /// Hold workers `lo..=hi` until the transaction ends, so no other transaction reads their
    /// journal meanwhile. SQLite's write lock already holds everything; PostgreSQL locks their
    /// blocks of worker ids by advisory locks in ascending order (`new`: workers that may have no
    /// entries yet).
    pub(crate) async fn lock_workers(&mut self, lo: i64, hi: i64, new: &[i64]) -> Result<()> {
        match self {
            Tx::Sqlite(_) => Ok(()),
            Tx::Postgres(t) => postgres::lock_workers(t, lo, hi, new).await,
        }
    }

    /// Hold the log's tree for an integration (SQLite: the write lock already does).
    pub(crate) async fn lock_log_tree(&mut self) -> Result<()> {
        match self {
            Tx::Sqlite(_) => Ok(()),
            Tx::Postgres(t) => postgres::lock_log_tree(t).await,
        }
    }

    /// The journal rows (entries joined with their postings) of workers `lo..=hi`, in replay
    /// order.
    pub(crate) async fn read_journal(&mut self, lo: i64, hi: i64) -> Result<Vec<crate::journal::JoinRow>> {
        match self {
            Tx::Sqlite(t) => sqlite::read_journal(t, lo, hi).await,
            Tx::Postgres(_) => Sql::new(crate::journal::SELECT_RANGE).bind(lo).bind(hi).fetch_all(self).await,
        }
    }

    /// The open alerts `sql` reads of a range of workers (parameters lo, hi), inside the
    /// monitor's write transaction; SQLite steps them raw on the transaction's connection.
    pub(crate) async fn alert_rows(&mut self, sql: &'static str, lo: i64, hi: i64) -> Result<Vec<AlertRow>> {
        match self {
            Tx::Sqlite(t) => sqlite::alert_rows(t, sql, lo, hi).await,
            Tx::Postgres(_) => Sql::new(sql).bind(lo).bind(hi).fetch_all(self).await,
        }
    }

    /// SQLite: the monitor's writes of a range, stepped raw on the transaction's connection (one
    /// prepared statement each, run once a row: no parameters looked up by name); `true` when
    /// written. PostgreSQL: `false`, nothing written (the monitor writes multi-row statements).
    pub(crate) async fn alert_writes_raw(&mut self, w: &AlertWrites<'_>) -> Result<bool> {
        match self {
            Tx::Sqlite(t) => sqlite::alert_writes(t, w).await.map(|()| true),
            Tx::Postgres(_) => Ok(false),
        }
    }

    /// Insert new journal entries and their postings, each row carrying `log_idx` (-1: none).
    pub(crate) async fn write_journal(&mut self, rows: &[NewEntry<'_>], log_idx: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Sqlite(t) => sqlite::write_journal(t, rows, log_idx).await,
            Tx::Postgres(t) => postgres::write_journal(t, rows, log_idx).await,
        }
    }
}

/// An open alert as the monitor reads it back (see [`Tx::alert_rows`]).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AlertRow {
    pub id: i64,
    pub worker_id: i64,
    pub risk: String,
    /// The fingerprint of the figures its reasons were told from.
    pub why_hash: i64,
}

/// What a monitor run writes for a range of workers (see [`Tx::alert_writes_raw`]).
pub(crate) struct AlertWrites<'a> {
    /// The month run (YYYYMM), the last worker of the range, the clock.
    pub month: i32,
    pub hi: i64,
    pub now_us: i64,
    /// Alerts closed: no longer found.
    pub gone: &'a [i64],
    /// (alert, fingerprint, reason zh, reason en): reasons told again.
    pub retell: &'a [(i64, i64, String, String)],
    /// (worker, risk, grid, fingerprint, reason zh, reason en): alerts opened.
    pub new: &'a [(i64, &'static str, i64, i64, String, String)],
}

/// What the risk monitor reads of a range of workers (see [`Db::monitor_range`]).
#[derive(Debug, Default)]
pub(crate) struct MonitorRange {
    /// (worker, birth month, sex, home grid), by id.
    pub workers: Vec<(i64, i32, String, i64)>,
    /// The workers enrolled in the month (a worker may repeat).
    pub enrolled: Vec<i64>,
    /// (worker, month, income in fen), a row per platform.
    pub incomes: Vec<(i64, i32, i64)>,
    /// The closes, creditings and their reversals (worker, what, month, net due), in append order.
    pub standing_entries: Vec<(i64, i64, i64, i64)>,
    /// (worker, the sum of its payments' postings to its receivable).
    pub payments: Vec<(i64, i64)>,
}

/// Keys a PostgreSQL look-up sends in one array.
const PG_KEYS_PER_ARRAY: usize = 10_000;

/// `f` over `keys` in three parts at once, each part `PG_KEYS_PER_ARRAY` keys at a time; the
/// results in the keys' order.
async fn in_three<'k, K, T, F, Fut>(keys: &'k [K], f: F) -> Result<Vec<T>>
where
    F: Fn(&'k [K]) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>>>,
{
    let mut parts = keys.chunks(keys.len().div_ceil(3).max(1));
    let f = &f;
    let run = |part: Option<&'k [K]>| async move {
        let mut out = Vec::new();
        for c in part.unwrap_or_default().chunks(PG_KEYS_PER_ARRAY) {
            out.extend(f(c).await?);
        }
        Ok::<_, StoreError>(out)
    };
    let (mut a, b, c) = tokio::try_join!(run(parts.next()), run(parts.next()), run(parts.next()))?;
    a.extend(b);
    a.extend(c);
    Ok(a)
}

/// What [`Db::payment_lookup`] found: (the key's place in the keys, worker id) and (worker id,
/// region, first month).
#[derive(Debug, Default)]
pub(crate) struct PaymentLookup {
    pub ids: Vec<(usize, i64)>,
    pub scope: Vec<(i64, String, Option<i32>)>,
}

/// The rows of [`Db::close_range`], each by worker id.
#[derive(Debug, Default)]
pub(crate) struct CloseRange {
    /// (worker, first month of the enrolment, enrolment rows).
    pub enrolled: Vec<(i64, i32, i64)>,
    /// (worker, birth month, sex).
    pub people: Vec<(i64, i32, String)>,
    /// (worker, income in fen).
    pub incomes: Vec<(i64, i64)>,
}

/// A new journal entry and its place in the worker's append order.
pub(crate) struct NewEntry<'a> {
    pub seq: i32,
    pub entry: &'a Entry,
}

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
pub(crate) struct BatchTx {
    tx: Tx,
}

impl BatchTx {
    /// Write good rows; returns, for each row that was not inserted because its order id is
    /// already stored, the row's index and what is stored. The backend may reorder `rows` (the
    /// indices refer to the order it leaves).
    pub(crate) async fn write(&mut self, platform: PlatformId, batch: BatchId, rows: &mut [BatchRow]) -> Result<Vec<(usize, Stored)>> {
        match &mut self.tx {
            Tx::Sqlite(t) => sqlite::write_rows(t, platform, batch, rows).await,
            Tx::Postgres(t) => postgres::write_rows(t, platform, batch, rows).await,
        }
    }

    /// Worker ids of keyed resident-ID hashes (those registered), read in the batch's
    /// transaction so a one-connection store (SQLite in memory) never waits for itself.
    pub(crate) async fn worker_ids(&mut self, hashes: &[&[u8]]) -> Result<Vec<(Vec<u8>, i64)>> {
        let sql = format!("SELECT id_hash, id FROM workers WHERE id_hash IN ({})", placeholders(1, hashes.len()));
        hashes.iter().fold(Sql::built(sql), |q, h| q.bind(*h)).fetch_all(&mut self.tx).await
    }

    /// Grid ids of grid codes (those registered).
    pub(crate) async fn grid_ids(&mut self, codes: &[&str]) -> Result<Vec<(String, i64)>> {
        let sql = format!("SELECT code, id FROM grids WHERE code IN ({})", placeholders(1, codes.len()));
        codes.iter().fold(Sql::built(sql), |q, c| q.bind(*c)).fetch_all(&mut self.tx).await
    }

    /// Commit the batch: its counts and, when it wrote rows, its log entry at `at_us` (the root
    /// of a tree over the rows' leaf hashes).
    pub(crate) async fn commit(
        mut self,
        platform: PlatformId,
        batch: BatchId,
        c: &BatchCounts,
        logged: &[flexpension_tlog::Hash],
        at_us: i64,
    ) -> Result<()> {
        if !logged.is_empty() {
            let record = crate::log::entry::Record::new(
                "earnings_batch",
                at_us,
                serde_json::json!({"batch": batch.0, "income_fen": c.income_fen, "platform": platform.0, "premium_fen": c.premium_fen}),
            )
            .with_rows(logged);
            let idx = self.tx.log_append(&record, Some(crate::log::entry::pack(logged))).await?;
            Sql::new("UPDATE batches SET log_idx = $2 WHERE id = $1").bind(batch.0).bind(idx).execute(&mut self.tx).await?;
        }
        Sql::new(
            "UPDATE batches SET accepted = $2, duplicate = $3, conflicting = $4, rejected = $5, income_fen = $6, premium_fen = $7 WHERE id = $1",
        )
        .bind(batch.0)
        .bind(c.accepted)
        .bind(c.duplicate)
        .bind(c.conflicting)
        .bind(c.rejected)
        .bind(c.income_fen)
        .bind(c.premium_fen)
        .execute(&mut self.tx)
        .await?;
        self.tx.commit().await
    }
}
