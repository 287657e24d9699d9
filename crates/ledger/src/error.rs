//! What can go wrong. Every error names the entry, account or worker it is about.

use crate::ids::{Account, BadId, EntryId, WorkerId};
use flexpension_rules::YearMonth;
use flexpension_rules::params::ParamError;
use flexpension_rules::pension::PensionError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("entry {id}: the postings sum to {sum_fen} fen, not 0")]
    Unbalanced { id: EntryId, sum_fen: i128 },
    #[error("entry {id}: {reason}")]
    Malformed { id: EntryId, reason: String },
    #[error("entry {id} already exists with other content: post a reversal and a new entry instead")]
    Conflict { id: EntryId },
    #[error("entry {id} is not in the ledger")]
    UnknownEntry { id: EntryId },
    #[error("entry {id} cannot be reversed: {reason}")]
    NotReversible { id: EntryId, reason: &'static str },
    #[error("the balance of {account} would overflow")]
    Overflow { account: Account },
    #[error("worker {worker}: {field}: {reason}")]
    Input { worker: WorkerId, field: &'static str, reason: String },
    #[error("worker {worker} appears twice in the close of {month}")]
    DuplicateWorker { worker: WorkerId, month: YearMonth },
    #[error("the rules given are for {rules}, not {month}")]
    WrongMonth { month: YearMonth, rules: YearMonth },
    #[error("worker {worker} has never had {month} closed, so there is nothing to correct: close it instead")]
    NotClosed { worker: WorkerId, month: YearMonth },
    #[error("worker {worker}: {later}'s interest is already credited, so {year}'s cannot be: years are credited in order")]
    InterestOrder { worker: WorkerId, year: i32, later: i32 },
    #[error("{year} is not a year the ledger knows (1900 to 2200)")]
    BadYear { year: i32 },
    #[error(transparent)]
    BadId(#[from] BadId),
    #[error(transparent)]
    Interest(#[from] PensionError),
    #[error(transparent)]
    Param(#[from] ParamError),
}
