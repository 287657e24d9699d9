//! Worker import from CSV: `id_number,name,phone,hukou_region,grid[,pension_from]`. A row with
//! `pension_from` (YYYY-MM) also enrols the worker in the employee pension (flexible-worker
//! track, on platform income) from that month.
//!
//! Rows are read and checked here (ID check digits, phone, name, codes, keyed hashes, the
//! salted ID commitment); `batch` writes them a batch at a time in bulk.

use crate::error::{RowError, RowErrorCode as Code};
use crate::model::NewWorker;
use crate::registry::CheckedWorker;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use serde::Serialize;
use std::io::Read;

mod batch;

const REQUIRED: [&str; 5] = ["id_number", "name", "phone", "hukou_region", "grid"];

#[derive(Debug, Clone)]
pub struct WorkerImportOptions {
    /// Rows per transaction.
    pub rows_per_batch: usize,
    pub max_errors: usize,
}

/// Rows per transaction of an import: each batch is a few bulk statements and two log entries.
pub const IMPORT_ROWS_PER_BATCH: usize = 50_000;

impl Default for WorkerImportOptions {
    fn default() -> Self {
        WorkerImportOptions { rows_per_batch: IMPORT_ROWS_PER_BATCH, max_errors: crate::earnings::MAX_REPORTED_ERRORS }
    }
}

/// What a worker import did; `added + duplicate + conflicting + rejected` rows were read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, derive_more::AddAssign)]
pub struct WorkerImportReport {
    pub added: u64,
    /// Already registered with the same name, phone, region and grid.
    pub duplicate: u64,
    /// Already registered with other data: left as it was, reported in `errors`.
    pub conflicting: u64,
    pub rejected: u64,
    /// Employee-pension enrolments made from `pension_from`.
    pub enrolled: u64,
    #[add_assign(skip)]
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

/// Records read ahead and checked together on every core, while the batch before them is written.
const ROWS_PER_CHECK: usize = 8_192;

/// A record as read: its line, its fields and the salt drawn for it, or the error it already has.
struct Raw {
    line: u64,
    rec: csv::ByteRecord,
    salt: [u8; 32],
    early: Option<RowError>,
}

type Checked = std::result::Result<Good, RowError>;

impl Store {
    /// Import workers from CSV, committing every `rows_per_batch` good rows. Rows are checked on
    /// every core (the checks need no database), a chunk ahead of the batch being written; the
    /// results are taken in file order, so counts, errors, ids and log entries are those of
    /// checking the rows one by one. The same worker again is a no-op.
    pub async fn import_workers<R: Read>(&self, input: R, opts: &WorkerImportOptions) -> Result<WorkerImportReport> {
        // Records end at a line feed, so a CRLF file counts its lines as an LF one does; the
        // '\r' left at the end of the last field is dropped there (`check_import_row`).
        let mut rdr =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).terminator(csv::Terminator::Any(b'\n')).from_reader(input);
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
        let cols = std::sync::Arc::new(Columns { req, pension_from: names.iter().position(|n| n == "pension_from") });

        let mut report = WorkerImportReport::default();
        let mut good = Vec::new();
        let mut salts = Salts::default();
        let mut codes = batch::Codes::default();
        let mut pending: Option<tokio::sync::oneshot::Receiver<Vec<Checked>>> = None;
        loop {
            // Read the next chunk, then write what the chunk before it gave while it is checked.
            let (raws, failed) = read_chunk(&mut rdr, &mut salts);
            let next = (!raws.is_empty()).then(|| spawn_checks(self.clone(), cols.clone(), raws));
            if let Some(p) = pending.take() {
                self.take_checked(p, &mut good, &mut codes, &mut report, opts).await?;
            }
            if let Some(e) = failed {
                // As when reading row by row: the rows before the bad record count and make their
                // full batches; the rows after the last full batch are not written.
                if let Some(p) = next {
                    self.take_checked(p, &mut good, &mut codes, &mut report, opts).await?;
                }
                return Err(e);
            }
            pending = next;
            if pending.is_none() {
                break;
            }
        }
        if !good.is_empty() {
            self.import_batch(good, &mut codes, &mut report, opts.max_errors).await?;
        }
        report.errors.sort_by_key(|e| e.line);
        Ok(report)
    }

    /// Take a chunk's checked rows in file order, writing a batch each time `rows_per_batch` good
    /// rows are in hand.
    async fn take_checked(
        &self,
        checked: tokio::sync::oneshot::Receiver<Vec<Checked>>,
        good: &mut Vec<Good>,
        codes: &mut batch::Codes,
        report: &mut WorkerImportReport,
        opts: &WorkerImportOptions,
    ) -> Result<()> {
        let checked = checked.await.map_err(|_| StoreError::Corrupt("the row checks stopped".into()))?;
        for c in checked {
            match c {
                Ok(g) => good.push(g),
                Err(e) => {
                    report.rejected += 1;
                    report.error(e, opts.max_errors);
                }
            }
            if good.len() >= opts.rows_per_batch.max(1) {
                self.import_batch(std::mem::take(good), codes, report, opts.max_errors).await?;
            }
        }
        Ok(())
    }

    fn check_import_row(&self, rec: &csv::ByteRecord, cols: &Columns, line: u64, salt: [u8; 32]) -> std::result::Result<Good, RowError> {
        let text = |i: usize, field: &'static str| -> std::result::Result<&str, RowError> {
            let raw = rec.get(i).ok_or_else(|| RowError::new(line, field, Code::Malformed, "is missing (too few fields)"))?;
            // The '\r' of a CRLF line end, kept by a reader that ends records at '\n'.
            let raw = if i + 1 == rec.len() { raw.strip_suffix(b"\r").unwrap_or(raw) } else { raw };
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
        let worker = self.check_worker_salted(&w, salt).map_err(|e| match e {
            StoreError::Invalid { field: "id_number", reason } => RowError::new(line, "id_number", Code::InvalidId, reason),
            StoreError::Invalid { field: "phone", reason } => RowError::new(line, "phone", Code::Phone, reason),
            StoreError::Invalid { field: "home_grid", reason } => RowError::new(line, "grid", Code::Malformed, reason),
            StoreError::Invalid { field: "hukou_region", reason } => RowError::new(line, "hukou_region", Code::UnknownRegion, reason),
            StoreError::Invalid { field, reason } => RowError::new(line, field, Code::Malformed, reason),
            other => RowError::new(line, "line", Code::Malformed, other.to_string()),
        })?;
        Ok(Good { line, worker, pension_from })
    }
}

/// Up to [`ROWS_PER_CHECK`] records, each with a salt drawn in file order; and the error that
/// stopped the reading, if one did.
fn read_chunk<R: Read>(rdr: &mut csv::Reader<R>, salts: &mut Salts) -> (Vec<Raw>, Option<StoreError>) {
    let mut out = Vec::with_capacity(ROWS_PER_CHECK);
    while out.len() < ROWS_PER_CHECK {
        let mut rec = csv::ByteRecord::new();
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return (out, Some(csv_err(e))),
        }
        let line = rec.position().map_or(0, |p| p.line());
        let early = crate::parse::open_quote_error(&rec, line, rdr.position().line());
        let salt = match early {
            Some(_) => [0u8; 32],
            None => match salts.next() {
                Ok(s) => s,
                Err(e) => return (out, Some(e)),
            },
        };
        out.push(Raw { line, rec, salt, early });
    }
    (out, None)
}

/// Check a chunk on the thread pool; the results come back in the chunk's order.
fn spawn_checks(store: Store, cols: std::sync::Arc<Columns>, raws: Vec<Raw>) -> tokio::sync::oneshot::Receiver<Vec<Checked>> {
    use rayon::prelude::*;
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let out: Vec<Checked> = raws
            .into_par_iter()
            .with_min_len(256)
            .map(|r| match r.early {
                Some(e) => Err(e),
                None => store.check_import_row(&r.rec, &cols, r.line, r.salt),
            })
            .collect();
        // The receiver is gone only when the import already stopped.
        let _ = tx.send(out);
    });
    rx
}

/// Salts of ID commitments, drawn from the OS a thousand at a time.
#[derive(Default)]
struct Salts {
    buf: Vec<u8>,
}

impl Salts {
    fn next(&mut self) -> Result<[u8; 32]> {
        if self.buf.len() < 32 {
            self.buf.resize(32 * 1024, 0);
            getrandom::fill(&mut self.buf).map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        }
        let mut salt = [0u8; 32];
        salt.copy_from_slice(&self.buf[self.buf.len() - 32..]);
        self.buf.truncate(self.buf.len() - 32);
        Ok(salt)
    }
}

fn csv_err(e: csv::Error) -> StoreError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => StoreError::Io(io),
        other => StoreError::invalid("csv", format!("{other:?}")),
    }
}
