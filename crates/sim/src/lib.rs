//! Policy microsimulation for flexpension: synthetic populations calibrated to the paper's
//! survey (or listed in CSV), current law against the paper's proposals and their variants,
//! month totals exact in fen, and projections to retirement. Pure: no I/O, no clock; the seed
//! and the month come in as arguments, and results do not depend on the number of threads.
//!
//! Entry point: [`run`] (or [`run_with`] for progress reports) takes the rule parameters and a
//! [`SimRequest`] and returns a serialisable [`SimReport`].

pub mod charts;
pub mod csv;
pub mod error;
pub mod kernel;
mod month;
pub mod popparams;
pub mod population;
pub mod projection;
pub mod render;
pub mod report;
pub mod rng;
mod run;
pub mod stats;

pub use error::SimError;
pub use popparams::PopParams;
pub use population::{Population, Worker, WorkerBase, WorkerMonth};
pub use report::{PolicyReport, PopulationSpec, SimReport, SimRequest};
pub use run::{MAX_WORKERS, Progress, Quiet, declared_fen, population_csv, run, run_with};
