//! The only crate that talks SQL: one domain-level [`Store`] over SQLite (the embedded default:
//! one file, WAL) or PostgreSQL (scale), chosen by URL. See `docs/STORE.md` for the schema,
//! keys, idempotency and conflict semantics, `docs/JOURNAL.md` for the ledger on the store and
//! `docs/LOG.md` for the tamper-evident log.
//!
//! | module | what it holds |
//! |---|---|
//! | `store` | [`Store::open`], [`OpenOptions`] (pool size, PostgreSQL schema, clock), the pepper, in-process caches |
//! | `clock` | [`Clock`]: where every time the store writes comes from ([`SystemClock`], [`FixedClock`]) |
//! | `backend` | everything that differs between SQLite and PostgreSQL: the pool `Db`, the write transaction `Tx`, the query value `Sql`, bulk writes, row locks, the one unsafe helper; `backend::migrations`: the schema written once in PostgreSQL's dialect, translated for SQLite |
//! | `registry` | regions, grids, platforms and API keys, workers (`Tx::insert_worker`, `Tx::log_workers`) |
//! | `peers` | peer agencies (对端经办机构): region code, URL, log verifier key ([`Store::add_peer`], [`Store::peers`]) |
//! | `agency` | signed messages between agencies: the outbox (`Tx::enqueue_agency_message`, delivery attempts and backoff) and the inbox ([`Store::receive_agency_message`]) |
//! | `transfer` | the transfer between regions (转移接续): the application ([`Store::request_transfer`]), the handlers of the agencies' messages ([`Store::handle_agency_messages`]), months by region |
//! | `freeze` | a worker's account frozen (冻结) with a reason ([`Store::freeze_worker`]); what it refuses |
//! | `choice` | the worker's own choices: leaving a scheme, the chosen base the close bills, the pension savings account (deposits, room, payments from it) |
//! | `enrol` | enrolment per insurance type ([`Scheme`], [`Enrolment`]; `Tx::insert_enrolment`) |
//! | `import` | the worker import from CSV ([`Store::import_workers`]) |
//! | `parse` | reading earnings CSV / JSON lines row by row, with each row's checks |
//! | `ingest` | the earnings ingest ([`Store::ingest_earnings`]): parse, resolve, check, write, classify |
//! | `earnings` | the ingest's options and report, month incomes, injury premiums, nonces |
//! | `journal` | the ledger on the store: the month close ([`Store::close_month`]), payments ([`Store::pay`]), interest, statements and reports |
//! | `complaint` | complaints (一键维权): filing with sealed evidence ([`Store::file_complaint`]), steps with who and when, the 72-hour deadline run ([`Store::complaint_sla`]), breaches for credit, the evidence package ([`verify_package`]) |
//! | `credit` | platform credit ratings ([`Store::credit_run`], [`Store::credit_ratings`]): insured shares, grades, the sanctions list, each change logged |
//! | `appeals` | a platform's own rating in detail: its history, the notices it gets ([`Store::credit_notices`]), the workers behind a month (masked), appeals and the agency's decisions (logged) |
//! | `monitor` | risk monitoring ([`Store::monitor_run`]): the rules core's risks per worker kept as open alerts |
//! | `ops` | what operations reads: the figures behind `/metrics` ([`Store::ops_figures`]), readiness ([`Store::readiness`]), the online SQLite backup ([`Store::backup_into`]) |
//! | `outreach` | the outreach model's features per worker from incomes, orders and enrolments ([`Store::outreach_features`]); a month's model and scores kept ([`Store::outreach_keep`]) and read back as the agency's targets |
//! | [`log`] | the tamper-evident log: sequencing (`Tx::log_append`), integration, proofs, bundles, the audit |
//! | [`people`] | people who log in, sessions, the scoped income listings, the access log, grid workers and their alerts |
//! | `ids` | ids ([`WorkerId`] and [`PlatformId`] are the ledger's, re-exported), keyed hashes, API keys |
//! | `model` | registry types: [`Region`], [`Grid`], [`Platform`], [`Worker`] |
//! | `error` | [`StoreError`] and the row errors of imports ([`RowError`]) |
//!
//! Personal numbers never reach the database in clear: resident IDs and phones are kept as
//! keyed hashes (HMAC with the store's pepper) and masked forms; a number a worker gives for
//! their grid worker to call is sealed with the pepper and opened only by a logged reveal. Time is never read here: it
//! comes from the clock in [`OpenOptions`] or from the caller.
// unsafe_code is denied by the crate's lints (Cargo.toml); only backend::sqlite_raw allows it.

mod agency;
mod appeals;
mod backend;
mod choice;
mod clock;
mod complaint;
mod credit;
mod earnings;
mod enrol;
mod error;
mod freeze;
mod fund;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod ids;
mod import;
mod ingest;
mod journal;
pub mod kiosk;
pub mod log;
mod model;
mod monitor;
mod notices;
mod ops;
mod outreach;
mod parse;
mod peers;
pub mod people;
mod registry;
mod store;
mod transfer;
mod union;

pub use agency::{AgencyAck, DELIVERY_BACKOFF_FIRST_US, DELIVERY_BACKOFF_MAX_US, InboxMessage, OutboxMessage, delivery_backoff_us};
pub use appeals::{APPEAL_TEXT_MAX_CHARS, Appeal, Notice, NoticeKind, RatedMonth, RatedWorker, WARN_MONTHS_BEFORE};
pub use backend::BackendKind;
pub use backend::migrations::sqlite as sqlite_migrations;
pub use choice::{BaseChoice, SavingsMove, SavingsStatus};
pub use clock::{Clock, FixedClock, SystemClock};
pub use complaint::{
    Breach, Complaint, ComplaintSummary, EvidencePackage, MAX_EVIDENCE_ORDERS, NewComplaint, NewUpload, PACKAGE_FORMAT, PackageUpload,
    SealedComplaint, SlaReport, Step, UploadInfo, rfc3339, verify_package,
};
pub use credit::{CreditReport, PlatformRating};
pub use earnings::{
    CHUNK_ROWS, FILE_ROWS_PER_BATCH, Format, IngestOptions, IngestReport, InjuryPremiumTotal, MAX_ORDER_AMOUNT_FEN, MAX_REPORTED_ERRORS,
    MonthIncome, PlatformIncome,
};
pub use enrol::{Basis, Enrolment, NewEnrolment, Scheme};
pub use error::{RowError, RowErrorCode, StoreError};
pub use freeze::{Freeze, MAX_FREEZE_REASON};
pub use fund::{
    Allocation, Appropriation, Contract, FUND_YEARS, FundFigures, FundMonthCity, FundReport, MAX_APPROPRIATION_FEN,
    MAX_REMITTANCE_REFERENCE, MAX_SUPPLEMENTARY, MAX_UNION_NAME, NewContract, PlatformArrears, PlatformBill, Remittance, WorkerGrant,
    WorkerShare, city_of_grid,
};
pub use ids::{ApiKey, BatchId, EnrolmentId, GridId, PlatformId, WorkerId};
pub use import::{WorkerImportOptions, WorkerImportReport};
pub use journal::{
    CHUNK_WORKERS, CloseOptions, CloseReport, InterestReport, MonthClose, PAYMENT_COLUMNS, PAYMENT_FILE_MAX_ERRORS, PAYMENT_FILE_MAX_ROWS,
    PaymentFileReport, PaymentReport, PlatformWorkerMonth, RegionMonthTotals, StatementMonth, WorkerStatement, parse_payer,
    payment_reference,
};
pub use model::{Grid, NewGrid, NewPlatform, NewWorker, Platform, Region, RevenueBand, Sex, Worker};
pub use monitor::{Alert, MonitorReport, Standing};
pub use notices::{
    ArmOutcome, MAX_NOTICES_LISTED, MAX_NOTICES_PER_RUN, MAX_QUIZ_ANSWERS, MAX_REPORTS, NewNotice, NoticeCounts, NoticeEvent, NoticeInput,
    NoticeReport, OutreachNotice, PlatformNotice, day_code,
};
pub use ops::{OpsFigures, Readiness};
pub use outreach::{FEATURE_WINDOW_MONTHS, MAX_OUTREACH_SCORES, OutreachFeatures, OutreachRun, OutreachScore, OutreachTarget};
pub use peers::{NewPeer, Peer, PeerAdded, check_peer};
pub use store::{OpenOptions, Store};
pub use transfer::{
    FORM_SEAL_SECONDS, HANDLE_BATCH as TRANSFER_HANDLE_BATCH, KIND_REFUSE as TRANSFER_KIND_REFUSE, MAX_QUOTE_STEP_CHARS, MAX_QUOTE_STEPS,
    MAX_REFUSAL_REASON, MonthsByRegion, QUEUE_ENDED as TRANSFER_QUEUE_ENDED, QUEUE_OPEN as TRANSFER_QUEUE_OPEN, QuoteRequest, QuoteStep,
    REASON_FROZEN, REASON_FUNDS, REASON_NOT_REGISTERED, REASON_POSTING, REASON_UNDER_WAY, REASONS_VOUCHER, RegionMonths,
    TRANSFER_VOUCHER_FORMAT, TransferQuote, TransferRecord, TransferVoucher,
};
pub use union::{MAX_OPEN_UNION_REQUESTS, Membership, RequestState, UNION_QUEUE_LIMIT, UnionActor, UnionRequest, UnionService};

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
