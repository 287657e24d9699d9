//! One batch of an import, one transaction, in bulk: resolve the regions and grids the batch
//! names, find which workers are registered (one statement or one prepared lookup per row), give
//! the new workers their ids ahead, log them (one `workers` entry with a tree over their rows),
//! insert them, then enrol: new workers in bulk, already registered ones one by one with the
//! overlap check, all under one `enrolments` entry. The counts and errors are those of checking
//! the rows one after the other.

use super::{Good, WorkerImportReport};
use crate::backend::{Found, IdTable, NewRow, Probe, Sql, Tx, placeholders};
use crate::enrol::{Basis, Enrolment, NewEnrolment, Scheme, enrolment_json, enrolments_record};
use crate::error::{RowError, RowErrorCode as Code};
use crate::ids::{EnrolmentId, FastMap, Hash32, WorkerId, month_code};
use crate::log::entry::{Record, WorkerRow, pack, row_bytes, row_hash};
use crate::registry::KEYS_PER_LOOKUP;
use crate::{Result, Store, StoreError};
use flexpension_tlog::Hash;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// Regions and grids known to exist, kept across the batches of one import (neither is ever
/// removed; codes not found are asked again in the next batch).
#[derive(Default)]
pub(super) struct Codes {
    regions: HashSet<String>,
    grids: HashMap<String, i64>,
}

impl Codes {
    async fn resolve(&mut self, tx: &mut Tx, rows: &[Good]) -> Result<()> {
        let regions: HashSet<&str> = rows
            .iter()
            .map(|g| g.worker.hukou_region.as_str())
            .filter(|r| !self.regions.contains(*r) && !crate::registry::is_division(r))
            .collect();
        let regions: Vec<&str> = regions.into_iter().collect();
        for part in regions.chunks(KEYS_PER_LOOKUP) {
            let sql = format!("SELECT code FROM regions WHERE code IN ({})", placeholders(1, part.len()));
            let found: Vec<String> = part.iter().fold(Sql::built(sql), |q, c| q.bind(*c)).scalars(&mut *tx).await?;
            self.regions.extend(found);
        }
        let grids: HashSet<&str> = rows.iter().map(|g| g.worker.home_grid.as_str()).filter(|c| !self.grids.contains_key(*c)).collect();
        let grids: Vec<&str> = grids.into_iter().collect();
        for part in grids.chunks(KEYS_PER_LOOKUP) {
            let sql = format!("SELECT code, id FROM grids WHERE code IN ({})", placeholders(1, part.len()));
            let found: Vec<(String, i64)> = part.iter().fold(Sql::built(sql), |q, c| q.bind(*c)).fetch_all(&mut *tx).await?;
            self.grids.extend(found);
        }
        Ok(())
    }
}

/// What became of a row whose region and grid exist.
#[derive(Clone, Copy)]
enum Fate {
    /// Registered by this batch (with the id given to it) or found with the same data.
    Worker { id: i64, new: bool },
    /// Registered with other data: the row is not applied.
    Conflict,
}

fn probe<'a>(g: &'a Good, grid_id: i64) -> Probe<'a> {
    let c = &g.worker;
    Probe { id_hash: &c.id_hash, name: &c.name, phone_hash: &c.phone_hash, hukou_region: &c.hukou_region, grid_id }
}

impl Store {
    pub(super) async fn import_batch(
        &self,
        rows: Vec<Good>,
        codes: &mut Codes,
        report: &mut WorkerImportReport,
        max_errors: usize,
    ) -> Result<()> {
        // Counted into a copy and kept only when the transaction commits.
        let mut r = WorkerImportReport::default();
        let at = self.now_us();
        let mut tx = self.db().begin_write().await?;
        tx.lock_registrations().await?;
        codes.resolve(&mut tx, &rows).await?;

        // Rows with a known region and grid, and the first row of each resident ID among them.
        let mut valid: Vec<(usize, i64)> = Vec::with_capacity(rows.len());
        for (i, g) in rows.iter().enumerate() {
            let c = &g.worker;
            // A division code was checked with the row (its province prefix); a region code must
            // be registered.
            if !crate::registry::is_division(&c.hukou_region) && !codes.regions.contains(&c.hukou_region) {
                r.rejected += 1;
                let reason = format!("'{}' is neither a registered region nor a 6-digit administrative division code", c.hukou_region);
                r.error(RowError::new(g.line, "hukou_region", Code::UnknownRegion, reason), max_errors);
            } else if let Some(&grid) = codes.grids.get(&c.home_grid) {
                valid.push((i, grid));
            } else {
                r.rejected += 1;
                r.error(
                    RowError::new(g.line, "grid", Code::UnknownGrid, format!("'{}' is not a registered grid", c.home_grid)),
                    max_errors,
                );
            }
        }
        let mut first: FastMap<Hash32, usize> = FastMap::default();
        let (mut firsts, mut repeats) = (Vec::new(), Vec::new());
        for &(i, grid) in &valid {
            if first.insert(rows[i].worker.id_hash, i).is_none() {
                firsts.push((i, grid));
            } else {
                repeats.push((i, grid));
            }
        }

        // The first rows against what is registered; the new ones get their ids.
        let probes: Vec<Probe<'_>> = firsts.iter().map(|&(i, grid)| probe(&rows[i], grid)).collect();
        let found = tx.find_workers(&probes).await?;
        let new_count = found.iter().filter(|f| f.is_none()).count();
        let mut ids = tx.next_ids(IdTable::Workers, new_count).await?.into_iter();
        let mut fate: Vec<Option<Fate>> = vec![None; rows.len()];
        let mut new_rows: Vec<NewRow<'_>> = Vec::with_capacity(new_count);
        for (&(i, grid_id), f) in firsts.iter().zip(&found) {
            fate[i] = Some(match f {
                Some(Found { id, same: true }) => Fate::Worker { id: *id, new: false },
                Some(Found { same: false, .. }) => Fate::Conflict,
                None => {
                    let id = ids.next().ok_or_else(|| StoreError::Corrupt("fewer worker ids than new workers".into()))?;
                    new_rows.push(NewRow { id, worker: &rows[i].worker, grid_id });
                    Fate::Worker { id, new: true }
                }
            });
        }
        // The batch's `workers` entry is sequenced before the rows go in, so each row carries
        // its index: the log's row lock is held for the insert (SQLite holds its write lock anyway).
        if !new_rows.is_empty() {
            let hashes: Vec<Hash> = new_rows
                .par_iter()
                .with_min_len(1024)
                .map(|n| {
                    row_hash(&WorkerRow {
                        worker: n.id,
                        id_commit: n.worker.id_commit.to_hex(),
                        hukou_region: n.worker.hukou_region.clone(),
                    })
                })
                .collect();
            let rec = Record::new("workers", at, serde_json::json!({"workers": hashes.len()})).with_rows(&hashes);
            let idx = tx.log_append(&rec, Some(pack(&hashes))).await?;
            // Inserted in ID-hash order: the unique index on it is then filled in one sweep.
            let mut sorted = new_rows.clone();
            sorted.par_sort_unstable_by(|a, b| a.worker.id_hash.cmp(&b.worker.id_hash));
            tx.insert_workers(&sorted, at, idx).await?;
        }
        r.added += new_rows.len() as u64;
        drop(new_rows);

        // Later rows of the same resident ID meet what now stands, as if read one by one.
        let probes: Vec<Probe<'_>> = repeats.iter().map(|&(i, grid)| probe(&rows[i], grid)).collect();
        let found = tx.find_workers(&probes).await?;
        for (&(i, _), f) in repeats.iter().zip(&found) {
            fate[i] = match f {
                Some(Found { id, same: true }) => Some(Fate::Worker { id: *id, new: false }),
                _ => Some(Fate::Conflict),
            };
        }
        for (g, f) in rows.iter().zip(&fate) {
            match f {
                Some(Fate::Worker { new: false, .. }) => r.duplicate += 1,
                Some(Fate::Conflict) => {
                    // The row is not applied at all, enrolment included.
                    r.conflicting += 1;
                    let reason = format!(
                        "a worker with the resident ID {} is registered with a different name, phone, region or grid; the row was not applied",
                        g.worker.id_masked
                    );
                    r.error(RowError::new(g.line, "id_number", Code::Conflict, reason), max_errors);
                }
                _ => {}
            }
        }

        let enrolled = self.enrol_batch(&mut tx, &rows, &fate, at, &mut r, max_errors).await?;
        if !enrolled.is_empty() {
            tx.log_append(&enrolments_record(&enrolled, at), Some(pack(&enrolled))).await?;
        }
        tx.commit().await?;
        let errors = std::mem::take(&mut r.errors);
        *report += r;
        for e in errors {
            report.error(e, max_errors);
        }
        Ok(())
    }

    /// The batch's enrolments from `pension_from`: those of workers it registered in bulk (they
    /// have none yet), then those of workers already registered one by one, with the check that
    /// refuses overlaps. Returns the leaf hashes of the enrolments made, in order.
    async fn enrol_batch(
        &self,
        tx: &mut Tx,
        rows: &[Good],
        fate: &[Option<Fate>],
        at: i64,
        r: &mut WorkerImportReport,
        max_errors: usize,
    ) -> Result<Vec<Hash>> {
        let mut fresh: Vec<(i64, flexpension_rules::YearMonth)> = Vec::new();
        let mut known: Vec<(usize, i64, flexpension_rules::YearMonth)> = Vec::new();
        let mut enrolled_new: HashSet<i64> = HashSet::new();
        for (i, (g, f)) in rows.iter().zip(fate).enumerate() {
            let (Some(Fate::Worker { id, new }), Some(from)) = (f, g.pension_from) else { continue };
            // A worker's first row registers them; a later row of theirs is a repeat.
            if *new && enrolled_new.insert(*id) {
                fresh.push((*id, from));
            } else {
                known.push((i, *id, from));
            }
        }
        let ids = tx.next_ids(IdTable::Enrolments, fresh.len()).await?;
        let bulk: Vec<Enrolment> = fresh
            .iter()
            .zip(ids)
            .map(|(&(w, from), id)| Enrolment {
                id: EnrolmentId(id),
                worker: WorkerId(w),
                scheme: Scheme::EmployeePension,
                from,
                to: None,
                basis: Basis::PlatformIncome,
            })
            .collect();
        tx.insert_enrolments(&bulk, at).await?;
        let mut hashes: Vec<Hash> =
            bulk.par_iter().with_min_len(1024).map(|e| flexpension_tlog::leaf_hash(&row_bytes(&enrolment_json(e)))).collect();
        r.enrolled += bulk.len() as u64;

        // Already enrolled from that month: nothing to do (a file imported again).
        let mut starts: HashSet<(i64, i32)> = HashSet::new();
        let workers: Vec<i64> = known.iter().map(|k| k.1).collect::<HashSet<i64>>().into_iter().collect();
        for part in workers.chunks(KEYS_PER_LOOKUP) {
            let sql = format!(
                "SELECT worker_id, from_month FROM enrolments WHERE scheme = 'employee_pension' AND worker_id IN ({})",
                placeholders(1, part.len())
            );
            let found: Vec<(i64, i32)> = part.iter().fold(Sql::built(sql), |q, w| q.bind(*w)).fetch_all(&mut *tx).await?;
            starts.extend(found);
        }
        for (i, id, from) in known {
            if starts.contains(&(id, month_code(from))) {
                continue;
            }
            let e = NewEnrolment { worker: WorkerId(id), scheme: Scheme::EmployeePension, from, to: None, basis: Basis::PlatformIncome };
            match tx.insert_enrolment_unlogged(&e, at).await {
                Ok(en) => {
                    starts.insert((id, month_code(from)));
                    r.enrolled += 1;
                    hashes.push(flexpension_tlog::leaf_hash(&row_bytes(&enrolment_json(&en))));
                }
                Err(err @ (StoreError::Exists { .. } | StoreError::Invalid { .. })) => {
                    r.error(RowError::new(rows[i].line, "pension_from", Code::Enrolment, format!("not enrolled: {err}")), max_errors)
                }
                Err(err @ StoreError::Frozen { .. }) => {
                    r.error(RowError::new(rows[i].line, "pension_from", Code::Frozen, format!("not enrolled: {err}")), max_errors)
                }
                Err(e) => return Err(e),
            }
        }
        Ok(hashes)
    }
}
