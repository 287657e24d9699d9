//! `flexpension simulate`: a population (synthetic or from CSV) under current law and the
//! paper's proposals, with variants, projections and charts. The work is in `flexpension_sim`;
//! this reads files, draws the progress bar and writes the outputs.

use crate::UsageError;
use clap::{Args, ValueEnum};
use flexpension_rules::{Lang, ParamError, Params, YearMonth};
use flexpension_sim::{PopulationSpec, Progress, SimError, SimReport, SimRequest, charts, render};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Generate this many synthetic workers (default 100000 when no --incomes).
    #[arg(long, value_name = "N", conflicts_with = "incomes")]
    pub population: Option<usize>,
    /// Seed of the synthetic population: the same seed gives the same workers.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Read the population from CSV: worker_id,income_yuan and optionally base_yuan, job, age, sex.
    #[arg(long, value_name = "FILE.csv")]
    pub incomes: Option<PathBuf>,
    /// A policy to compare; repeat it (default: --policy current --policy paper).
    #[arg(long = "policy", value_name = "NAME")]
    pub policies: Vec<String>,
    /// Replace some official figures, e.g. paper-2024 to reproduce the paper.
    #[arg(long, value_name = "NAME")]
    pub overlay: Option<String>,
    #[arg(long, value_name = "CODE", default_value = flexpension_server::DEFAULT_REGION)]
    pub region: String,
    /// The month simulated (default: this month).
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Change a value without editing files: [POLICY.]rate.brackets=3999.99:0.12,6000:0.16,:0.20,
    /// subsidy.share=0.5 (one share) or subsidy.share=2999.99:0.5,3999.99:0.4,:0.3 (by income
    /// band), subsidy.income_below=5000, rate.personal_account=0.08, or
    /// projection.credited_rate=0.01. Repeat it.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Follow each worker to statutory retirement, for those retiring within N years.
    #[arg(long, value_name = "N")]
    pub years: Option<u32>,
    /// Population parameters (default: the built-in params/sim/population.toml).
    #[arg(long, value_name = "FILE")]
    pub pop_params: Option<PathBuf>,
    /// Print JSON (totals are integers in fen); same as --format json.
    #[arg(long)]
    pub json: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the results as CSV to this file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write SVG charts into this directory: burden.svg, and replacement.svg with --years.
    #[arg(long, value_name = "DIR")]
    pub svg: Option<PathBuf>,
    /// Also write the population's month (worker_id,income_yuan,base_yuan,job,age,sex) to this
    /// CSV file: the exact inputs, for checking against another tool or for --incomes.
    #[arg(long, value_name = "FILE.csv")]
    pub write_population: Option<PathBuf>,
    /// Explanations in English (default Chinese) in the table.
    #[arg(long)]
    pub en: bool,
}

pub fn run(params: &Params, args: &SimulateArgs) -> anyhow::Result<()> {
    let req = request(args)?;
    let big = args.population.unwrap_or(0) >= 200_000 || args.years.is_some();
    let report = if big && std::io::stderr().is_terminal() {
        let bar = Bar(indicatif::ProgressBar::new(0));
        bar.0.set_style(
            indicatif::ProgressStyle::with_template("{msg:24} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let r = flexpension_sim::run_with(params, &req, &bar);
        bar.0.finish_and_clear();
        r
    } else {
        flexpension_sim::run(params, &req)
    }
    .map_err(usage)?;
    if let Some(path) = &args.write_population {
        let text = flexpension_sim::population_csv(params, &req).map_err(usage)?;
        std::fs::write(path, text).map_err(|e| UsageError(format!("--write-population {}: {e}", path.display())))?;
    }
    if let Some(path) = &args.csv {
        std::fs::write(path, render::csv(&report)).map_err(|e| UsageError(format!("--csv {}: {e}", path.display())))?;
    }
    if let Some(dir) = &args.svg {
        write_svgs(dir, &report)?;
    }
    let lang = if args.en { Lang::En } else { Lang::Zh };
    match if args.json { Format::Json } else { args.format } {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Csv => print!("{}", render::csv(&report)),
        Format::Table => print!("{}", render::table(&report, lang)),
    }
    Ok(())
}

fn request(args: &SimulateArgs) -> anyhow::Result<SimRequest> {
    let month = match &args.month {
        Some(m) => m.parse::<YearMonth>().map_err(|e| UsageError(format!("--month: {e}")))?,
        None => YearMonth::of_date(crate::today()),
    };
    let population = match &args.incomes {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("--incomes {}: {e}", path.display())))?;
            PopulationSpec::Csv { text }
        }
        None => PopulationSpec::Generated { workers: args.population.unwrap_or(100_000), seed: args.seed },
    };
    let pop_params = match &args.pop_params {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("--pop-params {}: {e}", path.display())))?;
            Some((path.display().to_string(), text))
        }
        None => None,
    };
    let policies = if args.policies.is_empty() { vec!["current".to_string(), "paper".to_string()] } else { args.policies.clone() };
    Ok(SimRequest {
        population,
        region: args.region.clone(),
        policies,
        overlay: args.overlay.clone(),
        month,
        sets: args.sets.clone(),
        years: args.years,
        pop_params,
    })
}

/// Input mistakes exit with code 2, naming the argument.
fn usage(e: SimError) -> anyhow::Error {
    let msg = match &e {
        SimError::Request { field, problem } => format!("--{field}: {problem}"),
        SimError::Row { .. } => format!("--incomes: {e}"),
        SimError::PopParams { .. } => format!("--pop-params: {e}"),
        SimError::Variant(_) => e.to_string(),
        SimError::Param(ParamError::Unknown { what, .. }) => format!("--{what}: {e}"),
        SimError::Param(ParamError::NoValue { .. }) => format!("--month: {e}"),
        SimError::Param(ParamError::Invalid { key, .. }) if key.starts_with("overlay") => format!("--overlay: {e}"),
        _ if e.is_input() => e.to_string(),
        _ => return anyhow::Error::new(e),
    };
    UsageError(msg).into()
}

fn write_svgs(dir: &Path, r: &SimReport) -> anyhow::Result<()> {
    let fail = |e: std::io::Error| UsageError(format!("--svg {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    std::fs::write(dir.join("burden.svg"), charts::burden_distribution(r)).map_err(fail)?;
    if let Some(svg) = charts::replacement_by_band(r) {
        std::fs::write(dir.join("replacement.svg"), svg).map_err(fail)?;
    }
    Ok(())
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.0.set_message(name.to_string());
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn advance(&self, done: u64) {
        self.0.inc(done);
    }
}
