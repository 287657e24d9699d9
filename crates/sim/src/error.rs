//! What can go wrong in the simulation: bad population parameters, a bad input row, a bad
//! request, or a rules-core error.

use flexpension_rules::ParamError;
use flexpension_rules::pension::PensionError;
use flexpension_rules::variant::VariantError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// The population parameter file: names the file and the key.
    #[error("{file}: {key}: {problem}")]
    PopParams { file: String, key: String, problem: String },
    /// A row of a population CSV: names the line (1 = the header) and the column.
    #[error("line {line}: {field}: {problem}")]
    Row { line: usize, field: String, problem: String },
    /// A request that cannot run, naming the argument (`population`, `policy`, `years`, ...).
    #[error("{field}: {problem}")]
    Request { field: &'static str, problem: String },
    #[error(transparent)]
    Variant(#[from] VariantError),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Pension(#[from] PensionError),
}

impl SimError {
    pub fn request(field: &'static str, problem: impl Into<String>) -> SimError {
        SimError::Request { field, problem: problem.into() }
    }

    /// True when the caller's input is at fault (the CLI exits with code 2).
    pub fn is_input(&self) -> bool {
        !matches!(self, SimError::Param(_) | SimError::Pension(PensionError::Param(_)))
    }
}
