//! `run`: one month of a population under each policy, then, when asked, the projection to
//! retirement. The entry point for the CLI and, later, the server's analyst page.

use crate::error::SimError;
use crate::kernel::{Kernel, MAX_SEGMENTS};
use crate::month::{MonthInputs, medians, month_report, population_report, residents};
use crate::popparams::PopParams;
use crate::population::{Population, Worker};
use crate::projection::{GroupAcc, Outcome, ProjectionReport, Setup, project_worker};
use crate::report::*;
use crate::rng::Streams;
use crate::stats::{band_labels, band_of};
use flexpension_rules::explain::Text;
use flexpension_rules::variant::Override;
use flexpension_rules::{Dec6, Fen, MonthRules, Params};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Told how far a long run has got (the CLI draws a progress bar). Called from worker threads.
pub trait Progress: Sync {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _done: u64) {}
}

/// No progress reports.
pub struct Quiet;
impl Progress for Quiet {}

/// The most workers one run generates (memory: about 100 bytes each).
pub const MAX_WORKERS: usize = 50_000_000;
const CHUNK: usize = 1 << 14;

pub fn run(params: &Params, req: &SimRequest) -> Result<SimReport, SimError> {
    run_with(params, req, &Quiet)
}

/// A policy resolved for the month: rules, kernel, and what a variant changed.
struct Resolved {
    name: String,
    report: PolicyReport,
    rules: MonthRules,
    kernel: Kernel,
}

pub fn run_with(params: &Params, req: &SimRequest, progress: &dyn Progress) -> Result<SimReport, SimError> {
    let pp = pop_params(params, req)?;
    if req.policies.is_empty() {
        return Err(SimError::request("policy", "name at least one policy"));
    }
    for (i, p) in req.policies.iter().enumerate() {
        if req.policies[..i].contains(p) {
            return Err(SimError::request("policy", format!("'{p}' is named twice")));
        }
    }
    if let Some(y) = req.years
        && !(1..=60).contains(&y)
    {
        return Err(SimError::request("years", format!("{y} is outside 1 to 60")));
    }
    let (sim_sets, overrides) = split_sets(&req.sets)?;
    let assumed_rate = sim_sets.unwrap_or(pp.assumed_credited_rate);
    progress.stage("generating workers", 0);
    // A month without a projection needs only each worker's month: a generated population is
    // then drawn below straight into the month's inputs, and `pop` holds no workers.
    let month_only = match req.population {
        PopulationSpec::Generated { .. } => req.years.is_none(),
        PopulationSpec::Csv { .. } => false,
    };
    let pop = if month_only { checked_shell(&pp, &req.population)? } else { population(&pp, &req.population)? };
    let month = req.month;
    let mut warnings = Vec::new();
    let mut resolved = Vec::new();
    let mut overlay_used = None;
    for name in &req.policies {
        let mut scen = params.scenario(&req.region, Some(name), req.overlay.as_deref())?;
        let mut applied = Vec::new();
        for o in &overrides {
            if o.applies_to(name, &req.policies)? {
                applied.push(scen.apply_override(o, month)?);
            }
        }
        if let Some(o) = scen.overlay {
            overlay_used = Some(Text::new(
                format!("正在使用“{}”口径（{}），它替换了部分官方数字，只用于复现论文。", o.title_zh, o.name),
                format!(
                    "Using the overlay '{}' ({}): it replaces some official figures and exists only to reproduce the paper.",
                    o.name, o.title_en
                ),
            ));
        }
        warnings.extend(applied.iter().map(|a| a.text()));
        let (rules, uses) = scen.month_rules(month)?;
        let kernel = Kernel::new(&rules).ok_or_else(|| {
            SimError::request(
                "policy",
                format!(
                    "'{name}' in {month}: at most {} income limits in all (rate brackets, subsidy bands and the subsidy's ceiling) and a lower base limit not above the upper one",
                    MAX_SEGMENTS - 1
                ),
            )
        })?;
        let view = RulesView {
            base_lower_fen: rules.base_lower_fen,
            base_upper_fen: rules.base_upper_fen,
            brackets: rules.brackets.to_string(),
            personal_account_rate: rules.personal_account_rate.percent(),
            subsidy_share: rules.subsidy_share.shares_text(),
            subsidy_bands: rules.subsidy_share.to_string(),
            subsidy_income_below_fen: rules.subsidy_income_below_fen,
            burden_benchmark: rules.burden_benchmark.percent(),
        };
        let report = PolicyReport {
            title_zh: scen.policy.title_zh.clone(),
            title_en: scen.policy.title_en.clone(),
            totals: flexpension_rules::contribution::BatchTotals::default(),
            over_benchmark_share: 0.0,
            mean_burden: None,
            median_burden: None,
            burden_histogram: Vec::new(),
            by_income_band: Vec::new(),
            by_job: Vec::new(),
            rules: view,
            variant: applied,
            params: uses,
            projection: None,
        };
        resolved.push(Resolved { name: name.clone(), report, rules, kernel });
    }
    warnings.splice(0..0, overlay_used);
    let benefit_base = latest_benefit_base(params, &req.region, req.overlay.as_deref())?;
    progress.stage(if month_only { "generating workers" } else { "month incomes" }, 0);
    let inputs = match req.population {
        PopulationSpec::Generated { workers, seed } if month_only => MonthInputs::generated(&pp, workers, seed, month, benefit_base),
        _ => MonthInputs::of_population(&pop, &pp, month, benefit_base),
    };
    if inputs.incomes.par_iter().any(|&i| i == 0) {
        warnings.push(Text::new(
            "收入为零的月份没有负担比例，不计入平均和中位负担。",
            "Months with no income have no burden and are left out of the mean and median burden.",
        ));
    }
    let edges = &pp.income_bands_fen;
    let band_names = band_labels(edges);
    let job_names = job_labels(&pop, &pp);
    for r in &mut resolved {
        progress.stage(&format!("month totals: {}", r.name), inputs.len() as u64);
        month_report(&r.kernel, &mut r.report, &inputs, edges, &band_names, &job_names, progress);
    }
    if let Some(years) = req.years {
        let reports = project(params, req, &pp, &pop, &inputs.declared, &resolved, years, assumed_rate, &band_names, &job_names, progress)?;
        for (r, p) in resolved.iter_mut().zip(reports) {
            r.report.projection = Some(p);
        }
        warnings.push(Text::new(
            format!("预测按今天的钱计算：收入、缴费基数上下限和计发基数都保持在{month}的水平；没有公布记账利率的年份按假设的{}计息（超过工资增长的部分）。", assumed_rate.percent()),
            format!("Projections are in today's money: incomes, base limits and the benefit base stay at their {month} values; years without an official credited rate earn the assumed {} above wage growth.", assumed_rate.percent()),
        ));
    }
    if matches!(pop.origin, crate::population::Origin::Generated { .. }) {
        warnings.push(Text::new(
            "这是合成人口：按论文调查的比例生成，职业构成、收入分布等许多数字是假设（见 params/sim/population.toml）。",
            "This is a synthetic population: it matches the paper's survey shares, but job mix, income spread and many other figures are assumptions (see params/sim/population.toml).",
        ));
    }
    progress.stage("population and residents", 0);
    let (median_all, median_positive) = medians(&inputs.incomes);
    let residents = residents(params, month, &inputs.incomes, median_positive);
    let population = population_report(&pop, &inputs, median_all);
    let figures = match pop.origin {
        crate::population::Origin::Generated { .. } => pp.figures.clone(),
        crate::population::Origin::Listed => Vec::new(),
    };
    Ok(SimReport {
        region: req.region.clone(),
        month,
        overlay: req.overlay.clone(),
        population,
        income_bands: band_names,
        policy_order: req.policies.clone(),
        policies: resolved.into_iter().map(|r| (r.name, r.report)).collect::<BTreeMap<_, _>>(),
        residents,
        warnings,
        figures,
    })
}

fn pop_params(params: &Params, req: &SimRequest) -> Result<PopParams, SimError> {
    match &req.pop_params {
        Some((name, text)) => PopParams::parse(name, text, &params.sources),
        None => PopParams::embedded(&params.sources),
    }
}

fn population(pp: &PopParams, spec: &PopulationSpec) -> Result<Population, SimError> {
    match spec {
        PopulationSpec::Generated { workers, seed } => {
            checked_shell(pp, spec)?;
            Ok(Population::generate(pp, *workers, *seed))
        }
        PopulationSpec::Csv { text } => crate::csv::read(text),
    }
}

/// A generated population's size checked, and its origin and jobs without the workers.
fn checked_shell(pp: &PopParams, spec: &PopulationSpec) -> Result<Population, SimError> {
    let seed = match spec {
        PopulationSpec::Generated { workers, seed } => {
            if !(1..=MAX_WORKERS).contains(workers) {
                return Err(SimError::request("population", format!("{workers} workers: choose 1 to {MAX_WORKERS}")));
            }
            *seed
        }
        PopulationSpec::Csv { .. } => return Err(SimError::request("population", "a listed population has its workers")),
    };
    Ok(Population {
        origin: crate::population::Origin::Generated { seed },
        jobs: pp.jobs.iter().map(|j| j.code.clone()).collect(),
        workers: Vec::new(),
        listed_incomes: None,
    })
}

/// The request's population in its month as CSV (`csv::read` columns): the exact inputs a run
/// uses, to hand to another tool.
pub fn population_csv(params: &Params, req: &SimRequest) -> Result<String, SimError> {
    let pp = pop_params(params, req)?;
    let pop = population(&pp, &req.population)?;
    let benefit_base = latest_benefit_base(params, &req.region, req.overlay.as_deref())?;
    Ok(crate::csv::write(&pop, &pop.month_incomes(&pp, req.month), benefit_base))
}

/// `projection.credited_rate=...` is the simulation's own; the rest are policy overrides.
fn split_sets(sets: &[String]) -> Result<(Option<Dec6>, Vec<Override>), SimError> {
    let mut rate = None;
    let mut overrides = Vec::new();
    for s in sets {
        match s.split_once('=') {
            Some((k, v)) if k.trim() == "projection.credited_rate" => {
                let d = Dec6::parse(v.trim()).ok().filter(|d| (Dec6(-100_000)..=Dec6(200_000)).contains(d)).ok_or_else(|| {
                    SimError::request("set", format!("projection.credited_rate: '{}' is not a rate from -0.1 to 0.2", v.trim()))
                })?;
                rate = Some(d);
            }
            _ => overrides.push(Override::parse(s)?),
        }
    }
    Ok((rate, overrides))
}

/// Today's benefit base (the average wage): the latest value, as the rules core's estimate uses.
fn latest_benefit_base(params: &Params, region: &str, overlay: Option<&str>) -> Result<Fen, SimError> {
    let s = params.scenario(region, None, overlay)?;
    s.region.benefit_base.latest().map(|d| d.value).ok_or_else(|| SimError::request("region", format!("'{region}' has no benefit base")))
}

/// The base a worker declares, in fen; 0 means the region's lower limit.
pub fn declared_fen(w: &Worker, benefit_base_fen: Fen) -> Fen {
    crate::month::declared_of(w.base, benefit_base_fen)
}

fn job_labels(pop: &Population, pp: &PopParams) -> Vec<String> {
    pop.jobs
        .iter()
        .map(|code| pp.jobs.iter().find(|j| &j.code == code).map(|j| j.name_en.clone()).unwrap_or_else(|| code.clone()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn project(
    params: &Params,
    req: &SimRequest,
    pp: &PopParams,
    pop: &Population,
    declared: &[Fen],
    resolved: &[Resolved],
    years: u32,
    assumed_rate: Dec6,
    band_names: &[String],
    job_names: &[String],
    progress: &dyn Progress,
) -> Result<Vec<ProjectionReport>, SimError> {
    let setup = Setup::new(params, &req.region, pp, req.month, years, &pop.workers, assumed_rate)?;
    let law_scen = params.scenario(&req.region, None, req.overlay.as_deref())?;
    let (law_rules, _) = law_scen.month_rules(req.month)?;
    let law = Kernel::new(&law_rules).ok_or_else(|| SimError::request("region", "the region's own policy has too many brackets"))?;
    let kernels: Vec<(Kernel, f64)> = resolved.iter().map(|r| (r.kernel, r.rules.burden_benchmark.0 as f64 / 1e6)).collect();
    let np = kernels.len();
    let streams = match pop.origin {
        crate::population::Origin::Generated { seed } => Streams::new(seed),
        crate::population::Origin::Listed => Streams::new(0),
    };
    let edges = &pp.income_bands_fen;
    // Groups: all, income bands (usual income), jobs, sexes.
    let n_groups = 1 + band_names.len() + job_names.len() + 2;
    progress.stage("projection", pop.workers.len() as u64);
    let counts_and_groups = pop
        .workers
        .par_chunks(CHUNK)
        .zip(declared.par_chunks(CHUNK))
        .fold(
            || (vec![[0u64; 4]; np], vec![vec![GroupAcc::default(); n_groups]; np]),
            |(mut counts, mut groups), (ws, ds)| {
                let mut out = vec![Outcome::default(); np];
                for (w, &d) in ws.iter().zip(ds) {
                    project_worker(pp, &setup, &streams, w, d, &law, &kernels, &mut out, None);
                    for (k, o) in out.iter().enumerate() {
                        use crate::projection::Status::*;
                        let slot = match o.status {
                            Pension | Short => 0,
                            BeyondHorizon => 1,
                            AtRetirement => 2,
                            NoAgeOrSex => 3,
                        };
                        counts[k][slot] += 1;
                        let g = &mut groups[k];
                        g[0].add(o);
                        g[1 + band_of(edges, w.usual_income_fen)].add(o);
                        g[1 + band_names.len() + usize::from(w.job).min(job_names.len().saturating_sub(1))].add(o);
                        if let Some(m) = w.male {
                            g[1 + band_names.len() + job_names.len() + usize::from(!m)].add(o);
                        }
                    }
                }
                progress.advance(ws.len() as u64);
                (counts, groups)
            },
        )
        .reduce(
            || (vec![[0u64; 4]; np], vec![vec![GroupAcc::default(); n_groups]; np]),
            |(mut ca, mut ga), (cb, gb)| {
                for (a, b) in ca.iter_mut().zip(&cb) {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                }
                for (a, b) in ga.iter_mut().zip(gb) {
                    a.iter_mut().zip(b).for_each(|(x, y)| x.merge(y));
                }
                (ca, ga)
            },
        );
    let (counts, groups) = counts_and_groups;
    let mut out = Vec::new();
    for (c, g) in counts.into_iter().zip(groups) {
        let mut it = g.into_iter();
        let all = it.next().unwrap_or_default().finish("all".into());
        let bands: Vec<_> = band_names.iter().map(|n| it.next().unwrap_or_default().finish(n.clone())).collect();
        let jobs: Vec<_> = job_names.iter().map(|n| it.next().unwrap_or_default().finish(n.clone())).filter(|g| g.workers > 0).collect();
        let sexes: Vec<_> =
            ["male", "female"].iter().map(|n| it.next().unwrap_or_default().finish(n.to_string())).filter(|g| g.workers > 0).collect();
        out.push(ProjectionReport {
            horizon_years: years,
            in_todays_money: true,
            benefit_base_fen: setup.benefit_base_fen,
            assumed_credited_rate: assumed_rate.percent(),
            projected: c[0],
            beyond_horizon: c[1],
            at_or_past_retirement: c[2],
            without_age_or_sex: c[3],
            all,
            by_income_band: bands,
            by_job: jobs,
            by_sex: sexes,
        });
    }
    Ok(out)
}
