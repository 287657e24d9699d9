//! Running the analysts' simulation and turning its report into what the page shows.
//!
//! One run at a time: a second request while one runs is told at once that the simulation is
//! busy (the run itself is on a blocking thread, and keeps its permit until it ends even when the
//! client goes away).

use super::form::{Problem, label_key};
use super::view::{Cell, Column, GroupRow, ProjRow, TotalRow, View, command_line, count, money, pct};
use crate::AppState;
use flexpension_rules::money::yuan;
use flexpension_sim::report::PolicyReport;
use flexpension_sim::stats::GroupReport;
use flexpension_sim::{PopulationSpec, SimError, SimReport, SimRequest, charts};
use flexpension_text::Lang;
use std::sync::{Arc, LazyLock};
use tokio::sync::Semaphore;

/// One simulation at a time, for the whole process.
pub(super) static RUNS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(1)));

/// Why a run gave no report.
pub enum Failure {
    /// Another run holds the permit.
    Busy,
    /// The analyst's input is to blame: the form again, with the field.
    Input(Problem),
    /// The server's fault.
    Failed(Problem),
}

/// Run the simulation for `req` on a blocking thread.
pub async fn run(s: &AppState, req: &SimRequest, lang: Lang) -> Result<SimReport, Failure> {
    let Ok(permit) = RUNS.clone().try_acquire_owned() else { return Err(Failure::Busy) };
    let state = s.clone();
    let request = req.clone();
    let ran = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        flexpension_sim::run(state.params(), &request)
    })
    .await;
    let problem = |field: &'static str, key: &str, detail: Option<String>| Problem {
        field,
        label: lang.t(label_key(field)),
        message: lang.t(key).to_string(),
        detail,
    };
    match ran {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) if at_fault(&e) => Err(Failure::Input(problem(blamed(&e), "analyst.e_sim", Some(e.to_string())))),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "analyst simulation failed");
            Err(Failure::Failed(problem("", "analyst.e_failed", Some(e.to_string()))))
        }
        Err(e) => {
            tracing::error!(error = %e, "analyst simulation panicked");
            Err(Failure::Failed(problem("", "analyst.e_failed", None)))
        }
    }
}

/// The field a simulation error blames.
fn blamed(e: &SimError) -> &'static str {
    use flexpension_rules::ParamError;
    match e {
        SimError::Request { field: "population", .. } => "workers",
        SimError::Request { field: "years", .. } => "years",
        SimError::Request { field: "policy", .. } => "policy",
        SimError::Request { field: "region", .. } => "",
        SimError::Param(ParamError::NoValue { .. }) => "month",
        SimError::Param(ParamError::Unknown { what: "policy", .. }) => "policy",
        SimError::Pension(_) => "years",
        _ => "sets",
    }
}

/// Whether the analyst's input is to blame: as the CLI decides, and a month the parameters
/// have no value for.
fn at_fault(e: &SimError) -> bool {
    use flexpension_rules::ParamError;
    e.is_input() || matches!(e, SimError::Param(ParamError::NoValue { .. } | ParamError::Unknown { .. }))
}

/// What the page names in its language: the region, the job types (the report names them in English).
pub struct Names {
    pub region: String,
    /// English job name → the page's.
    pub jobs: std::collections::HashMap<String, String>,
}

impl Names {
    pub fn of(s: &AppState, region: &str, lang: Lang) -> Names {
        let jobs = match flexpension_sim::PopParams::embedded(&s.params().sources) {
            Ok(pp) if !lang.is_en() => pp.jobs.iter().map(|j| (j.name_en.clone(), j.name_zh.clone())).collect(),
            _ => Default::default(),
        };
        Names { region: crate::web::console::region_name(s, lang, region), jobs }
    }
}

/// The charts' words from the catalogue.
fn chart_words(lang: Lang, region: &str) -> charts::ChartWords {
    let t = |k: &str| lang.t(k).replace("{region}", region);
    charts::ChartWords {
        burden_title: t("analyst.chart_burden_title"),
        burden_desc: t("analyst.chart_burden_desc"),
        burden_x: t("analyst.chart_burden_x"),
        burden_y: t("analyst.chart_burden_y"),
        replacement_title: t("analyst.chart_replacement_title"),
        replacement_desc: t("analyst.chart_replacement_desc"),
        replacement_x: t("analyst.chart_replacement_x"),
        replacement_y: t("analyst.chart_replacement_y"),
        variant: t("analyst.chart_variant"),
    }
}

pub fn view(r: &SimReport, req: &SimRequest, lang: Lang, names: &Names) -> View {
    let pols: Vec<(&String, &PolicyReport)> = r.policy_order.iter().filter_map(|n| r.policies.get(n).map(|p| (n, p))).collect();
    let seed = match &req.population {
        PopulationSpec::Generated { seed, .. } => seed.to_string(),
        PopulationSpec::Csv { .. } => "-".into(),
    };
    let summary = lang.f(
        "analyst.summary",
        &[("workers", &count(r.population.workers)), ("seed", &seed), ("region", &names.region), ("month", &r.month.to_string())],
    );
    let columns = pols
        .iter()
        .map(|(n, p)| Column {
            name: n.to_string(),
            title: if lang.is_en() { p.title_en.clone() } else { p.title_zh.clone() },
            variant: !p.variant.is_empty(),
            rules: lang.f(
                "analyst.rules",
                &[
                    ("brackets", &p.rules.brackets),
                    ("lower", &yuan(p.rules.base_lower_fen)),
                    ("upper", &yuan(p.rules.base_upper_fen)),
                    ("share", &p.rules.subsidy_bands),
                    ("below", &yuan(p.rules.subsidy_income_below_fen)),
                ],
            ),
        })
        .collect();
    let row = |label: &'static str, class: &'static str, key: &str, f: &dyn Fn(&PolicyReport) -> (String, Option<i64>)| TotalRow {
        label: lang.t(label),
        class,
        cells: pols
            .iter()
            .map(|(n, p)| {
                let (text, fen) = f(p);
                Cell { text, fen, id: format!("{key}-{n}") }
            })
            .collect(),
    };
    let m = |fen: i64| (money(fen), Some(fen));
    let totals = vec![
        row("analyst.r_workers", "", "workers", &|p| (count(p.totals.workers), None)),
        row("analyst.r_contribution", "contribution", "contribution", &|p| m(p.totals.contribution_fen)),
        row("analyst.r_personal", "sub", "personal", &|p| m(p.totals.personal_account_fen)),
        row("analyst.r_pooling", "sub", "pooling", &|p| m(p.totals.pooling_fen)),
        row("analyst.r_subsidy", "", "subsidy", &|p| m(p.totals.subsidy_fen)),
        row("analyst.r_net", "net", "net", &|p| m(p.totals.net_fen)),
        row("analyst.r_mean", "", "mean", &|p| (pct(p.mean_burden), None)),
        row("analyst.r_median", "", "median", &|p| (pct(p.median_burden), None)),
        row("analyst.r_over", "", "over", &|p| {
            (format!("{} ({})", pct(Some(p.over_benchmark_share)), count(p.totals.over_benchmark)), None)
        }),
    ];
    let groups = |pick: &dyn Fn(&PolicyReport) -> &Vec<GroupReport>| -> Vec<GroupRow> {
        let Some((_, first)) = pols.first() else { return Vec::new() };
        pick(first)
            .iter()
            .enumerate()
            .map(|(i, g)| GroupRow {
                group: names.jobs.get(&g.group).cloned().unwrap_or_else(|| g.group.clone()),
                workers: count(g.workers),
                cells: pols
                    .iter()
                    .map(|(_, p)| match pick(p).get(i) {
                        Some(x) => {
                            let per =
                                if x.workers > 0 { money((x.net_fen * 2 + x.workers as i64) / (2 * x.workers as i64)) } else { "-".into() };
                            [pct(x.mean_burden), pct(x.median_burden), pct(Some(x.over_benchmark_share)), per]
                        }
                        None => Default::default(),
                    })
                    .collect(),
            })
            .collect()
    };
    let groups = vec![
        (lang.t("analyst.by_band"), "by-band", groups(&|p| &p.by_income_band)),
        (lang.t("analyst.by_job"), "by-job", groups(&|p| &p.by_job)),
    ];
    let opt_money = |v: Option<i64>| v.map(money).unwrap_or_else(|| "-".into());
    let projection = pols
        .iter()
        .filter_map(|(n, p)| {
            let pr = p.projection.as_ref()?;
            Some(ProjRow {
                title: n.to_string(),
                projected: count(pr.projected),
                short: format!("{} ({})", count(pr.all.short_of_minimum), pct(Some(pr.all.short_of_minimum_share))),
                mean: opt_money(pr.all.pension_mean_fen),
                median: opt_money(pr.all.pension_median_fen),
                replacement: pct(pr.all.replacement_median),
            })
        })
        .collect();
    let words = chart_words(lang, &names.region);
    let policy_name = |n: &str| match r.policies.get(n) {
        Some(p) if lang.is_en() => p.title_en.clone(),
        Some(p) => p.title_zh.clone(),
        None => n.to_string(),
    };
    // The report's warnings already say every variant value.
    let warnings = r.warnings.iter().map(|t| t.get(lang).to_string()).collect();
    View {
        summary,
        variant: r.is_variant(),
        columns,
        totals,
        groups,
        projection,
        burden_svg: charts::burden_distribution_in(r, &words, &policy_name),
        replacement_svg: charts::replacement_by_band_in(r, &words, &policy_name),
        warnings,
        command: command_line(req, lang.is_en()),
    }
}
