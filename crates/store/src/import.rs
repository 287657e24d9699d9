//! Worker import from CSV: `id_number,name,phone,hukou_region,grid[,pension_from]`. A row with
//! `pension_from` (YYYY-MM) also enrols the worker in the employee pension (flexible-worker
//! track, on platform income) from that month.

use crate::backend::{Sql, Tx};
use crate::enrol::{Basis, NewEnrolment, Scheme, enrolment_json, enrolments_record};
use crate::error::{RowError, RowErrorCode as Code};
use crate::ids::{WorkerId, month_code, month_from_code};
use crate::log::entry::{pack, row_bytes};
use crate::model::NewWorker;
use crate::registry::CheckedWorker;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use serde::Serialize;
use std::io::Read;

const REQUIRED: [&str; 5] = ["id_number", "name", "phone", "hukou_region", "grid"];

#[derive(Debug, Clone)]
pub struct WorkerImportOptions {
    /// Rows per transaction.
    pub rows_per_batch: usize,
    pub max_errors: usize,
}

impl Default for WorkerImportOptions {
    fn default() -> Self {
        WorkerImportOptions { rows_per_batch: 5_000, max_errors: crate::earnings::MAX_REPORTED_ERRORS }
    }
}

/// What a worker import did; `added + duplicate + conflicting + rejected` rows were read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkerImportReport {
    pub added: u64,
    /// Already registered with the same name, phone, region and grid.
    pub duplicate: u64,
    /// Already registered with other data: left as it was, reported in `errors`.
    pub conflicting: u64,
    pub rejected: u64,
    /// Employee-pension enrolments made from `pension_from`.
    pub enrolled: u64,
    pub errors: Vec<RowError>,
    pub errors_omitted: u64,
}

impl WorkerImportReport {
    fn error(&mut self, e: RowError, max: usize) {
        if self.errors.len() < max {
            self.errors.push(e);
        } else {
            self.errors_omitted += 1;
        }
    }
}

/// A row that passed the checks that need no database.
struct Good {
    line: u64,
    worker: CheckedWorker,
    pension_from: Option<YearMonth>,
}

/// Which column holds what.
struct Columns {
    req: [usize; 5],
    pension_from: Option<usize>,
}

impl Store {
    /// Import workers from CSV, committing every `rows_per_batch` rows. Rows are checked one by
    /// one; the same worker again is a no-op.
    pub async fn import_workers<R: Read>(&self, input: R, opts: &WorkerImportOptions) -> Result<WorkerImportReport> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut rec = csv::ByteRecord::new();
        if !rdr.read_byte_record(&mut rec).map_err(csv_err)? {
            return Err(StoreError::invalid("header", "the input is empty: expected a CSV header line"));
        }
        let names: Vec<String> =
            rec.iter().map(|f| String::from_utf8_lossy(f).trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
        let mut req = [0usize; 5];
        for (i, want) in REQUIRED.iter().enumerate() {
            req[i] = names.iter().position(|n| n == want).ok_or_else(|| {
                StoreError::invalid("header", format!("the CSV header has no '{want}' column (need {}[,pension_from])", REQUIRED.join(",")))
            })?;
        }
        let cols = Columns { req, pension_from: names.iter().position(|n| n == "pension_from") };

        let mut report = WorkerImportReport::default();
        let mut good = Vec::new();
        let per_batch = opts.rows_per_batch.max(1);
        loop {
            let more = rdr.read_byte_record(&mut rec).map_err(csv_err)?;
            if more {
                let line = rec.position().map_or(0, |p| p.line());
                let checked = match crate::parse::open_quote_error(&rec, line, rdr.position().line()) {
                    Some(e) => Err(e),
                    None => self.check_import_row(&rec, &cols, line),
                };
                match checked {
                    Ok(g) => good.push(g),
                    Err(e) => {
                        report.rejected += 1;
                        report.error(e, opts.max_errors);
                    }
                }
            }
            if good.len() >= per_batch || (!more && !good.is_empty()) {
                self.import_batch(std::mem::take(&mut good), &mut report, opts.max_errors).await?;
            }
            if !more {
                break;
            }
        }
        report.errors.sort_by_key(|e| e.line);
        Ok(report)
    }

    fn check_import_row(&self, rec: &csv::ByteRecord, cols: &Columns, line: u64) -> std::result::Result<Good, RowError> {
        let text = |i: usize, field: &'static str| -> std::result::Result<&str, RowError> {
            let raw = rec.get(i).ok_or_else(|| RowError::new(line, field, Code::Malformed, "is missing (too few fields)"))?;
            let t = std::str::from_utf8(raw).map_err(|_| RowError::new(line, field, Code::Malformed, "is not valid UTF-8 text"))?;
            match crate::parse::control_error(line, field, t) {
                Some(e) => Err(e),
                None => Ok(t),
            }
        };
        let w = NewWorker {
            id_number: text(cols.req[0], "id_number")?.to_string(),
            name: text(cols.req[1], "name")?.to_string(),
            phone: text(cols.req[2], "phone")?.to_string(),
            hukou_region: text(cols.req[3], "hukou_region")?.to_string(),
            home_grid: text(cols.req[4], "grid")?.to_string(),
        };
        let pension_from = match cols.pension_from.map(|i| text(i, "pension_from")).transpose()? {
            Some(t) if !t.trim().is_empty() => {
                Some(t.parse::<YearMonth>().map_err(|e| RowError::new(line, "pension_from", Code::Malformed, e.to_string()))?)
            }
            _ => None,
        };
        let worker = self.check_worker(&w).map_err(|e| match e {
            StoreError::Invalid { field: "id_number", reason } => RowError::new(line, "id_number", Code::InvalidId, reason),
            StoreError::Invalid { field: "phone", reason } => RowError::new(line, "phone", Code::Phone, reason),
            StoreError::Invalid { field: "home_grid", reason } => RowError::new(line, "grid", Code::Malformed, reason),
            StoreError::Invalid { field, reason } => RowError::new(line, field, Code::Malformed, reason),
            other => RowError::new(line, "line", Code::Malformed, other.to_string()),
        })?;
        Ok(Good { line, worker, pension_from })
    }

    async fn import_batch(&self, rows: Vec<Good>, report: &mut WorkerImportReport, max_errors: usize) -> Result<()> {
        // Counted into a copy and kept only when the transaction commits.
        let mut r = WorkerImportReport::default();
        let mut tx = self.db().begin_write().await?;
        let mut logged: Vec<(i64, flexpension_tlog::Hash, String)> = Vec::new();
        let mut enrolled: Vec<flexpension_tlog::Hash> = Vec::new();
        for g in &rows {
            let Some(id) = import_worker(&mut tx, g, &mut r, &mut logged, max_errors, self.now_us()).await? else { continue };
            let Some(from) = g.pension_from else { continue };
            let same: Option<i32> =
                Sql::new("SELECT from_month FROM enrolments WHERE worker_id = $1 AND scheme = 'employee_pension' AND from_month = $2")
                    .bind(id.0)
                    .bind(month_code(from))
                    .scalar_optional(&mut tx)
                    .await?;
            if same.and_then(month_from_code).is_some() {
                continue;
            }
            let e = NewEnrolment { worker: id, scheme: Scheme::EmployeePension, from, to: None, basis: Basis::PlatformIncome };
            match tx.insert_enrolment_unlogged(&e, self.now_us()).await {
                Ok(en) => {
                    r.enrolled += 1;
                    enrolled.push(flexpension_tlog::leaf_hash(&row_bytes(&enrolment_json(&en))));
                }
                Err(err @ (StoreError::Exists { .. } | StoreError::Invalid { .. })) => {
                    r.error(RowError::new(g.line, "pension_from", Code::Enrolment, format!("not enrolled: {err}")), max_errors)
                }
                Err(e) => return Err(e),
            }
        }
        let at = self.now_us();
        tx.log_workers(&logged, at).await?;
        // The batch's enrolments: one entry with a tree over them.
        if !enrolled.is_empty() {
            tx.log_append(&enrolments_record(&enrolled, at), Some(pack(&enrolled))).await?;
        }
        tx.commit().await?;
        report.added += r.added;
        report.duplicate += r.duplicate;
        report.conflicting += r.conflicting;
        report.rejected += r.rejected;
        report.enrolled += r.enrolled;
        for e in r.errors {
            report.error(e, max_errors);
        }
        report.errors_omitted += r.errors_omitted;
        Ok(())
    }
}

/// One row's worker: the id of the one registered with the same data, or of the one it adds
/// (remembered in `logged`). `None` when the row is not applied (counted and reported in `r`).
async fn import_worker(
    tx: &mut Tx,
    g: &Good,
    r: &mut WorkerImportReport,
    logged: &mut Vec<(i64, flexpension_tlog::Hash, String)>,
    max_errors: usize,
    at: i64,
) -> Result<Option<WorkerId>> {
    let c = &g.worker;
    let existing: Option<(i64, String, Vec<u8>, String, String)> = Sql::new(
        "SELECT w.id, w.name, w.phone_hash, w.hukou_region, g.code FROM workers w \
         JOIN grids g ON g.id = w.home_grid_id WHERE w.id_hash = $1",
    )
    .bind(c.id_hash.to_vec())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id, name, phone_hash, region, grid)) = existing {
        if name == c.name && phone_hash == c.phone_hash && region == c.hukou_region && grid == c.home_grid {
            r.duplicate += 1;
            return Ok(Some(WorkerId(id)));
        }
        // The row is not applied at all, enrolment included.
        r.conflicting += 1;
        let reason = format!(
            "a worker with the resident ID {} is registered with a different name, phone, region or grid; the row was not applied",
            c.id_masked
        );
        r.error(RowError::new(g.line, "id_number", Code::Conflict, reason), max_errors);
        return Ok(None);
    }
    match tx.insert_worker(c, at).await {
        Ok(id) => {
            r.added += 1;
            logged.push((id, c.id_commit, c.hukou_region.clone()));
            Ok(Some(WorkerId(id)))
        }
        Err(StoreError::NotFound { what: "region", key }) => {
            r.rejected += 1;
            r.error(RowError::new(g.line, "hukou_region", Code::UnknownRegion, format!("'{key}' is not a registered region")), max_errors);
            Ok(None)
        }
        Err(StoreError::NotFound { what: "grid", key }) => {
            r.rejected += 1;
            r.error(RowError::new(g.line, "grid", Code::UnknownGrid, format!("'{key}' is not a registered grid")), max_errors);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn csv_err(e: csv::Error) -> StoreError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => StoreError::Io(io),
        other => StoreError::invalid("csv", format!("{other:?}")),
    }
}
