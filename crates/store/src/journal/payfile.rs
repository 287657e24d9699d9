//! Batch payments: a bank's or platform's remittance file (docs/JOURNAL.md, "The payment
//! file"). Each row is one payment, booked exactly as `Store::pay` books a single one (oldest
//! unpaid month first, creditings with it), idempotent on its reference: a retried file finds
//! its rows recorded and writes nothing twice. A row that fails any check is refused by line and
//! field and nothing of it is written; the others are booked, a chunk of workers per
//! transaction, each worker's rows in the order of the month received, then of the file.

use super::payment_reference;
use crate::backend::{Sql, placeholders};
use crate::error::{RowError, RowErrorCode as Code};
use crate::ids::{check_resident_id, month_code};
use crate::{Result, StoreError};
use flexpension_ledger::{EntryId, LedgerError, Payer, Payment, Subject, WorkerId};
use flexpension_rules::checkdigit::mask;
use flexpension_rules::money::parse_yuan;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::io::Read;

/// The columns of a payment file, in any order (more are refused).
pub const PAYMENT_COLUMNS: [&str; 5] = ["reference", "id_number", "amount_yuan", "month", "payer"];

/// Rows one file may carry (`flexpension pay --file`); the API's limit is lower.
pub const PAYMENT_FILE_MAX_ROWS: usize = 2_000_000;

/// Payments booked per transaction (whole workers): a payment writes 2 entries and 2 postings,
/// and a commit with its log entry costs about as much as a few thousand of them.
pub(crate) const PAYMENT_CHUNK_ROWS: usize = 50_000;

/// Row errors reported at most; the rest are counted in `errors_left_out`.
pub const PAYMENT_FILE_MAX_ERRORS: usize = 1_000;

/// What a payment file did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, derive_more::AddAssign)]
pub struct PaymentFileReport {
    /// Rows read (the header not counted).
    pub rows: u64,
    /// Payments booked now.
    pub accepted: u64,
    /// Payments already recorded with the same reference and amount: nothing written.
    pub duplicate: u64,
    /// Rows refused (listed in `errors`, up to the cap): nothing written for them.
    pub rejected: u64,
    /// The money booked now.
    pub amount_fen: Fen,
    /// Months credited (paid in full) by the payments booked now.
    pub months_credited: u64,
    #[add_assign(skip)]
    pub errors: Vec<RowError>,
    /// Row errors beyond the cap, counted but not listed.
    pub errors_left_out: u64,
}

/// One good row, resolved.
#[derive(Debug, Clone, Copy)]
struct Row {
    line: u64,
    worker: i64,
    payer: Payer,
    reference: i64,
    amount_fen: Fen,
    period: YearMonth,
}

/// A row as read, before the registry is asked.
struct Read1 {
    line: u64,
    hash: crate::ids::Hash32,
    masked: String,
    payer: Payer,
    reference: i64,
    amount_fen: Fen,
    period: YearMonth,
}

impl PaymentFileReport {
    fn refuse(&mut self, e: RowError) {
        self.rejected += 1;
        if self.errors.len() < PAYMENT_FILE_MAX_ERRORS {
            self.errors.push(e);
        } else {
            self.errors_left_out += 1;
        }
    }
}

impl crate::Store {
    /// Book a payment file (CSV, header `reference,id_number,amount_yuan,month,payer`). More
    /// than `max_rows` rows refuses the whole file before anything is written. `region`: only
    /// workers of this insurance region (an officer's scope); others are refused by row as
    /// unknown, so a file does not tell which IDs are registered elsewhere.
    pub async fn pay_file<R: Read>(&self, input: R, max_rows: usize, region: Option<&str>) -> Result<PaymentFileReport> {
        let mut report = PaymentFileReport::default();
        let rows = self.read_payment_file(input, max_rows, &mut report)?;
        let rows = self.resolve_payments(rows, region, &mut report).await?;
        self.book_payments(rows, &mut report).await?;
        report.errors.sort_by_key(|e| e.line);
        Ok(report)
    }

    /// Parse and check each row on its own (no registry yet).
    fn read_payment_file<R: Read>(&self, input: R, max_rows: usize, report: &mut PaymentFileReport) -> Result<Vec<Read1>> {
        let mut csv = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
        let header = csv.headers().map_err(|e| StoreError::invalid("header", format!("the file is not CSV: {e}")))?.clone();
        let col = |name: &str| header.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == name);
        let cols: Vec<usize> = PAYMENT_COLUMNS
            .iter()
            .map(|c| {
                col(c).ok_or_else(|| {
                    StoreError::invalid("header", format!("the header has no column '{c}': it is {}", PAYMENT_COLUMNS.join(",")))
                })
            })
            .collect::<Result<_>>()?;
        if header.len() != PAYMENT_COLUMNS.len() {
            return Err(StoreError::invalid(
                "header",
                format!("the header has {} columns, not {}", header.len(), PAYMENT_COLUMNS.join(",")),
            ));
        }
        let now = self.this_month();
        let pepper = self.pepper().clone();
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut line = 1u64;
        loop {
            line += 1;
            match csv.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let at = e.position().map_or(line, |p| p.line());
                    report.rows += 1;
                    report.refuse(RowError::new(at, "row", Code::Malformed, format!("not a CSV row: {e}")));
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        return Err(StoreError::invalid("file", format!("the file could not be read: {e}")));
                    }
                    continue;
                }
            }
            line = record.position().map_or(line, |p| p.line());
            report.rows += 1;
            if report.rows as usize > max_rows {
                return Err(StoreError::invalid("rows", format!("the file has more than {max_rows} rows: split it")));
            }
            if record.len() != PAYMENT_COLUMNS.len() {
                report.refuse(RowError::new(
                    line,
                    "row",
                    Code::Malformed,
                    format!("has {} fields, not {}", record.len(), PAYMENT_COLUMNS.len()),
                ));
                continue;
            }
            let f = |i: usize| record.get(cols[i]).unwrap_or("");
            match read_row(line, [f(0), f(1), f(2), f(3), f(4)], now, &pepper) {
                Ok(r) => out.push(r),
                Err(e) => report.refuse(e),
            }
        }
        Ok(out)
    }

    /// Workers by resident ID, platforms, enrolments: rows that fail are refused by line.
    async fn resolve_payments(&self, rows: Vec<Read1>, region: Option<&str>, report: &mut PaymentFileReport) -> Result<Vec<Row>> {
        let mut hashes: Vec<&[u8]> = rows.iter().map(|r| &r.hash[..]).collect();
        hashes.sort_unstable();
        hashes.dedup();
        // Each worker's id, then their home grid's region (an officer's scope; not the hukou,
        // which may be any division code) and the first month of their employee-pension
        // enrolments.
        const FIRST: &str = "(SELECT MIN(e.from_month) FROM enrolments e WHERE e.worker_id = w.id AND e.scheme = 'employee_pension')";
        let ids = "SELECT id FROM workers WHERE id_hash = ?1";
        let scope = format!("SELECT g.region_code, {FIRST} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id = ?1");
        let pg = format!(
            "SELECT w.id_hash, w.id, g.region_code, {FIRST} FROM workers w JOIN grids g ON g.id = w.home_grid_id WHERE w.id_hash = ANY($1)"
        );
        let found = self.db().payment_lookup([ids, &scope, &pg], &hashes).await?;
        // Whether each found worker is in scope, and their first month: the region's text is
        // dropped here, not kept per worker.
        let of: HashMap<i64, (bool, Option<i32>)> =
            found.scope.into_iter().map(|(id, g, from)| (id, (region.is_none_or(|r| r == g), from))).collect();
        // Keyed by the rows' own hashes (`found.ids` gives each key's place): no copy per row.
        let mut workers: HashMap<&[u8], i64> = HashMap::with_capacity(found.ids.len());
        let mut enrolled: HashMap<i64, i32> = HashMap::with_capacity(found.ids.len());
        for (k, id) in found.ids {
            let (Some(&(true, from)), Some(&hash)) = (of.get(&id), hashes.get(k)) else { continue };
            workers.insert(hash, id);
            enrolled.extend(from.map(|m| (id, m)));
        }
        let platforms: BTreeSet<i64> =
            rows.iter().filter_map(|r| if let Payer::Platform(p) = r.payer { Some(p.0) } else { None }).collect();
        let mut known = BTreeSet::new();
        let platforms: Vec<i64> = platforms.into_iter().collect();
        for part in platforms.chunks(crate::registry::KEYS_PER_LOOKUP) {
            let sql = format!("SELECT id FROM platforms WHERE id IN ({})", placeholders(1, part.len()));
            let found: Vec<i64> = part.iter().fold(Sql::built(sql), |q, p| q.bind(*p)).scalars(self.db()).await?;
            known.extend(found);
        }
        // Frozen accounts are few (transfers under way): read them all.
        let frozen: HashMap<i64, String> = self.freezes().await?.into_iter().map(|f| (f.worker.0, f.reason)).collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(&worker) = workers.get(&r.hash[..]) else {
                let of = region.map(|g| format!(" of region {g}")).unwrap_or_default();
                let reason = format!("no registered worker{of} has the resident ID {}", r.masked);
                report.refuse(RowError::new(r.line, "id_number", Code::UnknownWorker, reason));
                continue;
            };
            if let Some(reason) = frozen.get(&worker) {
                let reason = format!("the worker's account is frozen ({reason}): no payment is booked until it is unfrozen");
                report.refuse(RowError::new(r.line, "id_number", Code::Frozen, reason));
                continue;
            }
            if let Payer::Platform(p) = r.payer
                && !known.contains(&p.0)
            {
                report.refuse(RowError::new(r.line, "payer", Code::Payer, format!("platform {} is not registered", p.0)));
                continue;
            }
            match enrolled.get(&worker) {
                None => {
                    let reason = "the worker is not enrolled in the employee pension: there is nothing for the money to pay";
                    report.refuse(RowError::new(r.line, "id_number", Code::NotEnrolled, reason));
                    continue;
                }
                Some(&from) if from > month_code(r.period) => {
                    let from = crate::ids::month_from_code(from).map(|m| m.to_string()).unwrap_or_default();
                    let reason =
                        format!("money received in {} is before the worker's enrolment in the employee pension ({from})", r.period);
                    report.refuse(RowError::new(r.line, "month", Code::Period, reason));
                    continue;
                }
                Some(_) => {}
            }
            out.push(Row { line: r.line, worker, payer: r.payer, reference: r.reference, amount_fen: r.amount_fen, period: r.period });
        }
        Ok(out)
    }

    /// Book the resolved rows, a chunk of workers per transaction; the ledger refuses a row
    /// (received before the month it pays, a reference reused with another amount) as a whole.
    async fn book_payments(&self, mut rows: Vec<Row>, report: &mut PaymentFileReport) -> Result<()> {
        rows.sort_by_key(|r| (r.worker, r.period, r.line));
        let mut start = 0;
        while start < rows.len() {
            // Whole workers per chunk: about PAYMENT_CHUNK_ROWS rows.
            let mut end = (start + PAYMENT_CHUNK_ROWS).min(rows.len());
            while end < rows.len() && rows[end].worker == rows[end - 1].worker {
                end += 1;
            }
            let chunk = &rows[start..end];
            let (lo, hi) = (chunk[0].worker, chunk[chunk.len() - 1].worker);
            let mut ids: Vec<i64> = chunk.iter().map(|r| r.worker).collect();
            ids.dedup();
            let (mut part, _) = self
                .with_workers("payments", lo, hi, &ids, |l| {
                    let mut part = PaymentFileReport::default();
                    for r in chunk {
                        let p = Payment {
                            worker: WorkerId(r.worker),
                            payer: r.payer,
                            reference: r.reference,
                            amount_fen: r.amount_fen,
                            period: r.period,
                        };
                        let id = EntryId::new(p.worker, Subject::Payment { payer: p.payer, reference: p.reference });
                        let duplicate = l.entry(&id).is_some();
                        match l.pay(&p) {
                            Ok(_) if duplicate => part.duplicate += 1,
                            Ok(new) => {
                                part.accepted += 1;
                                part.amount_fen += p.amount_fen;
                                part.months_credited +=
                                    new.iter().filter(|e| matches!(e.id().subject, Subject::MonthPaid { .. }) && !e.id().reversal).count()
                                        as u64;
                            }
                            Err(e) => part.refuse(row_refusal(r.line, e)?),
                        }
                    }
                    Ok(part)
                })
                .await?;
            let errors = std::mem::take(&mut part.errors);
            *report += part;
            // Each listed error is counted in `rejected` already; `refuse` counts it again.
            for e in errors {
                report.rejected -= 1;
                report.refuse(e);
            }
            start = end;
        }
        Ok(())
    }
}

/// A ledger refusal of one row; anything else (a broken journal) fails the file.
fn row_refusal(line: u64, e: LedgerError) -> Result<RowError> {
    Ok(match e {
        LedgerError::Input { field: "period", reason, .. } => RowError::new(line, "month", Code::Period, reason),
        LedgerError::Input { field, reason, .. } => {
            RowError::new(line, if field == "amount_fen" { "amount_yuan" } else { field }, Code::Amount, reason)
        }
        LedgerError::Conflict { .. } => {
            RowError::new(line, "reference", Code::Conflict, "this reference was recorded for this worker and payer with another amount")
        }
        other => return Err(StoreError::Corrupt(other.to_string())),
    })
}

/// One row's fields (reference, id_number, amount_yuan, month, payer), checked on their own.
fn read_row(line: u64, f: [&str; 5], now: YearMonth, pepper: &crate::ids::Pepper) -> std::result::Result<Read1, RowError> {
    let [reference, id_number, amount, month, payer] = f;
    let reference =
        payment_reference(reference).map_err(|r| RowError::new(line, "reference", Code::Reference, format!("the reference {r}")))?;
    let (norm, _) = check_resident_id(id_number)
        .map_err(|r| RowError::new(line, "id_number", Code::InvalidId, format!("not a valid resident ID: {r}")))?;
    let amount_fen = parse_yuan(amount).map_err(|e| RowError::new(line, "amount_yuan", Code::Amount, e.to_string()))?;
    if amount_fen <= 0 {
        return Err(RowError::new(line, "amount_yuan", Code::Amount, "must be more than 0"));
    }
    let period: YearMonth =
        month.trim().parse().map_err(|e: flexpension_rules::time::BadMonth| RowError::new(line, "month", Code::Period, e.to_string()))?;
    if period > now {
        return Err(RowError::new(line, "month", Code::Period, format!("{period} is in the future (this month is {now})")));
    }
    let payer = super::parse_payer(payer).map_err(|r| RowError::new(line, "payer", Code::Payer, r))?;
    Ok(Read1 { line, hash: pepper.resident_id(norm.as_bytes()), masked: mask(&norm), payer, reference, amount_fen, period })
}
