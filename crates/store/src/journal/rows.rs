//! The journal's rows: entries read back through the ledger's checks, and new entries written
//! in the caller's transaction (SQLite: prepared statements on the raw handle; PostgreSQL: one
//! UNNEST insert per table).

use crate::backend::sqlite_raw::{RawConn, Val::Int, Val::Text};
use crate::ids::month_code;
use crate::{Result, StoreError};
use flexpension_ledger::{Account, Due, Entry, EntryId, EntryKind, Posting, Subject};
use flexpension_rules::YearMonth;
use sqlx::{Postgres, Sqlite, Transaction};

/// One row of the entries ⟕ postings read, in (worker, seq, line) order.
pub(crate) type JoinRow = (
    i64,
    String,
    i32,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

/// Entries with their postings of the workers `worker_id BETWEEN $1 AND $2`, in replay order.
pub(crate) const SELECT_RANGE: &str = "SELECT e.worker_id, e.entry_id, e.period, e.reference, e.income_fen, e.base_fen, \
    e.contribution_fen, e.personal_account_fen, e.pooling_fen, e.subsidy_fen, e.net_fen, p.account, p.amount_fen \
    FROM journal_entries e LEFT JOIN journal_postings p ON p.worker_id = e.worker_id AND p.entry_id = e.entry_id \
    WHERE e.worker_id BETWEEN $1 AND $2 ORDER BY e.worker_id, e.seq, p.line";

fn corrupt(id: &str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("journal entry {id}: {what}"))
}

/// Rebuild entries from joined rows; each passes `Entry::new` again, so a stored row that does
/// not balance or does not fit its kind is reported, never used.
pub(crate) fn entries_from(rows: Vec<JoinRow>) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut cur: Option<(String, JoinRow, Vec<Posting>)> = None;
    let finish = |(id, r, postings): (String, JoinRow, Vec<Posting>)| -> Result<Entry> {
        let eid: EntryId = id.parse().map_err(|e| corrupt(&id, e))?;
        let period = crate::ids::month_from_code(r.2).ok_or_else(|| corrupt(&id, "period"))?;
        let reference = r.3.as_deref().map(|s| s.parse::<EntryId>().map_err(|e| corrupt(&id, e))).transpose()?;
        let due = match (r.4, r.5, r.6, r.7, r.8, r.9, r.10) {
            (
                Some(income_fen),
                Some(base_fen),
                Some(contribution_fen),
                Some(personal_account_fen),
                Some(pooling_fen),
                Some(subsidy_fen),
                Some(net_fen),
            ) => Some(Due { income_fen, base_fen, contribution_fen, personal_account_fen, pooling_fen, subsidy_fen, net_fen }),
            _ => None,
        };
        Entry::new(eid, period, reference, postings, due).map_err(|e| corrupt(&id, e))
    };
    for r in rows {
        let posting = match (&r.11, r.12) {
            (Some(a), Some(amount_fen)) => Some(Posting { account: a.parse::<Account>().map_err(|e| corrupt(&r.1, e))?, amount_fen }),
            _ => None,
        };
        match &mut cur {
            Some((id, prev, postings)) if *id == r.1 && prev.0 == r.0 => postings.extend(posting),
            _ => {
                if let Some(done) = cur.take() {
                    out.push(finish(done)?);
                }
                cur = Some((r.1.clone(), r, posting.into_iter().collect()));
            }
        }
    }
    if let Some(done) = cur.take() {
        out.push(finish(done)?);
    }
    Ok(out)
}

pub(crate) fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::MonthClose => "month_close",
        EntryKind::Payment => "payment",
        EntryKind::MonthPaid => "month_paid",
        EntryKind::InterestCredit => "interest_credit",
        EntryKind::Reversal => "reversal",
    }
}

/// The contribution month an entry is about (closes, creditings and their reversals).
pub(crate) fn subject_month(id: &EntryId) -> Option<YearMonth> {
    match id.subject {
        Subject::Close { month, .. } | Subject::MonthPaid { month, .. } => Some(month),
        _ => None,
    }
}

/// A new entry and its place in the worker's append order.
pub(crate) struct NewRow<'a> {
    pub seq: i32,
    pub entry: &'a Entry,
}

const INSERT_ENTRY: &str = "INSERT INTO journal_entries (worker_id, entry_id, seq, kind, period, month, reference, income_fen, base_fen, \
    contribution_fen, personal_account_fen, pooling_fen, subsidy_fen, net_fen, log_idx) VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, -1), NULLIF(?7, ''), \
    NULLIF(?8, -1), NULLIF(?9, -1), NULLIF(?10, -1), NULLIF(?11, -1), NULLIF(?12, -1), NULLIF(?13, -1), NULLIF(?14, -1), NULLIF(?15, -1))";
const INSERT_POSTING: &str = "INSERT INTO journal_postings (worker_id, entry_id, line, account, amount_fen) VALUES (?1, ?2, ?3, ?4, ?5)";

/// SQLite: step prepared inserts on the transaction's connection (a million entries through
/// sqlx's per-value channel cost more than the whole close).
pub(crate) async fn write_sqlite(tx: &mut Transaction<'static, Sqlite>, rows: &[NewRow<'_>], log_idx: i64) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut handle = tx.lock_handle().await?;
    let db = handle.as_raw_handle();
    // SAFETY: the handle is locked out of sqlx's worker while `handle` lives, and the raw
    // connection is dropped inside this block, before it.
    let out = in_place(|| {
        let conn = unsafe { RawConn::new(db) };
        write_raw(&conn, rows, log_idx)
    });
    drop(handle);
    out
}

/// A bulk write keeps its thread busy: on a multi-threaded runtime let other tasks move away.
fn in_place<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

fn write_raw(conn: &RawConn<'_>, rows: &[NewRow<'_>], log_idx: i64) -> Result<()> {
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
        ])?;
        for (line, p) in e.postings().iter().enumerate() {
            let account = p.account.to_string();
            post.execute(&[Int(w), Text(&id), Int(line as i64), Text(&account), Int(p.amount_fen)])?;
        }
    }
    Ok(())
}

/// PostgreSQL: one statement per table, the rows as arrays.
pub(crate) async fn write_postgres(tx: &mut Transaction<'static, Postgres>, rows: &[NewRow<'_>], log_idx: i64) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
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
