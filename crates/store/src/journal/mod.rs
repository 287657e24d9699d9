//! The ledger on the store: `flexpension_ledger`'s append-only journal persisted on
//! both backends, and the operations that grow it — the month close, payments, year-end
//! interest — each computed by the pure ledger on the affected workers' stored entries and
//! written in the same transaction that read them.
//!
//! Serialising: every operation works on a range of workers inside one write transaction.
//! SQLite has one writer (`BEGIN IMMEDIATE`), so a transaction's reads are current until it
//! commits. PostgreSQL takes transaction advisory locks on the blocks of 65,536 worker ids the
//! range spans (in ascending order) before reading their entries. Either way a payment and a close of one worker never work
//! from the same snapshot, so no fen is lost or doubled.

mod close;
mod contract;
mod figures;
mod funded;
mod guard;
mod payfile;
mod read;
mod rows;

pub use close::{CloseOptions, CloseReport, MonthClose};
pub(crate) use guard::AgeLimits;
pub use payfile::{PAYMENT_COLUMNS, PAYMENT_FILE_MAX_ERRORS, PAYMENT_FILE_MAX_ROWS, PaymentFileReport};
pub use read::{PlatformWorkerMonth, RegionMonthTotals, StatementMonth, WorkerStatement};

use crate::backend::{NewEntry, Sql, Tx};
use crate::{Result, StoreError};
use flexpension_ledger::{Entry, Ledger, LedgerError, Payer, Payment, Subject, WorkerId};
use flexpension_rules::{Dec6, Fen, Params, YearMonth};
use rows::entries_from;
pub(crate) use rows::{JoinRow, SELECT_RANGE};
pub(crate) use rows::{kind_str, payment_amount, postings_derived, subject_month};
use serde::Serialize;
use std::collections::HashMap;

/// Workers per transaction of a month close or interest run.
pub const CHUNK_WORKERS: usize = 10_000;

/// A ledger refusal as a store error: input mistakes name their field; an id that exists with
/// other content (a payment reference reused for another amount) is `Exists`.
pub(crate) fn ledger_error(e: LedgerError) -> StoreError {
    match e {
        LedgerError::Input { field, reason, .. } => StoreError::Invalid { field, reason },
        LedgerError::Conflict { id } => StoreError::Exists { what: "journal entry with other content", key: id.to_string() },
        LedgerError::Param(p) => StoreError::invalid("month", p.to_string()),
        LedgerError::Interest(p) => StoreError::invalid("year", p.to_string()),
        e @ LedgerError::InterestOrder { .. } => StoreError::invalid("year", e.to_string()),
        LedgerError::BadYear { year } => StoreError::invalid("year", format!("{year} is out of range")),
        other => StoreError::Corrupt(other.to_string()),
    }
}

/// The log entry of one journal write at `at_us`: an operation over a range of workers, with a
/// tree over the entries it wrote.
fn journal_record(what: &str, lo: i64, hi: i64, rows: &[NewEntry<'_>], at_us: i64) -> (crate::log::entry::Record, Vec<u8>) {
    use crate::log::entry::{Record, journal_hash, pack};
    let mut buf = Vec::with_capacity(256);
    let hashes: Vec<flexpension_tlog::Hash> = rows.iter().map(|r| journal_hash(&mut buf, r.entry)).collect();
    let rec = Record::new("journal", at_us, serde_json::json!({"op": what, "workers": [lo, hi]})).with_rows(&hashes);
    (rec, pack(&hashes))
}

/// What a payment did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentReport {
    pub worker: i64,
    pub entry_id: String,
    pub amount_fen: Fen,
    /// The same payment (payer and reference) was already recorded: nothing was written.
    pub duplicate: bool,
    /// Months credited (paid in full) by this payment, oldest first.
    pub credited_months: Vec<YearMonth>,
    pub arrears_fen: Fen,
    pub credit_fen: Fen,
}

/// What a year-end interest run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InterestReport {
    pub year: i32,
    pub workers: u64,
    pub interest_fen: Fen,
}

impl crate::Store {
    /// Read the entries of workers `lo..=hi`, let `op` append to their ledger, and store exactly
    /// what it appended — all in one write transaction holding those workers (see the module
    /// docs). `lock` lists workers that may have no lock row yet. Returns `op`'s result and the
    /// number of entries written.
    pub(crate) async fn with_workers<R>(
        &self,
        what: &'static str,
        lo: i64,
        hi: i64,
        lock: &[i64],
        op: impl FnOnce(&mut Ledger) -> std::result::Result<R, StoreError>,
    ) -> Result<(R, usize)> {
        self.with_workers_when(what, lo, hi, lock, false, op).await
    }

    /// `with_workers`, and with `frozen_ok` also for frozen workers: a transfer books its funds
    /// out (and back, when refused) while the freeze holds the account still.
    pub(crate) async fn with_workers_when<R>(
        &self,
        what: &'static str,
        lo: i64,
        hi: i64,
        lock: &[i64],
        frozen_ok: bool,
        op: impl FnOnce(&mut Ledger) -> std::result::Result<R, StoreError>,
    ) -> Result<(R, usize)> {
        let mut tx = self.db().begin_write().await?;
        tx.lock_workers(lo, hi, lock).await?;
        // Under the lock a freeze also takes: a worker frozen since the caller's checks is
        // refused here rather than written.
        if !frozen_ok {
            tx.check_none_frozen(lo, hi, lock, what).await?;
        }
        let rows: Vec<JoinRow> = tx.read_journal(lo, hi).await?;
        let (r, new) = apply(rows, op)?;
        let logged = self.inner.log_journal.load(std::sync::atomic::Ordering::Relaxed);
        self.write_logged(&mut tx, &new.rows(), logged, (what, lo, hi)).await?;
        tx.commit().await?;
        Ok((r, new.len()))
    }

    /// Write a transaction's new journal rows and, unless `logged` is off (benchmarks), their
    /// log entry: its index is reserved first so the rows can carry it, and the entry (a tree
    /// over the rows) is inserted after them.
    async fn write_logged(&self, tx: &mut Tx, rows: &[NewEntry<'_>], logged: bool, (what, lo, hi): (&str, i64, i64)) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if !logged {
            return tx.write_journal(rows, -1).await;
        }
        let idx = tx.log_reserve().await?;
        tx.write_journal(rows, idx).await?;
        let (rec, packed) = journal_record(what, lo, hi, rows, self.now_us());
        tx.log_insert(idx, &rec, Some(packed)).await
    }

    /// Entries of workers `lo..=hi` (no lock: for reports and statements).
    pub(crate) async fn read_workers(&self, lo: i64, hi: i64) -> Result<Ledger> {
        let rows: Vec<JoinRow> = self.db().read_journal(lo, hi).await?;
        Ledger::from_entries(entries_from(rows)?).map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// The smallest and largest worker id with journal entries.
    pub(crate) async fn journal_bounds(&self) -> Result<Option<(i64, i64)>> {
        let b: (Option<i64>, Option<i64>) =
            Sql::new("SELECT MIN(worker_id), MAX(worker_id) FROM journal_entries").fetch_one(self.db()).await?;
        Ok(b.0.zip(b.1))
    }

    /// Record money received for a worker and credit the months it pays in full, oldest first.
    /// Idempotent on (worker, payer, reference): a retry finds the entry and writes nothing;
    /// the same reference with another amount is refused (`Exists`).
    pub async fn pay(&self, p: &Payment) -> Result<PaymentReport> {
        if self.worker(p.worker).await?.is_none() {
            return Err(StoreError::NotFound { what: "worker", key: p.worker.0.to_string() });
        }
        if let Some(f) = self.freeze(p.worker).await? {
            return Err(f.refusal("a payment"));
        }
        self.check_payment(p).await?;
        let w = p.worker;
        let id = flexpension_ledger::EntryId::new(w, Subject::Payment { payer: p.payer, reference: p.reference });
        let ((duplicate, credited, arrears), _) = self
            .with_workers("payment", w.0, w.0, &[w.0], |l| {
                let duplicate = l.entry(&id).is_some();
                let new = l.pay(p).map_err(ledger_error)?;
                let credited = credited_months(new);
                Ok((duplicate, credited, l.arrears(w)))
            })
            .await?;
        Ok(PaymentReport {
            worker: w.0,
            entry_id: id.to_string(),
            amount_fen: p.amount_fen,
            duplicate,
            credited_months: credited,
            arrears_fen: arrears.arrears_fen,
            credit_fen: arrears.credit_fen,
        })
    }

    /// Year end: credit `year`'s interest (the official credited rate, or `assumed_rate` where
    /// none is published) to every personal account, a chunk of workers per transaction. Workers
    /// already credited for the year are skipped, so running it again is a no-op.
    pub async fn credit_interest(&self, year: i32, params: &Params, assumed_rate: Option<Dec6>) -> Result<InterestReport> {
        let mut out = InterestReport { year, workers: 0, interest_fen: 0 };
        // Years are credited in order: refused whole, before any chunk is written, when a later
        // year's interest is on the books (the ledger refuses it per worker too).
        let december = YearMonth::new(year, 12).ok_or_else(|| StoreError::invalid("year", format!("{year} is out of range")))?;
        const LATER: &str = "SELECT CAST(MAX(period) AS BIGINT) FROM journal_entries WHERE kind = 'interest_credit' AND period > $1";
        let later: Option<i64> = Sql::new(LATER).bind(crate::ids::month_code(december)).scalar(self.db()).await?;
        if let Some(later) = later {
            return Err(StoreError::invalid(
                "year",
                format!("{}'s interest is already credited, so {year}'s cannot be: years are credited in order", later / 100),
            ));
        }
        let Some((lo, hi)) = self.journal_bounds().await? else { return Ok(out) };
        let mut start = lo;
        while start <= hi {
            let end = start.saturating_add(CHUNK_WORKERS as i64 - 1).min(hi);
            let ((n, fen), _) = self
                .with_workers("interest", start, end, &[], |l| {
                    let new = l.credit_interest(year, params, assumed_rate).map_err(ledger_error)?;
                    Ok((new.len() as u64, new.iter().map(interest_of).sum::<Fen>()))
                })
                .await?;
            out.workers += n;
            out.interest_fen += fen;
            start = end.saturating_add(1);
        }
        Ok(out)
    }

    /// The sum of every stored posting: 0 unless the journal is broken.
    pub async fn trial_balance(&self) -> Result<Fen> {
        Sql::new("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM journal_postings").scalar(self.db()).await
    }

    /// Every account's balance as the sum of its postings (debit positive), non-zero ones only,
    /// by account key: the derived balances, for checks against the ledger. The stored postings
    /// are summed by the database; the unwritten ones of closes and creditings are derived from
    /// the dues stored on the closes, and those of payments from their amounts, in the
    /// database's rows (not through the ledger).
    pub async fn account_balances(&self) -> Result<Vec<(String, Fen)>> {
        const STORED: &str = "SELECT account, CAST(SUM(amount_fen) AS BIGINT) FROM journal_postings GROUP BY account";
        // Closes and creditings without stored postings, each with the due it follows from (a
        // close's own, a crediting's close's).
        const DERIVED: &str = "SELECT e.kind, c.entry_id, c.income_fen, c.base_fen, c.contribution_fen, c.personal_account_fen, \
            c.pooling_fen, c.subsidy_fen, c.net_fen FROM journal_entries e JOIN journal_entries c ON c.worker_id = e.worker_id \
            AND c.entry_id = COALESCE(e.reference, e.entry_id) WHERE e.kind IN ('month_close', 'month_paid') \
            AND NOT EXISTS (SELECT 1 FROM journal_postings p WHERE p.worker_id = e.worker_id AND p.entry_id = e.entry_id)";
        type DerivedRow = (String, String, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let mut sums: std::collections::BTreeMap<String, Fen> = Sql::new(STORED).fetch_all(self.db()).await?.into_iter().collect();
        let derived: Vec<DerivedRow> = Sql::new(DERIVED).fetch_all(self.db()).await?;
        // Payments written with their amount instead of their postings.
        const PAYMENTS: &str = "SELECT entry_id, amount_fen FROM journal_entries WHERE kind = 'payment' AND amount_fen IS NOT NULL";
        let payments: Vec<(String, i64)> = Sql::new(PAYMENTS).fetch_all(self.db()).await?;
        let mut add = |postings: &[flexpension_ledger::Posting]| {
            for p in postings {
                *sums.entry(p.account.to_string()).or_default() += p.amount_fen;
            }
        };
        for (kind, close, i, b, c, pa, pool, sub, net) in derived {
            let bad = || StoreError::Corrupt(format!("journal entry {close}: a close without its due"));
            let id: flexpension_ledger::EntryId = close.parse().map_err(|_| bad())?;
            let d = rows::due_of((i, b, c, pa, pool, sub, net)).ok_or_else(bad)?;
            if kind == "month_close" {
                add(&flexpension_ledger::close_postings(id, &d));
            } else {
                add(&flexpension_ledger::paid_postings(id, &d));
            }
        }
        for (id, amount) in payments {
            let bad = || StoreError::Corrupt(format!("journal entry {id}: not a payment's id"));
            let eid: flexpension_ledger::EntryId = id.parse().map_err(|_| bad())?;
            add(&flexpension_ledger::payment_postings(eid, amount).ok_or_else(bad)?);
        }
        // Byte order on both backends, whatever the database's collation.
        Ok(sums.into_iter().filter(|(_, v)| *v != 0).collect())
    }

    /// Every stored entry of one worker, in append order (audits, tests).
    pub async fn worker_entries(&self, worker: WorkerId) -> Result<Vec<Entry>> {
        Ok(self.read_workers(worker.0, worker.0).await?.entries().to_vec())
    }
}

fn interest_of(e: &Entry) -> Fen {
    e.postings().iter().filter(|p| matches!(p.account, flexpension_ledger::Account::InterestExpense)).map(|p| p.amount_fen).sum()
}

/// Entries an operation appended, with their place in each worker's order.
struct Appended {
    entries: Vec<Entry>,
    seqs: Vec<i32>,
}

impl Appended {
    fn rows(&self) -> Vec<NewEntry<'_>> {
        self.entries.iter().zip(&self.seqs).map(|(entry, &seq)| NewEntry { seq, entry }).collect()
    }
    fn len(&self) -> usize {
        self.entries.len()
    }
}

fn apply<R>(rows: Vec<JoinRow>, op: impl FnOnce(&mut Ledger) -> std::result::Result<R, StoreError>) -> Result<(R, Appended)> {
    let stored = entries_from(rows)?;
    let before = stored.len();
    let mut next: HashMap<WorkerId, i32> = HashMap::new();
    for e in &stored {
        *next.entry(e.id().worker).or_default() += 1;
    }
    let mut l = Ledger::from_entries(stored).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let r = op(&mut l)?;
    let entries = l.entries()[before..].to_vec();
    let seqs = entries
        .iter()
        .map(|e| {
            let n = next.entry(e.id().worker).or_default();
            *n += 1;
            *n - 1
        })
        .collect();
    Ok((r, Appended { entries, seqs }))
}

/// A payer from its CLI form: `self` or `platform:ID`.
pub fn parse_payer(s: &str) -> std::result::Result<Payer, String> {
    match s.trim() {
        "self" => Ok(Payer::SelfPaid),
        t => t
            .strip_prefix("platform:")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| *id > 0)
            .map(|id| Payer::Platform(flexpension_ledger::PlatformId(id)))
            .ok_or_else(|| format!("'{t}' is not a payer: use self or platform:ID")),
    }
}

/// The ledger's number for a payment reference (the bank's or platform's own transaction
/// reference, an opaque string compared exactly): a decimal number written plainly (no sign,
/// no leading zero, below 2^62) is itself; any other text, "007" included, is 2^62 + the first
/// 62 bits of its SHA-256. So "7" and "007" are two payments, and two texts share a number only
/// if their hashes collide (about n² / 2^63 for n references of one worker and payer). Empty
/// text, spaces at either end and control characters are refused.
pub fn payment_reference(s: &str) -> std::result::Result<i64, String> {
    const HASHED: u64 = 1 << 62;
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.trim() != s || s.chars().any(char::is_control) {
        return Err("has spaces at an end or control characters".into());
    }
    if let Ok(n) = s.parse::<u64>()
        && n < HASHED
        && n.to_string() == s
    {
        return Ok(n as i64);
    }
    use sha2::Digest;
    let h = sha2::Sha256::digest(s.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    Ok((HASHED | (u64::from_be_bytes(b) >> 2)) as i64)
}

/// The months a payment's new entries credit (paid in full), oldest first.
pub(crate) fn credited_months(new: &[flexpension_ledger::Entry]) -> Vec<YearMonth> {
    new.iter()
        .filter_map(|e| match e.id().subject {
            Subject::MonthPaid { month, .. } if !e.id().reversal => Some(month),
            _ => None,
        })
        .collect()
}
