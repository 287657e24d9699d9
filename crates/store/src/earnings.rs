//! Platform earnings: the ingest's options and report, a worker's month income, the injury
//! premiums a platform owes, and request nonces.

use crate::backend::Sql;
use crate::error::RowError;
use crate::ids::{BatchId, PlatformId, WorkerId, month_code};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use flexpension_rules::injury::OrderType;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;

pub use crate::parse::{Format, MAX_ORDER_AMOUNT_FEN};

/// Rows per transaction for a file import (the CLI path).
pub const FILE_ROWS_PER_BATCH: usize = 50_000;
/// Records parsed, checked and written per step: the unit of pipelining and of memory.
pub const CHUNK_ROWS: usize = 50_000;

/// Row errors one report lists (an HTTP answer, a file import); the rest are only counted in
/// `errors_omitted`. 50,000 bad rows would otherwise make an answer of ~20 MB.
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// How to run an ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Settlement times after this are refused.
    pub now: DateTime<Utc>,
    /// Rows per transaction. `None`: the whole input is one batch, one transaction (an HTTP
    /// request). `Some(n)`: a file, committed every n rows, memory bounded whatever its size.
    pub rows_per_batch: Option<usize>,
    /// A request nonce, remembered in the first batch's transaction; a reused one refuses the
    /// whole call with [`StoreError::NonceReused`] and writes nothing.
    pub nonce: Option<String>,
    /// Row errors kept in the report (the rest are only counted).
    pub max_errors: usize,
    /// Records per step (see [`CHUNK_ROWS`]); a batch larger than this is written in steps
    /// inside its one transaction.
    pub chunk_rows: usize,
}

impl IngestOptions {
    /// One HTTP batch: one transaction, the first [`MAX_REPORTED_ERRORS`] row errors listed.
    pub fn request(now: DateTime<Utc>, nonce: Option<String>) -> IngestOptions {
        IngestOptions { now, rows_per_batch: None, nonce, max_errors: MAX_REPORTED_ERRORS, chunk_rows: CHUNK_ROWS }
    }
    /// A file: a transaction per 50,000 rows, the first [`MAX_REPORTED_ERRORS`] row errors kept.
    pub fn file(now: DateTime<Utc>) -> IngestOptions {
        IngestOptions {
            now,
            rows_per_batch: Some(FILE_ROWS_PER_BATCH),
            nonce: None,
            max_errors: MAX_REPORTED_ERRORS,
            chunk_rows: CHUNK_ROWS,
        }
    }
}

/// What an ingest did. `accepted + duplicate + conflicting + rejected` is the number of
/// records read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// New orders written.
    pub accepted: u64,
    /// Orders already stored (or earlier in the batch) with the same data: nothing written.
    pub duplicate: u64,
    /// Order ids already stored (or earlier in the batch) with other data: not written, and
    /// reported in `errors` with code `conflict`.
    pub conflicting: u64,
    /// Rows that failed a check: not written, reported in `errors`.
    pub rejected: u64,
    /// Income of the accepted orders.
    pub income_fen: Fen,
    /// Injury premium the accepted orders accrue to the platform.
    pub premium_fen: Fen,
    /// The committed batches (transactions), in order.
    pub batches: Vec<BatchId>,
    /// Row errors in line order (at most `max_errors`).
    pub errors: Vec<RowError>,
    /// Row errors beyond `max_errors`, counted only.
    pub errors_omitted: u64,
}

/// A worker's income in one month across all platforms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthIncome {
    pub worker: WorkerId,
    pub month: YearMonth,
    pub income_fen: Fen,
    pub orders: i64,
    pub by_platform: Vec<PlatformIncome>,
}

/// One platform's part of a worker's month income, serialized as the API and the CLI print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformIncome {
    #[serde(rename = "platform_id")]
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub platform: PlatformId,
    pub platform_name: String,
    pub income_fen: Fen,
    pub orders: i64,
}

/// The per-order injury premium a platform owes for a month and order type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InjuryPremiumTotal {
    pub platform: PlatformId,
    pub month: YearMonth,
    pub order_type: OrderType,
    pub orders: i64,
    pub premium_fen: Fen,
}

/// Order types as stored (SMALLINT).
pub(crate) fn order_type_code(t: OrderType) -> i16 {
    match t {
        OrderType::RideHailing => 1,
        OrderType::InstantDelivery => 2,
        OrderType::SameCityFreight => 3,
    }
}

pub(crate) fn order_type_from_code(c: i16) -> Option<OrderType> {
    OrderType::ALL.into_iter().find(|t| order_type_code(*t) == c)
}

fn month_income(worker: WorkerId, month: YearMonth, rows: Vec<(i64, String, i64, i64)>) -> MonthIncome {
    let by_platform: Vec<PlatformIncome> = rows
        .into_iter()
        .map(|(p, name, income_fen, orders)| PlatformIncome { platform: PlatformId(p), platform_name: name, income_fen, orders })
        .collect();
    MonthIncome {
        worker,
        month,
        income_fen: by_platform.iter().map(|p| p.income_fen).sum(),
        orders: by_platform.iter().map(|p| p.orders).sum(),
        by_platform,
    }
}

impl Store {
    /// A worker's month income across all platforms, from the kept aggregate (one index range).
    pub async fn worker_month_income(&self, worker: WorkerId, month: YearMonth) -> Result<MonthIncome> {
        const SQL: &str = "SELECT m.platform_id, p.name, m.income_fen, m.orders FROM month_income m \
            JOIN platforms p ON p.id = m.platform_id WHERE m.month = $1 AND m.worker_id = $2 ORDER BY m.platform_id";
        let rows: Vec<(i64, String, i64, i64)> = Sql::new(SQL).bind(month_code(month)).bind(worker.0).fetch_all(self.db()).await?;
        Ok(month_income(worker, month, rows))
    }

    /// The same figure recomputed from the stored earnings rows: the check that the aggregate
    /// equals the rows (audits and tests).
    pub async fn worker_month_income_from_rows(&self, worker: WorkerId, month: YearMonth) -> Result<MonthIncome> {
        // PostgreSQL's SUM(bigint) is NUMERIC: cast back.
        const SQL: &str = "SELECT e.platform_id, p.name, CAST(SUM(e.amount_fen) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM earnings e \
            JOIN platforms p ON p.id = e.platform_id WHERE e.month = $1 AND e.worker_id = $2 \
            GROUP BY e.platform_id, p.name ORDER BY e.platform_id";
        let rows: Vec<(i64, String, i64, i64)> = Sql::new(SQL).bind(month_code(month)).bind(worker.0).fetch_all(self.db()).await?;
        Ok(month_income(worker, month, rows))
    }

    /// The months in which a worker has income, newest first.
    pub async fn worker_income_months(&self, worker: WorkerId) -> Result<Vec<YearMonth>> {
        const SQL: &str = "SELECT DISTINCT month FROM month_income WHERE worker_id = $1 ORDER BY month DESC";
        let codes: Vec<i32> = Sql::new(SQL).bind(worker.0).scalars(self.db()).await?;
        Ok(codes.into_iter().filter_map(crate::ids::month_from_code).collect())
    }

    /// The injury premiums a platform owes for a month, per order type.
    pub async fn injury_premiums(&self, platform: PlatformId, month: YearMonth) -> Result<Vec<InjuryPremiumTotal>> {
        const SQL: &str = "SELECT order_type, orders, premium_fen FROM injury_premiums \
            WHERE platform_id = $1 AND month = $2 ORDER BY order_type";
        let rows: Vec<(i16, i64, i64)> = Sql::new(SQL).bind(platform.0).bind(month_code(month)).fetch_all(self.db()).await?;
        rows.into_iter()
            .map(|(t, orders, premium_fen)| {
                let order_type = order_type_from_code(t).ok_or_else(|| StoreError::Corrupt(format!("order type code {t}")))?;
                Ok(InjuryPremiumTotal { platform, month, order_type, orders, premium_fen })
            })
            .collect()
    }

    /// Remember a request nonce of a platform on its own (the batch ingest does this inside its
    /// transaction through [`IngestOptions::nonce`]). True when new, false when already used.
    pub async fn remember_nonce(&self, platform: PlatformId, nonce: &str, at: DateTime<Utc>) -> Result<bool> {
        check_nonce(nonce)?;
        let r = Sql::new("INSERT INTO nonces (platform_id, nonce, seen_at_us) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(platform.0)
            .bind(nonce)
            .bind(at.timestamp_micros())
            .execute(self.db())
            .await?;
        Ok(r == 1)
    }

    /// Forget nonces seen before `before` (the HTTP layer refuses requests older than its
    /// signature window anyway). Returns how many were dropped.
    pub async fn forget_nonces_before(&self, before: DateTime<Utc>) -> Result<u64> {
        Sql::new("DELETE FROM nonces WHERE seen_at_us < $1").bind(before.timestamp_micros()).execute(self.db()).await
    }

    /// Order counts and total income of a platform's stored orders (for reports and checks).
    pub async fn platform_order_totals(&self, platform: PlatformId) -> Result<(i64, Fen)> {
        const SQL: &str =
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM earnings WHERE platform_id = $1";
        Sql::new(SQL).bind(platform.0).fetch_one(self.db()).await
    }
}

pub(crate) fn check_nonce(nonce: &str) -> Result<()> {
    if nonce.is_empty() || nonce.len() > 128 {
        return Err(StoreError::invalid("nonce", "must be 1 to 128 bytes"));
    }
    Ok(())
}
