//! Deterministic test data for the workspace's tests, benchmarks and the demo. Pure like the
//! rules: no I/O, no clock, no ambient randomness, so the same arguments give the same values
//! on every machine and every run.
//!
//! | module | what it makes |
//! |---|---|
//! | [`ids`] | valid resident IDs (GB 11643: area, birth date, sex, check character), credit codes (GB 32100), phone numbers |
//! | [`rng`] | [`Rng`], a small seeded generator (SplitMix64), and [`unit`], one independent draw per (seed, key, purpose) |
//! | [`population`] | test populations: incomes, and lines of the workers' CSV that `import workers` reads |
//! | [`params`] | the shipped parameters with Monday-to-Friday test holiday calendars for the years after the published ones |
//!
//! The check characters come from `flexpension_rules::checkdigit`, the code that checks them.
//! `tests/workspace_rules.rs` also holds the workspace's rule checks that clippy cannot express
//! (the pure crates' dependencies, their allowed exceptions, the lint tables).

pub mod ids;
pub mod params;
pub mod population;
pub mod rng;

pub use ids::{credit_code, distinct_resident_id, is_male, phone, resident_id, sequence, try_credit_code, try_resident_id, worker_id};
pub use population::{REGION, WORKERS_CSV_HEADER, incomes_fen, worker_line, worker_name};
pub use rng::{Rng, unit};
