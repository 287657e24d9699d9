//! The policy-fit profile (政策适配度画像, paper section 5.3): from data the agency already
//! holds, de-identified, how likely a worker is to join, which scheme fits them, and the three
//! reasons in plain words. Pure: files come in as text or readers, the seed as an argument.
//!
//! | module | what it holds |
//! |---|---|
//! | [`settings`] | the figures of `params/outreach.toml` (model, scheme choice, synthetic joining), each sourced |
//! | [`features`] | the feature table: columns, checks, the CSV reader (errors name the line and column) |
//! | [`model`] | [`PolicyFit`]: fit (linfa's logistic regression on standardised features), score, explain |
//! | [`card`] | the notice cards (`cards.toml`): which suits a worker, filled with their figures; the readability check |
//! | [`eval`] | held-out measures: AUC, Brier score, calibration bins |
//! | [`notice`] | when a notice may reach a worker (their breaks, no rush or quiet hours, a cap) and the A/B arm |
//! | [`plan`] | a worker's notice planned: arm, card and figures from the calculators, time |
//! | [`product`] | the scheme that fits a worker, with its reason |
//! | [`synth`] | a training table from the survey-calibrated synthetic population of `flexpension-sim` |

pub mod card;
pub mod eval;
pub mod features;
pub mod model;
pub mod notice;
pub mod plan;
pub mod product;
pub mod settings;
pub mod synth;

pub use features::{FEATURES, FeatureError, OPTIONAL, Row, Table};
pub use model::{FitError, PolicyFit, Reason};
pub use product::{Product, ProductFit};
pub use settings::{Settings, SettingsError};
