//! Policy microsimulation for flexpension: synthetic populations calibrated to the paper's
//! survey (or listed in CSV), current law against the paper's proposals and their variants,
//! month totals exact in fen, and projections to retirement. Pure: no I/O, no clock; the seed
//! and the month come in as arguments, and results do not depend on the number of threads.
//!
//! Entry point: [`run`] (or [`run_with`] for progress reports) takes the rule parameters and a
//! [`SimRequest`] and returns a serialisable [`SimReport`].
//!
//! | module | what |
//! |---|---|
//! | `charts` | SVG charts of a report, drawn with the project's chart crate: how burdens spread under each policy |
//! | `csv` | A population listed in CSV, so results can be checked against other tools on identical inputs |
//! | `error` | What can go wrong in the simulation: bad population parameters, a bad input row, a bad request, or a rules-core error |
//! | `kernel` | The contribution of one worker-month, specialised for the simulation's hot loop |
//! | `popparams` | The population parameter file (`params/sim/population.toml`): every figure with its source, checked when read |
//! | `population` | Workers: generated from the population parameters for a seed, or listed in a CSV file |
//! | `projection` | Following each worker from the simulated month to their statutory retirement month |
//! | `render` | A report as text: the table people read and the CSV spreadsheets read |
//! | `report` | What a simulation is asked and what it answers (`SimReport`, the JSON contract) |
//! | `rng` | Randomness that does not depend on how work is split: worker `i` always draws from ChaCha8 keyed by the seed |
//! | `run` | `run`: one month of a population under each policy, then, when asked, the projection to retirement |
//! | `stats` | Group totals with exact burden statistics: integer sums and a histogram of burdens in basis points (0.01%) |

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
