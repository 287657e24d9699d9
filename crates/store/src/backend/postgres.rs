//! PostgreSQL: earnings partitioned by month (partitions made on demand); bulk writes by COPY
//! into a session-local staging table, then one idempotent merge statement; journal entries as
//! arrays (one UNNEST insert per table); the row locks that serialise journal writes and log
//! integration.

use super::{BatchRow, NewEntry, Stored};
use crate::ids::{BatchId, PlatformId, month_code};
use crate::journal::{kind_str, subject_month};
use crate::store::OpenOptions;
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection, PgPool, Postgres, Row, Transaction};
use std::collections::{BTreeSet, HashSet};
use std::str::FromStr;
use std::sync::Mutex;

pub(crate) async fn open(url: &str, opts: &OpenOptions) -> Result<PgPool> {
    let mut connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::Url(e.to_string()))?;
    if let Some(schema) = &opts.pg_schema {
        if schema.is_empty() || !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            return Err(StoreError::invalid("pg_schema", "use lower-case letters, digits and _ only"));
        }
        let mut c = PgConnection::connect_with(&connect).await?;
        c.execute(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {schema}"))).await?;
        c.close().await?;
        connect = connect.options([("search_path", schema.as_str())]);
    }
    let pool = PgPoolOptions::new().max_connections(opts.max_connections.max(1)).connect_with(connect).await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}

/// YYYYMM of the month after `m`.
fn next_month(m: i32) -> i32 {
    if m % 100 == 12 { (m / 100 + 1) * 100 + 1 } else { m + 1 }
}

/// Make the partitions of `months` that `known` does not list, on `conn` (inside a
/// transaction): an advisory lock keeps two sessions from racing on one. Returns those made.
async fn create_partitions(
    conn: &mut PgConnection,
    known: &Mutex<HashSet<i32>>,
    months: impl IntoIterator<Item = i32>,
) -> Result<Vec<i32>> {
    let missing: Vec<i32> = {
        let known = known.lock().unwrap_or_else(|e| e.into_inner());
        months.into_iter().filter(|m| !known.contains(m)).collect()
    };
    if missing.is_empty() {
        return Ok(missing);
    }
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.earnings partitions'))").execute(&mut *conn).await?;
    for &m in &missing {
        // m is an integer we made (YYYYMM), never text from input.
        let sql = format!("CREATE TABLE IF NOT EXISTS earnings_{m} PARTITION OF earnings FOR VALUES FROM ({m}) TO ({})", next_month(m));
        conn.execute(AssertSqlSafe(sql)).await?;
    }
    Ok(missing)
}

/// Make the partitions of the current and the next month ahead, in a short transaction of their
/// own: making one inside a batch locks the whole earnings table until that batch commits.
pub(crate) async fn prepare_partitions(pool: &PgPool, known: &Mutex<HashSet<i32>>, month: i32) -> Result<()> {
    let months = [month, next_month(month)];
    if months.iter().all(|m| known.lock().unwrap_or_else(|e| e.into_inner()).contains(m)) {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let made = create_partitions(&mut tx, known, months).await?;
    tx.commit().await?;
    known.lock().unwrap_or_else(|e| e.into_inner()).extend(made);
    Ok(())
}

/// Make the partitions a batch needs that are still missing (orders of past months). Inside the
/// batch's transaction, so a rolled-back batch leaves nothing behind.
async fn ensure_partitions(
    tx: &mut Transaction<'static, Postgres>,
    known: &Mutex<HashSet<i32>>,
    made: &mut Vec<i32>,
    rows: &[BatchRow],
) -> Result<()> {
    let months: BTreeSet<i32> = rows.iter().map(|r| r.month).filter(|m| !made.contains(m)).collect();
    made.extend(create_partitions(tx, known, months).await?);
    Ok(())
}

/// COPY text format: escape the characters that would end a field or a row.
fn push_text(buf: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

fn push_int(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS staging_earnings (\
    idx INTEGER NOT NULL, order_id TEXT COLLATE \"C\" NOT NULL, month INTEGER NOT NULL, worker_id BIGINT NOT NULL, \
    amount_fen BIGINT NOT NULL, settled_at_us BIGINT NOT NULL, order_type SMALLINT NOT NULL, \
    grid_id BIGINT NOT NULL, premium_fen BIGINT NOT NULL) ON COMMIT DELETE ROWS";

/// The fast path, for a batch of new orders only: one statement claims every staged order id
/// (a plain insert, which fails if any is already stored), inserts every row and adds them to
/// the month incomes and premium totals. All parts read the same staged rows, so the
/// aggregates equal the rows by construction. Keys go in sorted order so two batches of one
/// platform wait for each other instead of deadlocking.
const MERGE_NEW: &str = "WITH k AS (
    INSERT INTO order_keys (platform_id, order_id, month, worker_id, batch_id)
    SELECT $1, order_id, month, worker_id, $2 FROM staging_earnings ORDER BY order_id
), e AS (
    INSERT INTO earnings (month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id)
    SELECT month, worker_id, $1, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, $2 FROM staging_earnings
), i AS (
    INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders)
    SELECT month, worker_id, $1, SUM(amount_fen), COUNT(*) FROM staging_earnings GROUP BY month, worker_id ORDER BY month, worker_id
    ON CONFLICT (month, worker_id, platform_id) DO UPDATE SET
        income_fen = month_income.income_fen + EXCLUDED.income_fen, orders = month_income.orders + EXCLUDED.orders
), p AS (
    INSERT INTO injury_premiums (platform_id, month, order_type, orders, premium_fen)
    SELECT $1, month, order_type, COUNT(*), SUM(premium_fen) FROM staging_earnings GROUP BY month, order_type ORDER BY month, order_type
    ON CONFLICT (platform_id, month, order_type) DO UPDATE SET
        orders = injury_premiums.orders + EXCLUDED.orders, premium_fen = injury_premiums.premium_fen + EXCLUDED.premium_fen
)
SELECT COUNT(*)::BIGINT FROM staging_earnings";

/// The careful path, when some order id is already stored: claim the ids that are free
/// (ON CONFLICT DO NOTHING), insert only their rows (the join with what was claimed) and add
/// only those to the aggregates.
const MERGE_SOME: &str = "WITH k AS (
    INSERT INTO order_keys (platform_id, order_id, month, worker_id, batch_id)
    SELECT $1, order_id, month, worker_id, $2 FROM staging_earnings ORDER BY order_id
    ON CONFLICT DO NOTHING
    RETURNING order_id
), e AS (
    INSERT INTO earnings (month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id)
    SELECT s.month, s.worker_id, $1, s.order_id, s.amount_fen, s.settled_at_us, s.order_type, s.grid_id, s.premium_fen, $2
    FROM staging_earnings s JOIN k ON k.order_id = s.order_id
    RETURNING month, worker_id, amount_fen, order_type, premium_fen
), i AS (
    INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders)
    SELECT month, worker_id, $1, SUM(amount_fen), COUNT(*) FROM e GROUP BY month, worker_id ORDER BY month, worker_id
    ON CONFLICT (month, worker_id, platform_id) DO UPDATE SET
        income_fen = month_income.income_fen + EXCLUDED.income_fen, orders = month_income.orders + EXCLUDED.orders
), p AS (
    INSERT INTO injury_premiums (platform_id, month, order_type, orders, premium_fen)
    SELECT $1, month, order_type, COUNT(*), SUM(premium_fen) FROM e GROUP BY month, order_type ORDER BY month, order_type
    ON CONFLICT (platform_id, month, order_type) DO UPDATE SET
        orders = injury_premiums.orders + EXCLUDED.orders, premium_fen = injury_premiums.premium_fen + EXCLUDED.premium_fen
)
SELECT COUNT(*)::BIGINT FROM e";

/// Staged rows whose order id an earlier batch holds, with what that batch stored.
const EXISTING: &str = "SELECT s.idx, e.worker_id, e.amount_fen, e.settled_at_us, e.order_type, e.grid_id
    FROM staging_earnings s
    JOIN order_keys k ON k.platform_id = $1 AND k.order_id = s.order_id AND k.batch_id <> $2
    JOIN earnings e ON e.month = k.month AND e.worker_id = k.worker_id AND e.platform_id = k.platform_id AND e.order_id = k.order_id
    ORDER BY s.idx";

/// SQLSTATE unique_violation.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23505"))
}

pub(crate) async fn write_rows(
    tx: &mut Transaction<'static, Postgres>,
    partitions: &Mutex<HashSet<i32>>,
    made: &mut Vec<i32>,
    platform: PlatformId,
    batch: BatchId,
    rows: &[BatchRow],
) -> Result<Vec<(usize, Stored)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    ensure_partitions(tx, partitions, made, rows).await?;
    tx.execute(STAGING).await?;
    // A batch may write several times in one transaction: start each from an empty table.
    tx.execute("TRUNCATE staging_earnings").await?;

    let mut copy = tx.copy_in_raw("COPY staging_earnings FROM STDIN").await?;
    let mut buf = Vec::with_capacity(1 << 20);
    for (i, r) in rows.iter().enumerate() {
        push_int(&mut buf, i as i64);
        buf.push(b'\t');
        push_text(&mut buf, &r.order_id);
        for v in [i64::from(r.month), r.worker_id, r.amount_fen, r.settled_at_us, i64::from(r.order_type), r.grid_id, r.premium_fen] {
            buf.push(b'\t');
            push_int(&mut buf, v);
        }
        buf.push(b'\n');
        if buf.len() >= (1 << 20) - 512 {
            copy.send(std::mem::take(&mut buf)).await?;
            buf.reserve(1 << 20);
        }
    }
    if !buf.is_empty() {
        copy.send(buf).await?;
    }
    copy.finish().await?;
    // Most batches bring only new orders: try the fast path first, inside a savepoint; when an
    // order id is already stored it fails on the unique key, and the careful path runs.
    tx.execute("SAVEPOINT merge").await?;
    let fast = sqlx::query_scalar::<_, i64>(MERGE_NEW).bind(platform.0).bind(batch.0).fetch_one(&mut **tx).await;
    let inserted = match fast {
        Ok(n) => n,
        Err(e) if is_unique_violation(&e) => {
            tx.execute("ROLLBACK TO SAVEPOINT merge").await?;
            // The planner knows nothing of a fresh temp table; statistics make it hash-join.
            tx.execute("ANALYZE staging_earnings").await?;
            sqlx::query_scalar(MERGE_SOME).bind(platform.0).bind(batch.0).fetch_one(&mut **tx).await?
        }
        Err(e) => return Err(e.into()),
    };
    tx.execute("RELEASE SAVEPOINT merge").await?;
    if inserted as usize == rows.len() {
        return Ok(Vec::new());
    }
    let mut existing = Vec::new();
    for row in sqlx::query(EXISTING).bind(platform.0).bind(batch.0).fetch_all(&mut **tx).await? {
        let idx: i32 = row.try_get(0)?;
        let stored = Stored {
            worker_id: row.try_get(1)?,
            amount_fen: row.try_get(2)?,
            settled_at_us: row.try_get(3)?,
            order_type: row.try_get(4)?,
            grid_id: row.try_get(5)?,
        };
        existing.push((idx as usize, stored));
    }
    Ok(existing)
}

/// Lock workers `lo..=hi` for a journal write: a transaction-scoped advisory lock on each block
/// of 65,536 worker ids the range spans, in ascending order (two writers never deadlock), keyed
/// by the schema (stores in other schemas never wait on each other). Every journal write comes
/// through here, so a payment and a close of one worker never work from the same snapshot. A
/// month close chunk takes one or two locks; row locks on `ledger_workers` (made first for
/// `new` workers) cost a tuple write per worker, a fifth of the close. `_new` is kept for the
/// signature SQLite shares.
pub(crate) async fn lock_workers(tx: &mut Transaction<'static, Postgres>, lo: i64, hi: i64, _new: &[i64]) -> Result<()> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.journal'), b::int) FROM generate_series($1::bigint, $2::bigint) AS b",
    )
    .bind(lo.max(0) >> 16)
    .bind(hi.max(0) >> 16)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Lock the log tree's row: one integration at a time across processes.
pub(crate) async fn lock_log_tree(tx: &mut Transaction<'static, Postgres>) -> Result<()> {
    sqlx::query("SELECT id FROM log_tree WHERE id = 1 FOR UPDATE").execute(&mut **tx).await?;
    Ok(())
}

/// Journal entries and their postings: one statement per table, the rows as arrays.
pub(crate) async fn write_journal(tx: &mut Transaction<'static, Postgres>, rows: &[NewEntry<'_>], log_idx: i64) -> Result<()> {
    let n = rows.len();
    let (mut w, mut id, mut seq, mut kind, mut period, mut month, mut reference) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut due: [Vec<Option<i64>>; 7] = Default::default();
    let (mut pw, mut pid, mut pline, mut pacc, mut pamt) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let e = r.entry;
        let eid = e.id().to_string();
        w.push(e.id().worker.0);
        seq.push(r.seq);
        kind.push(kind_str(e.kind()));
        period.push(month_code(e.period()));
        month.push(subject_month(e.id()).map(month_code));
        reference.push(e.reference().map(|x| x.to_string()));
        let d = e.due();
        let vals =
            d.map(|d| [d.income_fen, d.base_fen, d.contribution_fen, d.personal_account_fen, d.pooling_fen, d.subsidy_fen, d.net_fen]);
        for (i, col) in due.iter_mut().enumerate() {
            col.push(vals.map(|v| v[i]));
        }
        for (line, p) in e.postings().iter().enumerate() {
            pw.push(e.id().worker.0);
            pid.push(eid.clone());
            pline.push(line as i32);
            pacc.push(p.account.to_string());
            pamt.push(p.amount_fen);
        }
        id.push(eid);
    }
    let [inc, base, contr, pa, pool, sub, net] = due;
    sqlx::query(
        "INSERT INTO journal_entries (worker_id, entry_id, seq, kind, period, month, reference, income_fen, base_fen, contribution_fen, \
         personal_account_fen, pooling_fen, subsidy_fen, net_fen, log_idx) \
         SELECT *, NULLIF($15::bigint, -1) FROM UNNEST($1::bigint[], $2::text[], $3::int[], $4::text[], $5::int[], $6::int[], $7::text[], $8::bigint[], \
         $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[])",
    )
    .bind(w)
    .bind(id)
    .bind(seq)
    .bind(kind)
    .bind(period)
    .bind(month)
    .bind(reference)
    .bind(inc)
    .bind(base)
    .bind(contr)
    .bind(pa)
    .bind(pool)
    .bind(sub)
    .bind(net)
    .bind(log_idx)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO journal_postings (worker_id, entry_id, line, account, amount_fen) \
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[])",
    )
    .bind(pw)
    .bind(pid)
    .bind(pline)
    .bind(pacc)
    .bind(pamt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
