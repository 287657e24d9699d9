//! Bulk registration for the worker import: which of a batch's workers are registered, ids
//! given out ahead of the insert (so the log's rows can name them before they are written), and
//! the inserts of workers and enrolments. SQLite steps prepared statements on the transaction's
//! connection; PostgreSQL looks workers up with arrays in one statement and COPYs the new rows in.

use super::Tx;
use super::pg_copy::copy_binary;
use super::sqlite_raw::{Val, with_raw};
use crate::enrol::Enrolment;
use crate::ids::{Hash32, month_code};
use crate::registry::CheckedWorker;
use crate::{Result, StoreError};

/// A worker to look up: its keyed ID hash and the data a registration with it should have.
pub(crate) struct Probe<'a> {
    pub id_hash: &'a Hash32,
    pub name: &'a str,
    pub phone_hash: &'a Hash32,
    pub hukou_region: &'a str,
    pub grid_id: i64,
}

/// A registered worker found by a probe: its id and whether its data is the probe's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub id: i64,
    pub same: bool,
}

/// A new worker with the id given to it ahead and its home grid's id.
#[derive(Clone, Copy)]
pub(crate) struct NewRow<'a> {
    pub id: i64,
    pub worker: &'a CheckedWorker,
    pub grid_id: i64,
}

/// The tables whose ids the import gives out ahead.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdTable {
    Workers,
    Enrolments,
}

impl IdTable {
    fn name(self) -> &'static str {
        match self {
            IdTable::Workers => "workers",
            IdTable::Enrolments => "enrolments",
        }
    }
}

const FIND_SQLITE: &str =
    "SELECT id, name = ?2 AND phone_hash = ?3 AND hukou_region = ?4 AND home_grid_id = ?5 FROM workers WHERE id_hash = ?1";

const FIND_PG: &str =
    "SELECT u.i, w.id, w.name = u.name AND w.phone_hash = u.phone AND w.hukou_region = u.region AND w.home_grid_id = u.grid
    FROM UNNEST($1::bytea[], $2::text[], $3::bytea[], $4::text[], $5::bigint[]) WITH ORDINALITY AS u (h, name, phone, region, grid, i)
    JOIN workers w ON w.id_hash = u.h";

const INSERT_WORKER_SQLITE: &str = "INSERT INTO workers (id, id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, \
    hukou_region, home_grid_id, created_at_us, id_salt, id_commit, log_idx, hukou_province) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, NULLIF(?15, ''))";

const COPY_WORKERS_PG: &str = "workers (id, id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, \
    hukou_region, home_grid_id, created_at_us, id_salt, id_commit, log_idx, hukou_province)";

const INSERT_ENROLMENT_SQLITE: &str = "INSERT INTO enrolments (id, worker_id, scheme, from_month, to_month, basis, created_at_us) \
    VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6)";

const COPY_ENROLMENTS_PG: &str = "enrolments (id, worker_id, scheme, from_month, to_month, basis, created_at_us)";

impl Tx {
    /// Hold off other registrations until the transaction ends, so that what [`Tx::find_workers`]
    /// saw still holds when the batch inserts, and so that [`Tx::next_ids`] can give out a
    /// block of ids that no other insert draws from meanwhile. SQLite's write lock already
    /// does; PostgreSQL locks the workers and enrolments tables against writes (reads go on),
    /// in the order a registration writes them.
    pub(crate) async fn lock_registrations(&mut self) -> Result<()> {
        match self {
            Tx::Sqlite(_) => Ok(()),
            Tx::Postgres(t) => {
                sqlx::query("LOCK TABLE workers, enrolments IN SHARE ROW EXCLUSIVE MODE").execute(&mut **t).await?;
                Ok(())
            }
        }
    }

    /// For each probe, the registered worker with its ID hash, if any.
    pub(crate) async fn find_workers(&mut self, probes: &[Probe<'_>]) -> Result<Vec<Option<Found>>> {
        let mut out = vec![None; probes.len()];
        if probes.is_empty() {
            return Ok(out);
        }
        match self {
            Tx::Sqlite(t) => {
                with_raw(t, |raw| {
                    let mut q = raw.prepare(FIND_SQLITE)?;
                    for (o, p) in out.iter_mut().zip(probes) {
                        let vals = [
                            Val::Blob(p.id_hash),
                            Val::Text(p.name),
                            Val::Blob(p.phone_hash),
                            Val::Text(p.hukou_region),
                            Val::Int(p.grid_id),
                        ];
                        *o = q.query_ints::<2>(&vals)?.map(|[id, same]| Found { id, same: same == 1 });
                    }
                    Ok(())
                })
                .await?;
            }
            Tx::Postgres(t) => {
                let hashes: Vec<&[u8]> = probes.iter().map(|p| &p.id_hash[..]).collect();
                let names: Vec<&str> = probes.iter().map(|p| p.name).collect();
                let phones: Vec<&[u8]> = probes.iter().map(|p| &p.phone_hash[..]).collect();
                let regions: Vec<&str> = probes.iter().map(|p| p.hukou_region).collect();
                let grids: Vec<i64> = probes.iter().map(|p| p.grid_id).collect();
                let rows: Vec<(i64, i64, Option<bool>)> =
                    sqlx::query_as(FIND_PG).bind(hashes).bind(names).bind(phones).bind(regions).bind(grids).fetch_all(&mut **t).await?;
                for (i, id, same) in rows {
                    let slot = usize::try_from(i - 1)
                        .ok()
                        .and_then(|i| out.get_mut(i))
                        .ok_or_else(|| StoreError::Corrupt(format!("probe {i}")))?;
                    *slot = Some(Found { id, same: same == Some(true) });
                }
            }
        }
        Ok(out)
    }

    /// `n` new ids of `table`, given out ahead of the insert (SQLite: past the largest, under
    /// the write lock; PostgreSQL: a block from the table's identity sequence). Only under
    /// [`Tx::lock_registrations`].
    pub(crate) async fn next_ids(&mut self, table: IdTable, n: usize) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self {
            Tx::Sqlite(t) => {
                // The table name is one of two constants, never input.
                let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name());
                let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut **t).await?;
                Ok((1..=n as i64).map(|k| max + k).collect())
            }
            Tx::Postgres(t) => {
                // One block: take the next id and move the sequence past the block's last
                // (nextval once per id cost 4 µs an id, 6.7 s of a million workers' import).
                // Safe because the import holds both tables against inserts
                // (`lock_registrations`), and only inserts into them draw from these sequences.
                let last: i64 = sqlx::query_scalar(
                    "SELECT setval(q.s, nextval(q.s) + $2 - 1) FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS s) q",
                )
                .bind(table.name())
                .bind(n as i64)
                .fetch_one(&mut **t)
                .await?;
                Ok((last - n as i64 + 1..=last).collect())
            }
        }
    }

    /// Insert new workers, registered at `at_us`, each with the log entry `log_idx` that lists them.
    pub(crate) async fn insert_workers(&mut self, rows: &[NewRow<'_>], at_us: i64, log_idx: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Sqlite(t) => {
                with_raw(t, |raw| {
                    let mut ins = raw.prepare(INSERT_WORKER_SQLITE)?;
                    for r in rows {
                        let c = r.worker;
                        ins.execute(&[
                            Val::Int(r.id),
                            Val::Blob(&c.id_hash),
                            Val::Text(&c.id_masked),
                            Val::Int(i64::from(c.birth_month)),
                            Val::Text(c.sex.as_str()),
                            Val::Text(&c.name),
                            Val::Blob(&c.phone_hash),
                            Val::Text(&c.phone_masked),
                            Val::Text(&c.hukou_region),
                            Val::Int(r.grid_id),
                            Val::Int(at_us),
                            Val::Blob(&c.id_salt),
                            Val::Blob(&c.id_commit.0),
                            Val::Int(log_idx),
                            // No province: '' here, NULL in the table (NULLIF above).
                            Val::Text(c.hukou_province.as_deref().unwrap_or("")),
                        ])?;
                    }
                    Ok(())
                })
                .await
            }
            Tx::Postgres(t) => {
                // COPY straight into the table: the ids were given out ahead.
                copy_binary(t, COPY_WORKERS_PG, rows.len(), |i, b| {
                    let (r, c) = (&rows[i], rows[i].worker);
                    b.row(15).i64(r.id).bytes(&c.id_hash).text(&c.id_masked).i32(c.birth_month).text(c.sex.as_str()).text(&c.name);
                    b.bytes(&c.phone_hash).text(&c.phone_masked).text(&c.hukou_region).i64(r.grid_id).i64(at_us);
                    b.bytes(&c.id_salt).bytes(&c.id_commit.0).i64(log_idx);
                    match &c.hukou_province {
                        Some(p) => b.text(p),
                        None => b.null(),
                    };
                })
                .await?;
                Ok(())
            }
        }
    }

    /// Insert enrolments made at `at_us` whose ids were given out ahead (no overlap check: the
    /// caller knows the workers have none).
    pub(crate) async fn insert_enrolments(&mut self, rows: &[Enrolment], at_us: i64) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Sqlite(t) => {
                with_raw(t, |raw| {
                    let mut ins = raw.prepare(INSERT_ENROLMENT_SQLITE)?;
                    for e in rows {
                        if e.to.is_some() {
                            return Err(StoreError::Corrupt("a bulk enrolment with an end".into()));
                        }
                        ins.execute(&[
                            Val::Int(e.id.0),
                            Val::Int(e.worker.0),
                            Val::Text(e.scheme.as_str()),
                            Val::Int(i64::from(month_code(e.from))),
                            Val::Text(e.basis.as_str()),
                            Val::Int(at_us),
                        ])?;
                    }
                    Ok(())
                })
                .await
            }
            Tx::Postgres(t) => {
                copy_binary(t, COPY_ENROLMENTS_PG, rows.len(), |i, b| {
                    let e = &rows[i];
                    b.row(7).i64(e.id.0).i64(e.worker.0).text(e.scheme.as_str()).i32(month_code(e.from));
                    b.opt_i32(e.to.map(month_code)).text(e.basis.as_str()).i64(at_us);
                })
                .await?;
                Ok(())
            }
        }
    }
}
