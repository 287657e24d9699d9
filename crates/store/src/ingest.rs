//! The earnings ingest: parse (on a blocking thread, a chunk ahead), resolve workers and grids,
//! check the rules, drop repeats within the batch, write, classify what was already stored.

use crate::backend::{BatchCounts, BatchRow, BatchTx, Stored};
use crate::earnings::{IngestOptions, IngestReport, check_nonce, order_type_code};
use crate::error::{RowError, RowErrorCode as Code};
use crate::ids::{BatchId, FastMap, PlatformId, month_from_code};
use crate::parse::{Chunk, Format, Parser};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use flexpension_rules::injury::OrderType;
use flexpension_rules::{Fen, Scenario};
use std::io::Read;

/// Month rules and premium rates, looked up once per month / day and order type.
struct RuleCache<'a, 's> {
    scenario: &'a Scenario<'s>,
    high: bool,
    months: FastMap<i32, Result<(), String>>,
    premiums: FastMap<(i32, OrderType), Result<Fen, String>>,
}

impl RuleCache<'_, '_> {
    fn month(&mut self, month: i32) -> Result<(), String> {
        let s = self.scenario;
        self.months
            .entry(month)
            .or_insert_with(|| {
                let m = month_from_code(month).ok_or_else(|| format!("month {month} is out of range"))?;
                s.month_rules(m).map(|_| ()).map_err(|e| format!("no contribution rules for {m} in region {}: {e}", s.region.code))
            })
            .clone()
    }

    /// The per-order premium on a China-time day: 0 before the region's injury cover starts.
    fn premium(&mut self, cn_day: i32, t: OrderType) -> Result<Fen, String> {
        let (s, high) = (self.scenario, self.high);
        self.premiums
            .entry((cn_day, t))
            .or_insert_with(|| {
                let date = NaiveDate::default()
                    .checked_add_signed(chrono::Duration::days(i64::from(cn_day)))
                    .ok_or_else(|| "date out of range".to_string())?;
                match s.region.injury_cover_from.at(date) {
                    Ok(d) if d.value => s
                        .params
                        .per_order_premium(t, high, date)
                        .map(|(fen, _)| fen)
                        .map_err(|e| format!("no per-order injury premium for {date}: {e}")),
                    _ => Ok(0),
                }
            })
            .clone()
    }
}

/// An open batch: its transaction and what it has seen.
struct Open {
    tx: BatchTx,
    id: BatchId,
    /// Order id -> the standing data (and whether an earlier batch stored it), for repeats.
    seen: FastMap<Box<str>, (Stored, bool)>,
    counts: BatchCounts,
    records: usize,
    /// Leaf hashes of the rows written, in order: the batch's own tree in the log.
    logged: Vec<flexpension_tlog::Hash>,
}

impl Store {
    /// Ingest a batch of settled orders of one platform from CSV or JSON lines, streaming.
    ///
    /// Each row is checked; good rows are written idempotently on (platform, order id): the
    /// same row again counts `duplicate`, the same order id with other data counts
    /// `conflicting` and is not written. The injury premium and the month income aggregate are
    /// updated in the same transaction as the rows. A batch is all its good rows or nothing: on
    /// a database or read error the open transaction rolls back and the call fails (with
    /// `rows_per_batch`, batches committed before stay, and a rerun counts them `duplicate`).
    pub async fn ingest_earnings<R: Read + Send + 'static>(
        &self,
        platform: PlatformId,
        scenario: &Scenario<'_>,
        input: R,
        format: Format,
        opts: &IngestOptions,
    ) -> Result<IngestReport> {
        let p = self.platform(platform).await?.ok_or_else(|| StoreError::NotFound { what: "platform", key: platform.to_string() })?;
        if let Some(n) = &opts.nonce {
            check_nonce(n)?;
        }
        let per_batch = opts.rows_per_batch.unwrap_or(usize::MAX).max(1);
        let chunk_rows = per_batch.min(opts.chunk_rows.max(1));
        let now_us = opts.now.timestamp_micros();

        // Parse a chunk ahead on a blocking thread; the channel bound keeps memory bounded.
        let (send, mut recv) = tokio::sync::mpsc::channel::<Result<Chunk>>(1);
        let pepper = self.pepper().clone();
        let reader = tokio::task::spawn_blocking(move || {
            let mut parser = match Parser::new(input, format, pepper, now_us) {
                Ok(p) => p,
                Err(e) => {
                    let _ = send.blocking_send(Err(e));
                    return;
                }
            };
            loop {
                let next = parser.next_chunk(chunk_rows);
                let stop = !matches!(next, Ok(Some(_)));
                let msg = match next {
                    Ok(Some(c)) => Ok(c),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                if send.blocking_send(msg).is_err() || stop {
                    break;
                }
            }
        });

        let mut rules = RuleCache { scenario, high: p.injury_high_level, months: FastMap::default(), premiums: FastMap::default() };
        let mut report = IngestReport::default();
        let mut open: Option<Open> = None;
        let mut nonce = opts.nonce.as_deref();
        let result: Result<()> = async {
            while let Some(chunk) = recv.recv().await {
                let chunk = chunk?;
                if open.is_none() {
                    let (tx, id) = self.db().begin_batch(platform, now_us, nonce.take()).await?;
                    open = Some(Open { tx, id, seen: FastMap::default(), counts: BatchCounts::default(), records: 0, logged: Vec::new() });
                }
                if let Some(o) = open.as_mut() {
                    self.ingest_chunk(platform, chunk, &mut rules, o, &mut report, opts.max_errors).await?;
                    if o.records >= per_batch
                        && let Some(o) = open.take()
                    {
                        o.tx.commit(platform, o.id, &o.counts, &o.logged, self.now_us()).await?;
                        report.batches.push(o.id);
                    }
                }
            }
            // An input with no rows still makes a batch: its nonce is remembered.
            if open.is_none() && report.batches.is_empty() {
                let (tx, id) = self.db().begin_batch(platform, now_us, nonce.take()).await?;
                open = Some(Open { tx, id, seen: FastMap::default(), counts: BatchCounts::default(), records: 0, logged: Vec::new() });
            }
            if let Some(o) = open.take() {
                o.tx.commit(platform, o.id, &o.counts, &o.logged, self.now_us()).await?;
                report.batches.push(o.id);
            }
            Ok(())
        }
        .await;
        // Dropping the receiver stops the parser; an open transaction rolls back on drop.
        drop(recv);
        drop(open);
        let _ = reader.await;
        result.map(|_| report)
    }

    async fn ingest_chunk(
        &self,
        platform: PlatformId,
        chunk: Chunk,
        rules: &mut RuleCache<'_, '_>,
        o: &mut Open,
        report: &mut IngestReport,
        max_errors: usize,
    ) -> Result<()> {
        let workers = self.resolve_workers(&mut o.tx, &chunk.ids).await?;
        let grids = self.resolve_grids(&mut o.tx, &chunk.grids).await?;
        let mut errors = chunk.errors;
        let mut rejected = chunk.rejected;
        let mut duplicate = 0u64;
        let mut conflicting = 0u64;
        let mut rows: Vec<BatchRow> = Vec::with_capacity(chunk.rows.len());
        o.seen.reserve(chunk.rows.len());
        let mut repeats: Vec<BatchRow> = Vec::new();
        o.records += chunk.rows.len() + chunk.rejected as usize;

        for r in chunk.rows {
            let before = errors.len();
            let worker = workers[r.id as usize];
            if worker.is_none() {
                let masked = &chunk.ids[r.id as usize].1;
                errors.push(RowError::new(
                    r.line,
                    "id_number",
                    Code::UnknownWorker,
                    format!("no registered worker has the resident ID {masked}"),
                ));
            }
            let grid = grids[r.grid as usize];
            if grid.is_none() {
                let code = &chunk.grids[r.grid as usize];
                errors.push(RowError::new(r.line, "grid", Code::UnknownGrid, format!("'{code}' is not a registered grid")));
            }
            if let Err(reason) = rules.month(r.month) {
                errors.push(RowError::new(r.line, "settled_at", Code::NoRules, reason));
            }
            let premium = rules.premium(r.cn_day, r.order_type);
            if let Err(reason) = &premium {
                errors.push(RowError::new(r.line, "settled_at", Code::NoRules, reason.clone()));
            }
            let (Some(worker_id), Some(grid_id), Ok(premium_fen), true) = (worker, grid, premium, errors.len() == before) else {
                rejected += 1;
                continue;
            };
            let row = BatchRow {
                line: r.line,
                order_id: r.order_id,
                month: r.month,
                worker_id,
                amount_fen: r.amount_fen,
                settled_at_us: r.settled_at_us,
                order_type: order_type_code(r.order_type),
                grid_id,
                premium_fen,
            };
            // A repeat within the batch never reaches the database; it is judged after the
            // write, against whichever version of the order stands (stored earlier or first here).
            if o.seen.contains_key(&row.order_id) {
                repeats.push(row);
            } else {
                o.seen.insert(row.order_id.clone(), (row.stored(), false));
                rows.push(row);
            }
        }

        let existing = o.tx.write(platform, o.id, &mut rows).await?;
        let mut skip = vec![false; rows.len()];
        for (i, stored) in existing {
            skip[i] = true;
            let row = &rows[i];
            o.seen.insert(row.order_id.clone(), (stored, true));
            if stored == row.stored() {
                duplicate += 1;
            } else {
                conflicting += 1;
                errors.push(conflict(row, &stored, true));
            }
        }
        for row in &repeats {
            match o.seen.get(&row.order_id) {
                Some((first, _)) if *first == row.stored() => duplicate += 1,
                Some((first, from_db)) => {
                    conflicting += 1;
                    errors.push(conflict(row, first, *from_db));
                }
                None => {}
            }
        }
        let accepted: Vec<&BatchRow> = rows.iter().zip(&skip).filter(|(_, s)| !**s).map(|(r, _)| r).collect();
        let mut buf = Vec::with_capacity(256);
        o.logged.extend(accepted.iter().map(|r| crate::log::entry::order_hash(&mut buf, platform, r)));
        let income_fen: Fen = accepted.iter().map(|r| r.amount_fen).sum();
        let premium_fen: Fen = accepted.iter().map(|r| r.premium_fen).sum();

        let c = &mut o.counts;
        c.accepted += accepted.len() as i64;
        c.duplicate += duplicate as i64;
        c.conflicting += conflicting as i64;
        c.rejected += rejected as i64;
        c.income_fen += income_fen;
        c.premium_fen += premium_fen;
        report.accepted += accepted.len() as u64;
        report.duplicate += duplicate;
        report.conflicting += conflicting;
        report.rejected += rejected;
        report.income_fen += income_fen;
        report.premium_fen += premium_fen;

        errors.sort_by_key(|e| e.line);
        for e in errors {
            if report.errors.len() < max_errors {
                report.errors.push(e);
            } else {
                report.errors_omitted += 1;
            }
        }
        Ok(())
    }
}

fn conflict(row: &BatchRow, standing: &Stored, from_db: bool) -> RowError {
    let id: String = row.order_id.chars().take(64).collect();
    let what = differences(standing, &row.stored());
    let r = if from_db {
        format!("order '{id}' was already recorded with a different {what}; this row was not written")
    } else {
        format!("order '{id}' appears earlier in this batch with a different {what}; this row was not written")
    };
    RowError::new(row.line, "order_id", Code::Conflict, r)
}

/// "amount and settled_at": which fields differ (the other worker is not named).
fn differences(a: &Stored, b: &Stored) -> String {
    let mut d = Vec::new();
    if a.worker_id != b.worker_id {
        d.push("worker");
    }
    if a.amount_fen != b.amount_fen {
        d.push("amount");
    }
    if a.settled_at_us != b.settled_at_us {
        d.push("settled_at");
    }
    if a.order_type != b.order_type {
        d.push("order_type");
    }
    if a.grid_id != b.grid_id {
        d.push("grid");
    }
    d.join(", ")
}

/// Parsing a format name: "csv" or "jsonl".
impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "jsonl" | "ndjson" | "json" => Ok(Format::JsonLines),
            other => Err(format!("'{other}' is not an input format (csv, jsonl)")),
        }
    }
}
