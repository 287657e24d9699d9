//! PostgreSQL: earnings one row per order, keyed by (platform, order id); new orders by binary
//! COPY straight into their table, with the month incomes and premiums summed here; when some
//! order id is already stored, COPY into a session-local staging table and an insert of the free
//! rows only; journal entries and postings by binary COPY; the locks that serialise journal
//! writes and log integration.

use super::pg_copy::copy_binary;
use super::{BatchRow, NewEntry, Stored};
use crate::ids::{BatchId, PlatformId, month_code};
use crate::journal::{kind_str, payment_amount, postings_derived, subject_month};
use crate::store::OpenOptions;
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection, PgPool, Postgres, Row, Transaction};
use std::collections::BTreeMap;
use std::str::FromStr;

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
    super::migrations::POSTGRES.run(&pool).await?;
    Ok(pool)
}

const STAGING: &str = "CREATE TEMP TABLE IF NOT EXISTS staging_earnings (\
    idx INTEGER NOT NULL, order_id TEXT COLLATE \"C\" NOT NULL, month INTEGER NOT NULL, worker_id BIGINT NOT NULL, \
    amount_fen BIGINT NOT NULL, settled_at_us BIGINT NOT NULL, order_type SMALLINT NOT NULL, \
    grid_id BIGINT NOT NULL, premium_fen BIGINT NOT NULL) ON COMMIT DELETE ROWS";

/// The careful path, when some order id is already stored: insert the staged rows whose order
/// id is free (ON CONFLICT DO NOTHING on the key), in order-id order so two batches of one
/// platform wait for each other instead of deadlocking; the order ids inserted come back, and
/// only their rows are added to the aggregates, by [`add_sums`] as on the fast path. (One
/// statement with the aggregates as data-modifying CTEs ran the premiums before the incomes: the
/// fast path's order reversed, and two batches could deadlock.)
const INSERT_FREE: &str = "INSERT INTO earnings \
    (month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id) \
    SELECT month, worker_id, $1, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, $2 \
    FROM staging_earnings ORDER BY order_id ON CONFLICT DO NOTHING RETURNING order_id";

/// Month incomes summed in Rust, one row per (month, worker), added to the stored ones.
const ADD_INCOMES: &str = "INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders)
    SELECT m, w, $1, i, n FROM UNNEST($2::int[], $3::bigint[], $4::bigint[], $5::bigint[]) AS t(m, w, i, n)
    ON CONFLICT (month, worker_id, platform_id) DO UPDATE SET
        income_fen = month_income.income_fen + EXCLUDED.income_fen, orders = month_income.orders + EXCLUDED.orders";

/// Premium totals summed in Rust, one row per (month, order type).
const ADD_PREMIUMS: &str = "INSERT INTO injury_premiums (platform_id, month, order_type, orders, premium_fen)
    SELECT $1, m, t, n, p FROM UNNEST($2::int[], $3::smallint[], $4::bigint[], $5::bigint[]) AS x(m, t, n, p)
    ON CONFLICT (platform_id, month, order_type) DO UPDATE SET
        orders = injury_premiums.orders + EXCLUDED.orders, premium_fen = injury_premiums.premium_fen + EXCLUDED.premium_fen";

/// The fast path, for rows whose order ids are all new: the rows by COPY in order-id order (the
/// key's order; a stored id fails the COPY on the key: the caller falls back to [`INSERT_FREE`]),
/// then the month incomes and premiums summed here, one upsert row per key in key order (two
/// batches of one platform wait, never deadlock).
async fn write_new(tx: &mut Transaction<'static, Postgres>, platform: PlatformId, batch: BatchId, rows: &[BatchRow]) -> Result<()> {
    let mut by_id: Vec<u32> = (0..rows.len() as u32).collect();
    by_id.sort_unstable_by(|&a, &b| rows[a as usize].order_id.as_bytes().cmp(rows[b as usize].order_id.as_bytes()));
    let (p, b) = (platform.0, batch.0);
    const EARNINGS: &str =
        "earnings (month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id)";
    copy_binary(tx, EARNINGS, rows.len(), |i, out| {
        let r = &rows[by_id[i] as usize];
        out.row(10).i32(r.month).i64(r.worker_id).i64(p).text(&r.order_id).i64(r.amount_fen).i64(r.settled_at_us);
        out.i16(r.order_type).i64(r.grid_id).i64(r.premium_fen).i64(b);
    })
    .await?;
    add_sums(tx, platform, rows.iter()).await
}

/// Add rows to the month incomes and the premiums, one upsert row per key, every batch in the
/// same order (incomes before premiums, each by key): two batches wait, never deadlock.
async fn add_sums<'r>(
    tx: &mut Transaction<'static, Postgres>,
    platform: PlatformId,
    rows: impl Iterator<Item = &'r BatchRow>,
) -> Result<()> {
    let p = platform.0;
    let mut by_key: Vec<&BatchRow> = rows.collect();
    by_key.sort_unstable_by_key(|r| (r.month, r.worker_id));
    // by_key is sorted by (month, worker): each run is one month income.
    let (mut m, mut w, mut inc, mut n) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in &by_key {
        if m.last() == Some(&r.month) && w.last() == Some(&r.worker_id) {
            if let (Some(a), Some(c)) = (inc.last_mut(), n.last_mut()) {
                *a += r.amount_fen;
                *c += 1i64;
            }
        } else {
            m.push(r.month);
            w.push(r.worker_id);
            inc.push(r.amount_fen);
            n.push(1i64);
        }
    }
    sqlx::query(ADD_INCOMES).bind(p).bind(m).bind(w).bind(inc).bind(n).execute(&mut **tx).await?;
    let mut premiums: BTreeMap<(i32, i16), (i64, i64)> = BTreeMap::new();
    for r in by_key {
        let t = premiums.entry((r.month, r.order_type)).or_default();
        t.0 += 1;
        t.1 += r.premium_fen;
    }
    let (mut pm, mut pt, mut pn, mut pf) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((month, t), (orders, fen)) in premiums {
        pm.push(month);
        pt.push(t);
        pn.push(orders);
        pf.push(fen);
    }
    sqlx::query(ADD_PREMIUMS).bind(p).bind(pm).bind(pt).bind(pn).bind(pf).execute(&mut **tx).await?;
    Ok(())
}

/// Staged rows whose order id an earlier batch holds, with what that batch stored.
const EXISTING: &str = "SELECT s.idx, e.worker_id, e.amount_fen, e.settled_at_us, e.order_type, e.grid_id
    FROM staging_earnings s JOIN earnings e ON e.platform_id = $1 AND e.order_id = s.order_id AND e.batch_id <> $2
    ORDER BY s.idx";

pub(crate) async fn write_rows(
    tx: &mut Transaction<'static, Postgres>,
    platform: PlatformId,
    batch: BatchId,
    rows: &[BatchRow],
) -> Result<Vec<(usize, Stored)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Most batches bring only new orders: try the fast path first, inside a savepoint; when an
    // order id is already stored it fails on the unique key, and the careful path runs.
    tx.execute("SAVEPOINT merge").await?;
    match write_new(tx, platform, batch, rows).await {
        Ok(()) => {
            tx.execute("RELEASE SAVEPOINT merge").await?;
            return Ok(Vec::new());
        }
        Err(e) if e.is_unique_violation() => {
            tx.execute("ROLLBACK TO SAVEPOINT merge").await?;
        }
        Err(e) => return Err(e),
    }
    stage(tx, rows).await?;
    let inserted: Vec<String> = sqlx::query_scalar(INSERT_FREE).bind(platform.0).bind(batch.0).fetch_all(&mut **tx).await?;
    let free: std::collections::HashSet<&str> = inserted.iter().map(String::as_str).collect();
    add_sums(tx, platform, rows.iter().filter(|r| free.contains(&*r.order_id))).await?;
    tx.execute("RELEASE SAVEPOINT merge").await?;
    if inserted.len() == rows.len() {
        return Ok(Vec::new());
    }
    // The planner knows nothing of a fresh temp table; statistics make it hash-join.
    tx.execute("ANALYZE staging_earnings").await?;
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

/// Copy `rows` into the session's staging table (emptied first: a batch may write several
/// times in one transaction), each with its index.
async fn stage(tx: &mut Transaction<'static, Postgres>, rows: &[BatchRow]) -> Result<()> {
    tx.execute(STAGING).await?;
    tx.execute("TRUNCATE staging_earnings").await?;
    const COLUMNS: &str = "staging_earnings (idx, order_id, month, worker_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen)";
    copy_binary(tx, COLUMNS, rows.len(), |i, out| {
        let r = &rows[i];
        out.row(9).i32(i as i32).text(&r.order_id).i32(r.month).i64(r.worker_id).i64(r.amount_fen).i64(r.settled_at_us);
        out.i16(r.order_type).i64(r.grid_id).i64(r.premium_fen);
    })
    .await?;
    Ok(())
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

/// Journal entries and their postings: one binary COPY per table (the rows in the order given;
/// a repeated entry id fails the COPY on the primary key, as an insert would).
pub(crate) async fn write_journal(tx: &mut Transaction<'static, Postgres>, rows: &[NewEntry<'_>], log_idx: i64) -> Result<()> {
    const ENTRIES: &str = "journal_entries (worker_id, entry_id, seq, kind, period, month, reference, income_fen, base_fen, \
        contribution_fen, personal_account_fen, pooling_fen, subsidy_fen, net_fen, log_idx, amount_fen)";
    let ids: Vec<String> = rows.iter().map(|r| r.entry.id().to_string()).collect();
    let idx = (log_idx != -1).then_some(log_idx);
    let mut reference = String::new();
    copy_binary(tx, ENTRIES, rows.len(), |i, out| {
        let (e, id) = (rows[i].entry, &ids[i]);
        reference.clear();
        if let Some(x) = e.reference() {
            use std::fmt::Write as _;
            let _ = write!(reference, "{x}");
        }
        out.row(16).i64(e.id().worker.0).text(id).i32(rows[i].seq).text(kind_str(e.kind())).i32(month_code(e.period()));
        out.opt_i32(subject_month(e.id()).map(month_code)).opt_text(e.reference().map(|_| reference.as_str()));
        match e.due() {
            Some(d) => {
                for v in [d.income_fen, d.base_fen, d.contribution_fen, d.personal_account_fen, d.pooling_fen, d.subsidy_fen, d.net_fen] {
                    out.i64(v);
                }
            }
            None => {
                for _ in 0..7 {
                    out.null();
                }
            }
        }
        out.opt_i64(idx).opt_i64(payment_amount(e));
    })
    .await?;
    // Postings that follow from a due or a payment's amount are not written (`postings_derived`).
    let lines: Vec<(u32, u32)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !postings_derived(r.entry))
        .flat_map(|(i, r)| (0..r.entry.postings().len() as u32).map(move |l| (i as u32, l)))
        .collect();
    let mut account = String::new();
    copy_binary(tx, "journal_postings (worker_id, entry_id, line, account, amount_fen)", lines.len(), |k, out| {
        let (i, l) = (lines[k].0 as usize, lines[k].1);
        let e = rows[i].entry;
        let p = &e.postings()[l as usize];
        account.clear();
        use std::fmt::Write as _;
        let _ = write!(account, "{}", p.account);
        out.row(5).i64(e.id().worker.0).text(&ids[i]).i32(l as i32).text(&account).i64(p.amount_fen);
    })
    .await?;
    Ok(())
}
