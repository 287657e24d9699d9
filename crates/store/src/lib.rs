//! The only crate that talks SQL: one domain-level [`Store`] over SQLite (the embedded default:
//! one file, WAL) or PostgreSQL (scale), chosen by URL.
//!
//! - Registry: [`Region`]s, [`Grid`]s, [`Platform`]s (with API keys kept only as hashes) and
//!   [`Worker`]s (resident ID and phone kept only as keyed hashes and masked forms).
//! - Enrolment per insurance type, unbundled: [`Scheme`], [`Enrolment`].
//! - Platform earnings in: streaming CSV / JSON-lines ingest, validated row by row, idempotent on
//!   (platform, order id), with the per-order injury premium and the worker's month income kept in
//!   the same transaction as the rows.
//!
//! See `docs/STORE.md` for the schema, keys, idempotency and conflict semantics.

mod backend;
mod earnings;
mod enrol;
mod error;
mod ids;
mod import;
mod ingest;
mod journal;
pub mod log;
mod model;
mod parse;
pub mod people;
mod registry;
mod store;

pub use earnings::{
    CHUNK_ROWS, FILE_ROWS_PER_BATCH, Format, IngestOptions, IngestReport, InjuryPremiumTotal, MAX_ORDER_AMOUNT_FEN, MonthIncome,
    PlatformIncome,
};
pub use enrol::{Basis, Enrolment, NewEnrolment, Scheme};
pub use error::{RowError, RowErrorCode, StoreError};
pub use ids::{ApiKey, BatchId, EnrolmentId, GridId, PlatformId, WorkerId};
pub use import::{WorkerImportOptions, WorkerImportReport};
pub use journal::{
    CHUNK_WORKERS, InterestReport, MonthClose, PaymentReport, PlatformWorkerMonth, RegionMonthTotals, SettleOptions, SettleReport,
    StatementMonth, WorkerStatement, parse_payer,
};
pub use model::{Grid, NewGrid, NewPlatform, NewWorker, Platform, Region, RevenueBand, Sex, Worker};
pub use store::{BackendKind, OpenOptions, Store};

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
