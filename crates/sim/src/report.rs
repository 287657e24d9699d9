//! What a simulation is asked and what it answers. `SimReport` is the JSON contract of
//! `flexpension simulate --json`: totals are integers in fen; shares, burdens and replacement
//! rates are fractions (0.2113 = 21.13%), only ever reported, never summed.

use crate::popparams::Figure;
use crate::population::Origin;
use crate::projection::ProjectionReport;
use crate::stats::GroupReport;
use flexpension_rules::contribution::BatchTotals;
use flexpension_rules::explain::{ParamUse, Text};
use flexpension_rules::variant::Applied;
use flexpension_rules::{Fen, YearMonth};
use serde::Serialize;
use std::collections::BTreeMap;

/// Which population to simulate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PopulationSpec {
    /// Generated from the population parameters.
    Generated { workers: usize, seed: u64 },
    /// Listed in CSV text (see `csv::read`).
    Csv { text: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRequest {
    pub population: PopulationSpec,
    pub region: String,
    /// Policy names in the order to show them; at least one.
    pub policies: Vec<String>,
    pub overlay: Option<String>,
    pub month: YearMonth,
    /// `--set` overrides: `[policy.]key=value` (see `flexpension_rules::variant`) and
    /// `projection.credited_rate=...`.
    pub sets: Vec<String>,
    /// Project to retirement, for workers retiring within this many years.
    pub years: Option<u32>,
    /// Population parameters as TOML text; `None` for the built-in file.
    pub pop_params: Option<(String, String)>,
}

impl SimRequest {
    /// A request for the paper's comparison in `region` (a code from params/regions): current
    /// law against the proposal.
    pub fn new(population: PopulationSpec, region: &str, month: YearMonth) -> SimRequest {
        SimRequest {
            population,
            region: region.to_string(),
            policies: vec!["current".into(), "paper".into()],
            overlay: None,
            month,
            sets: Vec::new(),
            years: None,
            pop_params: None,
        }
    }
}

/// The rule values a policy ran with (after any variant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulesView {
    pub base_lower_fen: Fen,
    pub base_upper_fen: Fen,
    pub brackets: String,
    pub personal_account_rate: String,
    /// The subsidy shares by income band, lowest incomes first: "50%/40%/30%", or "40%".
    pub subsidy_share: String,
    /// The bands with their limits: "≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%", or "40%".
    pub subsidy_bands: String,
    /// The ceiling: no subsidy from this income up.
    pub subsidy_income_below_fen: Fen,
    pub burden_benchmark: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyReport {
    pub title_zh: String,
    pub title_en: String,
    /// Workers, contributions and their parts, subsidies, net cost, workers over the benchmark
    /// (flattened: the JSON fields are the totals' own).
    #[serde(flatten)]
    pub totals: BatchTotals,
    pub over_benchmark_share: f64,
    pub mean_burden: Option<f64>,
    pub median_burden: Option<f64>,
    /// Workers by net cost ÷ income in whole percentage points: bucket 100 holds 100% and more.
    pub burden_histogram: Vec<u64>,
    pub by_income_band: Vec<GroupReport>,
    pub by_job: Vec<GroupReport>,
    pub rules: RulesView,
    /// Values replaced by `--set`: non-empty means this is a variant, not the file's policy.
    pub variant: Vec<Applied>,
    pub params: Vec<ParamUse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<ProjectionReport>,
}

impl PolicyReport {
    /// The month's totals, and the burdens of `all`, the group of every worker.
    pub(crate) fn set_totals(&mut self, t: &BatchTotals, all: GroupReport) {
        self.totals = BatchTotals { pooling_fen: t.contribution_fen - t.personal_account_fen, ..*t };
        self.over_benchmark_share = all.over_benchmark_share;
        self.mean_burden = all.mean_burden;
        self.median_burden = all.median_burden;
    }
}

/// Shares of the population's attributes, next to the paper's survey figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationReport {
    pub origin: Origin,
    pub workers: u64,
    pub jobs: Vec<String>,
    /// The usual monthly income is 3000-7000 yuan (paper: over 80%).
    pub usual_income_3000_7000: f64,
    pub month_income_3000_7000: f64,
    pub median_month_income_fen: Fen,
    pub large_swings: f64,
    pub labour_contract: f64,
    pub below_junior_college: f64,
    pub union_member: f64,
}

/// The residents' pension after its minimum years, for comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidentsGrade {
    pub grade_fen: Fen,
    pub pension_fen: Fen,
    /// Share of workers (income above zero) for whom this pension is under 10% of the month's income.
    pub replacement_under_10pct: f64,
    pub replacement_at_median_income: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResidentsReport {
    pub years: u32,
    pub basic_fen: Fen,
    pub grades: Vec<ResidentsGrade>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    pub region: String,
    pub month: YearMonth,
    pub overlay: Option<String>,
    pub population: PopulationReport,
    pub income_bands: Vec<String>,
    /// Policy names in the order asked for.
    pub policy_order: Vec<String>,
    pub policies: BTreeMap<String, PolicyReport>,
    pub residents: Option<ResidentsReport>,
    pub warnings: Vec<Text>,
    /// The population figures the run rests on, with their sources (generated populations).
    pub figures: Vec<Figure>,
}

impl SimReport {
    pub fn is_variant(&self) -> bool {
        self.policies.values().any(|p| !p.variant.is_empty())
    }
}
