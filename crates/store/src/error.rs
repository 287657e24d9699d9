//! Errors. None of them ever holds a resident ID or a phone number in clear: inputs are quoted
//! only in masked form, and the database only ever sees keyed hashes of them.

use serde::Serialize;

/// What went wrong with a store call (the HTTP layer maps `code()` to its JSON error shape).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An input value is wrong; `field` names it.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{what} not found: {key}")]
    NotFound { what: &'static str, key: String },
    #[error("{what} already exists: {key}")]
    Exists { what: &'static str, key: String },
    /// A request nonce (signature) that this platform already used.
    #[error("nonce: this request nonce was already used by the platform")]
    NonceReused,
    #[error("database URL: {0}")]
    Url(String),
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// An error from the direct SQLite calls of the bulk write.
    #[error("database: {message} (SQLite code {code})")]
    Sqlite { code: i32, message: String },
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A worker's account is frozen (冻结): `what` is refused until it is unfrozen.
    #[error("{what} is refused: worker {worker} is frozen ({reason})")]
    Frozen { worker: i64, reason: String, what: String },
    /// A signed message from another agency is refused; the variant says why.
    #[error(transparent)]
    Message(#[from] flexpension_tlog::MessageError),
    /// The store's own data is not what it wrote (e.g. a pepper of the wrong length).
    #[error("store data: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A short stable code for the API's `{"error": code, ...}`.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Invalid { .. } => "invalid",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Exists { .. } => "exists",
            StoreError::NonceReused => "nonce_reused",
            StoreError::Frozen { .. } => "frozen",
            StoreError::Message(m) => m.code(),
            StoreError::Url(_) => "bad_url",
            StoreError::Io(_) => "io",
            StoreError::Db(_) | StoreError::Sqlite { .. } | StoreError::Migrate(_) | StoreError::Corrupt(_) => "internal",
        }
    }

    /// The input field at fault, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            StoreError::Invalid { field, .. } => Some(field),
            StoreError::NonceReused => Some("nonce"),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid { field, reason: reason.into() }
    }

    /// The database refused a row because a unique key already holds its value.
    pub(crate) fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation())
    }
}

/// Why a row of a batch was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RowErrorCode {
    /// Not CSV / JSON, wrong number of fields, not UTF-8, a required field missing.
    Malformed,
    InvalidId,
    UnknownWorker,
    Amount,
    OrderType,
    SettledAt,
    /// The contribution month has no rule parameters (e.g. before 2024 in Zhejiang).
    NoRules,
    UnknownGrid,
    /// Worker import: the phone is not a mainland mobile number.
    Phone,
    /// Worker import: the hukou region is not registered.
    UnknownRegion,
    /// Worker import: the enrolment overlaps another.
    Enrolment,
    /// The same order id (or resident ID, in a worker import) was already recorded, or appears
    /// earlier in the batch, with other data.
    Conflict,
    /// Payment file: the reference is empty, padded or has control characters.
    Reference,
    /// Payment file: the payer is not `self` or a registered `platform:ID`.
    Payer,
    /// Payment file: the month received is in the future or before the month the money pays.
    Period,
    /// Payment file: the worker is not enrolled in the employee pension by the month received.
    NotEnrolled,
    /// Payment file: the worker's account is frozen (a transfer under way).
    Frozen,
}

impl RowErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            RowErrorCode::Malformed => "malformed",
            RowErrorCode::InvalidId => "invalid_id",
            RowErrorCode::UnknownWorker => "unknown_worker",
            RowErrorCode::Amount => "amount",
            RowErrorCode::OrderType => "order_type",
            RowErrorCode::SettledAt => "settled_at",
            RowErrorCode::NoRules => "no_rules",
            RowErrorCode::UnknownGrid => "unknown_grid",
            RowErrorCode::Phone => "phone",
            RowErrorCode::UnknownRegion => "unknown_region",
            RowErrorCode::Enrolment => "enrolment",
            RowErrorCode::Conflict => "conflict",
            RowErrorCode::Reference => "reference",
            RowErrorCode::Payer => "payer",
            RowErrorCode::Period => "period",
            RowErrorCode::NotEnrolled => "not_enrolled",
            RowErrorCode::Frozen => "frozen",
        }
    }
}

/// One rejected or conflicting row: its line in the input (1-based, the CSV header is line 1),
/// the field at fault and the reason in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub field: &'static str,
    pub code: RowErrorCode,
    pub reason: String,
}

impl RowError {
    pub(crate) fn new(line: u64, field: &'static str, code: RowErrorCode, reason: impl Into<String>) -> RowError {
        RowError { line, field, code, reason: reason.into() }
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.reason)
    }
}
