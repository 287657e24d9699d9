//! The pure rules core of flexpension: dated, sourced parameters and the calculators of the
//! contribution, the pension and the deadlines. No I/O, no clock: dates come in as arguments.

pub mod checkdigit;
pub mod contribution;
pub mod estimate;
pub mod explain;
pub mod injury;
pub mod money;
pub mod names;
pub mod params;
pub mod pension;
pub mod retirement;
pub mod time;
pub mod variant;
pub mod workdays;

pub use contribution::{BatchTotals, Contribution, ContributionError, ContributionInput, ContributionView, MonthRules};
pub use explain::{Explained, Explainer, Lang, ParamUse, Text};
pub use money::{Dec6, Fen, Rate};
pub use params::{Category, ParamError, Params, Scenario};
pub use time::{Age, YearMonth};
