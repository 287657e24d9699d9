//! SQLite: one file in WAL mode; bulk writes (earnings, journal entries) as prepared inserts
//! stepped on the transaction's own connection.

use super::sqlite_raw::{RawConn, Val::Int, Val::Text, with_raw};
use super::{BatchRow, NewEntry, Stored};
use crate::ids::{BatchId, PlatformId, month_code};
use crate::journal::{kind_str, payment_amount, postings_derived, subject_month};
use crate::monitor::{RUN_REACHED, SEEN_MONTH_HERE};
use crate::store::OpenOptions;
use crate::{Result, StoreError};
use sqlx::SqliteConnection;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

/// Page cache per connection, MiB. Rows are written in key order within a month, so the working
/// set of a bulk write is small.
const CACHE_MIB: u32 = 32;
/// SQLite's whole heap (every connection's cache) is kept near this, whatever the pool size.
const HEAP_LIMIT_BYTES: i64 = 64 << 20;

pub(crate) async fn open(url: &str, opts: &OpenOptions) -> Result<SqlitePool> {
    super::sqlite_raw::soft_heap_limit(HEAP_LIMIT_BYTES);
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
        .pragma("cache_size", format!("-{}", CACHE_MIB * 1024))
        .pragma("temp_store", "memory")
        // Checkpoint every ~40 MB of WAL rather than 4 MB: a page written by many batches is
        // copied into the database once per checkpoint, and bulk ingest ran 1.5x faster.
        .pragma("wal_autocheckpoint", "10000");
    // An in-memory database lives and dies with its connection: keep exactly one for ever.
    let pool = if memory {
        SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(opts.max_connections.max(1))
    };
    let pool = pool.connect_with(connect).await?;
    super::migrations::sqlite().run(&pool).await?;
    Ok(pool)
}

const INSERT: &str = "INSERT INTO earnings \
    (month, worker_id, platform_id, order_id, amount_fen, settled_at_us, order_type, grid_id, premium_fen, batch_id) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING";

const STORED: &str =
    "SELECT worker_id, amount_fen, settled_at_us, order_type, grid_id FROM earnings WHERE platform_id = ?1 AND order_id = ?2";

const ADD_INCOME: &str = "INSERT INTO month_income (month, worker_id, platform_id, income_fen, orders) VALUES (?1, ?2, ?3, ?4, ?5) \
    ON CONFLICT (month, worker_id, platform_id) DO UPDATE SET \
    income_fen = month_income.income_fen + excluded.income_fen, orders = month_income.orders + excluded.orders";

const ADD_PREMIUM: &str = "INSERT INTO injury_premiums (platform_id, month, order_type, orders, premium_fen) VALUES (?1, ?2, ?3, ?4, ?5) \
    ON CONFLICT (platform_id, month, order_type) DO UPDATE SET \
    orders = injury_premiums.orders + excluded.orders, premium_fen = injury_premiums.premium_fen + excluded.premium_fen";

/// Write good rows in the batch's transaction: each row is inserted unless its (platform,
/// order id) is stored; rows not inserted come back with what is stored; the month incomes and
/// premium totals grow by the inserted rows, grouped.
pub(crate) async fn write_rows(
    conn: &mut SqliteConnection,
    platform: PlatformId,
    batch: BatchId,
    rows: &mut [BatchRow],
) -> Result<Vec<(usize, Stored)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // In key order each insert lands next to the one before, so the pages it needs are hot;
    // (month, worker) is enough for that. Sorting the rows themselves keeps reads sequential.
    rows.sort_unstable_by_key(|r| (r.month, r.worker_id));
    with_raw(conn, |raw| write_raw(raw, platform, batch, rows)).await
}

fn write_raw(conn: &RawConn<'_>, platform: PlatformId, batch: BatchId, rows: &[BatchRow]) -> Result<Vec<(usize, Stored)>> {
    let mut missed = Vec::new();
    let mut ins = conn.prepare(INSERT)?;
    for (i, r) in rows.iter().enumerate() {
        let n = ins.execute(&[
            Int(i64::from(r.month)),
            Int(r.worker_id),
            Int(platform.0),
            Text(&r.order_id),
            Int(r.amount_fen),
            Int(r.settled_at_us),
            Int(i64::from(r.order_type)),
            Int(r.grid_id),
            Int(r.premium_fen),
            Int(batch.0),
        ])?;
        if n == 0 {
            missed.push(i);
        }
    }
    drop(ins);

    missed.sort_unstable();
    let mut existing = Vec::with_capacity(missed.len());
    if !missed.is_empty() {
        let mut q = conn.prepare(STORED)?;
        for i in missed {
            if let Some([worker_id, amount_fen, settled_at_us, order_type, grid_id]) =
                q.query_ints::<5>(&[Int(platform.0), Text(&rows[i].order_id)])?
            {
                let order_type = i16::try_from(order_type).map_err(|_| StoreError::Corrupt(format!("order type code {order_type}")))?;
                existing.push((i, Stored { worker_id, amount_fen, settled_at_us, order_type, grid_id }));
            }
        }
    }

    let mut skip = vec![false; rows.len()];
    for (i, _) in &existing {
        skip[*i] = true;
    }
    // Sorted groups: the aggregate b-trees are then written in key order.
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
    let mut add = conn.prepare(ADD_INCOME)?;
    for ((month, worker), (fen, n)) in income {
        add.execute(&[Int(i64::from(month)), Int(worker), Int(platform.0), Int(fen), Int(n)])?;
    }
    drop(add);
    let mut add = conn.prepare(ADD_PREMIUM)?;
    for ((month, t), (fen, n)) in premiums {
        add.execute(&[Int(platform.0), Int(i64::from(month)), Int(i64::from(t)), Int(n), Int(fen)])?;
    }
    Ok(existing)
}

const INSERT_ENTRY: &str = "INSERT INTO journal_entries (worker_id, entry_id, seq, kind, period, month, reference, income_fen, base_fen, \
    contribution_fen, personal_account_fen, pooling_fen, subsidy_fen, net_fen, log_idx, amount_fen) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, -1), \
    NULLIF(?7, ''), NULLIF(?8, -1), NULLIF(?9, -1), NULLIF(?10, -1), NULLIF(?11, -1), NULLIF(?12, -1), NULLIF(?13, -1), NULLIF(?14, -1), \
    NULLIF(?15, -1), NULLIF(?16, -1))";
const INSERT_POSTING: &str = "INSERT INTO journal_postings (worker_id, entry_id, line, account, amount_fen) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Journal entries and their postings, stepped on the transaction's connection (a million
/// entries through sqlx's per-value channel cost more than the whole close).
pub(crate) async fn write_journal(conn: &mut SqliteConnection, rows: &[NewEntry<'_>], log_idx: i64) -> Result<()> {
    with_raw(conn, |raw| write_journal_raw(raw, rows, log_idx)).await
}

fn write_journal_raw(conn: &RawConn<'_>, rows: &[NewEntry<'_>], log_idx: i64) -> Result<()> {
    let mut ins = conn.prepare(INSERT_ENTRY)?;
    let mut post = conn.prepare(INSERT_POSTING)?;
    // The raw binder has no NULL: -1 and '' stand for it (amounts and months are never negative).
    let null = || Int(-1);
    for r in rows {
        let e = r.entry;
        let id = e.id().to_string();
        let w = e.id().worker.0;
        let reference = e.reference().map(|x| x.to_string());
        let month = subject_month(e.id()).map(|m| Int(i64::from(month_code(m)))).unwrap_or_else(null);
        let d = e.due();
        let f = |v: Option<i64>| v.map(Int).unwrap_or_else(null);
        ins.execute(&[
            Int(w),
            Text(&id),
            Int(i64::from(r.seq)),
            Text(kind_str(e.kind())),
            Int(i64::from(month_code(e.period()))),
            month,
            Text(reference.as_deref().unwrap_or("")),
            f(d.map(|d| d.income_fen)),
            f(d.map(|d| d.base_fen)),
            f(d.map(|d| d.contribution_fen)),
            f(d.map(|d| d.personal_account_fen)),
            f(d.map(|d| d.pooling_fen)),
            f(d.map(|d| d.subsidy_fen)),
            f(d.map(|d| d.net_fen)),
            Int(log_idx),
            f(payment_amount(e)),
        ])?;
        if postings_derived(e) {
            continue;
        }
        for (line, p) in e.postings().iter().enumerate() {
            let account = p.account.to_string();
            post.execute(&[Int(w), Text(&id), Int(line as i64), Text(&account), Int(p.amount_fen)])?;
        }
    }
    Ok(())
}

/// The journal rows of workers `lo..=hi` (`SELECT_RANGE`), stepped on the transaction's
/// connection: a chunk of 10,000 workers reads about 50,000 rows, which through sqlx cost
/// more than the ledger work on them.
pub(crate) async fn read_journal(conn: &mut SqliteConnection, lo: i64, hi: i64) -> Result<Vec<crate::journal::JoinRow>> {
    with_raw(conn, |raw| {
        let mut q = raw.prepare(&crate::journal::SELECT_RANGE.replace('$', "?"))?;
        let mut out = Vec::new();
        q.query_each(&[Int(lo), Int(hi)], |r| {
            let need = |v: Option<i64>| v.ok_or_else(|| StoreError::Corrupt("journal_entries: a NOT NULL column is NULL".into()));
            out.push((
                need(r.int(0))?,
                r.text(1).unwrap_or_default(),
                i32::try_from(need(r.int(2))?).map_err(|e| StoreError::Corrupt(format!("journal period: {e}")))?,
                r.text(3),
                r.int(4),
                r.int(5),
                r.int(6),
                r.int(7),
                r.int(8),
                r.int(9),
                r.int(10),
                r.text(11),
                r.int(12),
                r.int(13),
            ));
            Ok(())
        })?;
        Ok(out)
    })
    .await
}

/// The month close's three range reads (see `Db::close_range`), stepped on one pooled connection.
pub(crate) async fn close_range(pool: &SqlitePool, sqls: [&str; 3], month: i32, lo: i64, hi: i64) -> Result<super::CloseRange> {
    let mut conn = pool.acquire().await?;
    with_raw(&mut conn, |raw| {
        let need = |v: Option<i64>, what: &str| v.ok_or_else(|| StoreError::Corrupt(format!("{what} is NULL")));
        let month_of = |v: i64| i32::try_from(v).map_err(|e| StoreError::Corrupt(format!("a month code: {e}")));
        let m = Int(i64::from(month));
        let mut out = super::CloseRange::default();
        raw.prepare(&sqls[0].replace('$', "?"))?.query_each(&[m, Int(lo), Int(hi)], |r| {
            let from = month_of(need(r.int(1), "enrolments.from_month")?)?;
            out.enrolled.push((need(r.int(0), "enrolments.worker_id")?, from, need(r.int(2), "a count")?));
            Ok(())
        })?;
        if out.enrolled.is_empty() {
            return Ok(out);
        }
        raw.prepare(&sqls[1].replace('$', "?"))?.query_each(&[Int(lo), Int(hi)], |r| {
            let birth = month_of(need(r.int(1), "workers.birth_month")?)?;
            out.people.push((need(r.int(0), "workers.id")?, birth, r.text(2).unwrap_or_default()));
            Ok(())
        })?;
        raw.prepare(&sqls[2].replace('$', "?"))?.query_each(&[m, Int(lo), Int(hi)], |r| {
            out.incomes.push((need(r.int(0), "month_income.worker_id")?, r.int(1).unwrap_or(0)));
            Ok(())
        })?;
        Ok(out)
    })
    .await
}

/// The risk monitor's three range reads (see `Db::monitor_range`), stepped on one pooled connection.
pub(crate) async fn monitor_range(
    pool: &SqlitePool,
    sqls: [&str; 5],
    lo: i64,
    hi: i64,
    month: i32,
    window: &[i32],
) -> Result<super::MonitorRange> {
    let mut conn = pool.acquire().await?;
    with_raw(&mut conn, |raw| {
        let need = |v: Option<i64>, what: &str| v.ok_or_else(|| StoreError::Corrupt(format!("{what} is NULL")));
        let month_of = |v: i64| i32::try_from(v).map_err(|e| StoreError::Corrupt(format!("a month code: {e}")));
        let mut out = super::MonitorRange::default();
        raw.prepare(&sqls[0].replace('$', "?"))?.query_each(&[Int(lo), Int(hi)], |r| {
            let birth = month_of(need(r.int(1), "workers.birth_month")?)?;
            let grid = need(r.int(3), "workers.home_grid_id")?;
            out.workers.push((need(r.int(0), "workers.id")?, birth, r.text(2).unwrap_or_default(), grid));
            Ok(())
        })?;
        if out.workers.is_empty() {
            return Ok(out);
        }
        raw.prepare(&sqls[1].replace('$', "?"))?.query_each(&[Int(lo), Int(hi), Int(i64::from(month))], |r| {
            out.enrolled.push(need(r.int(0), "enrolments.worker_id")?);
            Ok(())
        })?;
        let args: Vec<_> = [Int(lo), Int(hi)].into_iter().chain(window.iter().map(|m| Int(i64::from(*m)))).collect();
        raw.prepare(&sqls[2].replace('$', "?"))?.query_each(&args, |r| {
            let m = month_of(need(r.int(1), "month_income.month")?)?;
            out.incomes.push((need(r.int(0), "month_income.worker_id")?, m, r.int(2).unwrap_or(0)));
            Ok(())
        })?;
        raw.prepare(&sqls[3].replace('$', "?"))?.query_each(&[Int(lo), Int(hi)], |r| {
            let n = |i: i32| r.int(i).unwrap_or(0);
            out.standing_entries.push((need(r.int(0), "journal_entries.worker_id")?, n(1), n(2), n(3)));
            Ok(())
        })?;
        raw.prepare(&sqls[4].replace('$', "?"))?.query_each(&[Int(lo), Int(hi)], |r| {
            out.payments.push((need(r.int(0), "journal_postings.worker_id")?, r.int(1).unwrap_or(0)));
            Ok(())
        })?;
        Ok(out)
    })
    .await
}

/// The monitor's open alerts of a range (see `Tx::alert_rows`), stepped on the transaction's connection.
pub(crate) async fn alert_rows(conn: &mut SqliteConnection, sql: &str, lo: i64, hi: i64) -> Result<Vec<super::AlertRow>> {
    with_raw(conn, |raw| {
        let need = |v: Option<i64>, what: &str| v.ok_or_else(|| StoreError::Corrupt(format!("alerts.{what} is NULL")));
        let mut out = Vec::new();
        raw.prepare(&sql.replace('$', "?"))?.query_each(&[Int(lo), Int(hi)], |r| {
            out.push(super::AlertRow {
                id: need(r.int(0), "id")?,
                worker_id: need(r.int(1), "worker_id")?,
                risk: r.text(2).unwrap_or_default(),
                why_hash: need(r.int(3), "why_hash")?,
            });
            Ok(())
        })?;
        Ok(out)
    })
    .await
}

/// The monitor's writes of a range (see `Tx::alert_writes_raw`), stepped on the transaction's
/// connection: closed, told again, opened, then the range marked reached by the month's run.
pub(crate) async fn alert_writes(conn: &mut SqliteConnection, w: &super::AlertWrites<'_>) -> Result<()> {
    with_raw(conn, |raw| {
        let month = Int(i64::from(w.month));
        if !w.gone.is_empty() {
            let sql =
                format!("UPDATE alerts SET seen_month = {}, closed_month = ?1, closed_reason = 'gone' WHERE id = ?2", SEEN_MONTH_HERE);
            let mut close = raw.prepare(&sql)?;
            for id in w.gone {
                close.execute(&[month, Int(*id)])?;
            }
        }
        if !w.retell.is_empty() {
            let mut retell = raw.prepare("UPDATE alerts SET why_hash = ?1, why_zh = ?2, why_en = ?3 WHERE id = ?4")?;
            for (id, hash, zh, en) in w.retell {
                retell.execute(&[Int(*hash), Text(zh), Text(en), Int(*id)])?;
            }
        }
        if !w.new.is_empty() {
            let mut open = raw.prepare(
                "INSERT INTO alerts (worker_id, risk, grid_id, opened_month, seen_month, why_hash, why_zh, why_en, opened_at_us) \
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for (worker, risk, grid, hash, zh, en) in w.new {
                open.execute(&[Int(*worker), Text(risk), Int(*grid), month, Int(*hash), Text(zh), Text(en), Int(w.now_us)])?;
            }
        }
        raw.prepare(&RUN_REACHED.replace('$', "?"))?.execute(&[month, Int(w.hi)])?;
        Ok(())
    })
    .await
}

/// The payment file's two look-ups, each half of the keys stepped on a pooled connection in one
/// read transaction (outside one, every step takes and drops SQLite's shared lock: half a
/// look-up's time):
/// each ID hash's worker id (`ids`: one `?1` blob parameter; the unique index covers it, and
/// the hashes come sorted), then each found worker's region and first enrolment month
/// (`scope`: one `?1` id), asked in id order so that the worker and enrolment rows are read
/// page after page instead of at random. Through sqlx each row found cost a channel hop.
pub(crate) async fn payment_lookup(pool: &SqlitePool, ids: &str, scope: &str, keys: &[&[u8]]) -> Result<super::PaymentLookup> {
    // The sorted keys in two halves on two pooled connections at once: each connection steps
    // on a thread of its own, so both cores read.
    let (a, b) = keys.split_at(keys.len() / 2);
    let (mut out, rest) = tokio::try_join!(payment_lookup_part(pool, ids, scope, a, 0), payment_lookup_part(pool, ids, scope, b, a.len()))?;
    out.ids.extend(rest.ids);
    out.scope.extend(rest.scope);
    Ok(out)
}

/// One part of [`payment_lookup`]: `keys` begin at place `first` of all the keys.
async fn payment_lookup_part(pool: &SqlitePool, ids: &str, scope: &str, keys: &[&[u8]], first: usize) -> Result<super::PaymentLookup> {
    if keys.is_empty() {
        return Ok(super::PaymentLookup::default());
    }
    let mut tx = pool.begin().await?;
    let out = with_raw(&mut tx, |raw| {
        let mut out = super::PaymentLookup::default();
        let mut q = raw.prepare(ids)?;
        for (k, key) in keys.iter().enumerate() {
            q.query_each(&[super::sqlite_raw::Val::Blob(key)], |r| {
                out.ids.push((first + k, r.int(0).ok_or_else(|| StoreError::Corrupt("workers.id is NULL".into()))?));
                Ok(())
            })?;
        }
        let mut found: Vec<i64> = out.ids.iter().map(|f| f.1).collect();
        found.sort_unstable();
        let mut q = raw.prepare(scope)?;
        for id in found {
            q.query_each(&[Int(id)], |r| {
                let from =
                    r.int(1).map(|m| i32::try_from(m).map_err(|e| StoreError::Corrupt(format!("enrolment month: {e}")))).transpose()?;
                out.scope.push((id, r.text(0).unwrap_or_default(), from));
                Ok(())
            })?;
        }
        Ok(out)
    })
    .await?;
    tx.commit().await?;
    Ok(out)
}
