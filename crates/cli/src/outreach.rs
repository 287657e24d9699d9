//! `flexpension outreach`: the policy-fit profile on the command line. `fit` and `score` are a
//! contract: `fit --train F.csv [--model OUT]`, `score --in F.csv [--model M] [--json]`, printing
//! per worker `worker_id, p` (more columns after) and, with `--json`, `auc` when the file has
//! `enrolled`.

use crate::UsageError;
use crate::ledger::month_arg;
use crate::output::{emit, lang_arg};
use anyhow::Context;
use clap::Subcommand;
use flexpension_outreach::eval;
use flexpension_outreach::product::{self, BaseLimits};
use flexpension_outreach::{PolicyFit, Row, Settings, features, synth};
use flexpension_rules::{Lang, Params, YearMonth};
use flexpension_sim::PopParams;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum OutreachCommand {
    /// A training table from the synthetic population: each worker's features and whether they
    /// joined (under the assumptions of params/outreach.toml).
    Synth {
        #[arg(long)]
        workers: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the optional columns grids and ever_enrolled (after the others).
        #[arg(long)]
        all_features: bool,
    },
    /// The store's own table: each worker with income in the year up to the month, their
    /// features and whether they had the employee pension then (de-identified: `w` and the
    /// store's worker number).
    Features {
        /// The month (YYYY-MM; default the latest with income).
        #[arg(long)]
        month: Option<String>,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Also write the optional columns grids and ever_enrolled (after the others).
        #[arg(long)]
        all_features: bool,
        #[command(flatten)]
        db: crate::data::Db,
    },
    /// Score every worker of the store for a month and keep it for the officer's console: the
    /// store's own model when it has enough joiners and non-joiners, else the synthetic one. Then
    /// plan today's outreach notices for the workers not enrolled (once per worker and day).
    Run {
        /// The month (YYYY-MM; default the latest with income).
        #[arg(long)]
        month: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: crate::data::Db,
    },
    /// Fit the model on a table with `enrolled` (0/1) and say how it does on held-out rows.
    Fit {
        #[arg(long, value_name = "FILE")]
        train: PathBuf,
        /// Where to write the model (JSON); without it the model is only measured.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Score workers: the chance each joins, the scheme that fits and the three reasons.
    Score {
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// A model from `fit --model`; without it, one fitted on the synthetic population.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// The insurance region whose base limits the scheme is offered at (default zj).
        #[arg(long, default_value = "zj")]
        region: String,
        /// The month whose base limits apply (YYYY-MM; default this month).
        #[arg(long)]
        month: Option<String>,
        #[arg(long, value_parser = lang_arg(), default_value = "zh")]
        lang: Lang,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(params: &Params, params_dir: Option<&Path>, cmd: OutreachCommand) -> anyhow::Result<()> {
    let settings = settings(params, params_dir)?;
    match cmd {
        OutreachCommand::Synth { workers, seed, out, all_features } => {
            if !(1..=features::MAX_ROWS).contains(&workers) {
                return Err(UsageError(format!("--workers: give 1 to {}", features::MAX_ROWS)).into());
            }
            let rows = columns(synth::table(&population(params)?, &settings.synthetic, workers, seed), all_features);
            write(&out, "--out", &features::to_csv(&rows))?;
            let joined = rows.iter().filter(|r| r.enrolled == Some(true)).count();
            emit(&format!("{} workers written to {} ({joined} joined)\n", rows.len(), out.display()));
            Ok(())
        }
        OutreachCommand::Features { month, out, all_features, db } => {
            let rows = crate::data::runtime()?.block_on(async {
                let store = crate::data::open(&db.db).await?;
                let r = store_features(&store, month.as_deref(), &settings).await;
                store.close().await;
                r
            })?;
            let rows = columns(rows, all_features);
            write(&out, "--out", &features::to_csv(&rows))?;
            let joined = rows.iter().filter(|r| r.enrolled == Some(true)).count();
            emit(&format!("{} workers written to {} ({joined} with the employee pension)\n", rows.len(), out.display()));
            Ok(())
        }
        OutreachCommand::Run { month, json, db } => {
            let (run, told) = crate::data::runtime()?.block_on(async {
                let store = crate::data::open(&db.db).await?;
                let r: anyhow::Result<_> = async {
                    let month = store_month(&store, month.as_deref()).await?;
                    let region = crate::data::store_region(&store, None).await?;
                    let run = flexpension_server::outreach::run(&store, params, &region, month)
                        .await
                        .map_err(|e| anyhow::Error::from(UsageError(format!("--month: {e}"))))?;
                    // Then the day's notices for the run's workers not enrolled (a rerun the same day adds nothing).
                    let told = flexpension_server::notices::schedule(&store, params, &region, chrono::Utc::now()).await?;
                    Ok((run, told))
                }
                .await;
                store.close().await;
                r
            })?;
            let text = if json {
                serde_json::to_string_pretty(
                    &serde_json::json!({"month": run.month, "workers": run.workers, "auc": run.auc_ppm as f64 / 1e6, "trained_on": run.trained_on, "notices": told}),
                )?
            } else {
                format!(
                    "{}: {} workers scored; model trained on {} (held-out AUC {:.3})\nnotices of {}: {} planned, {} held out, {} with no room ({} added)",
                    run.month,
                    run.workers,
                    run.trained_on,
                    run.auc_ppm as f64 / 1e6,
                    told.day,
                    told.notices,
                    told.holdout,
                    told.no_room,
                    told.added
                )
            };
            emit(&format!("{text}\n"));
            Ok(())
        }
        OutreachCommand::Fit { train, model, json } => {
            let table = read_table(&train, "--train")?;
            if !table.labelled {
                return Err(UsageError("--train: the file needs the column enrolled (0/1)".into()).into());
            }
            let name = train.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let fit = PolicyFit::fit(&table.rows, &settings.model, &name).map_err(|e| UsageError(format!("--train: {e}")))?;
            if let Some(path) = &model {
                write(path, "--model", &fit.to_json())?;
            }
            emit(&if json { format!("{}\n", serde_json::to_string_pretty(&fit)?) } else { fit_text(&fit) });
            Ok(())
        }
        OutreachCommand::Score { input, model, region, month, lang, json } => {
            let fit = match &model {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| UsageError(format!("--model {}: {e}", path.display())))?;
                    PolicyFit::from_json(&text).map_err(|e| UsageError(format!("--model: {e}")))?
                }
                None => default_model(params, &settings)?,
            };
            let month = match month {
                Some(m) => month_arg("--month", &m)?,
                None => YearMonth::of_date(crate::today()),
            };
            let scenario = params.scenario(&region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
            let (rules, _) = scenario.month_rules(month).map_err(|e| UsageError(format!("--month: {e}")))?;
            let limits = BaseLimits { lower_fen: rules.base_lower_fen, upper_fen: rules.base_upper_fen };
            let table = read_table(&input, "--in")?;
            score(&fit, &settings, limits, &table, lang, json)
        }
    }
}

/// The rows as the contract's columns only, unless the optional ones are asked for too.
fn columns(rows: Vec<Row>, all_features: bool) -> Vec<Row> {
    if all_features { rows } else { rows.into_iter().map(|r| Row { more: [None; features::M], ..r }).collect() }
}

fn settings(params: &Params, dir: Option<&Path>) -> anyhow::Result<Settings> {
    let file = dir.map(|d| d.join("outreach.toml")).filter(|p| p.is_file());
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            Settings::parse("outreach.toml", &text, &params.sources).map_err(|e| UsageError(format!("--params: {e}")).into())
        }
        None => Settings::embedded(&params.sources).context("the built-in outreach.toml does not load"),
    }
}

fn population(params: &Params) -> anyhow::Result<PopParams> {
    PopParams::embedded(&params.sources).context("the built-in population parameters do not load")
}

/// The model fitted on the synthetic population of `[model]`'s size and seed: the same on every
/// machine, for a store without outcomes of its own.
fn default_model(params: &Params, s: &Settings) -> anyhow::Result<PolicyFit> {
    flexpension_server::outreach::model(params, s, &[], "").map_err(|e| anyhow::anyhow!("the synthetic model: {e}"))
}

async fn store_month(store: &flexpension_store::Store, month: Option<&str>) -> anyhow::Result<YearMonth> {
    match month {
        Some(m) => month_arg("--month", m),
        None => store.latest_income_month(None).await?.ok_or_else(|| UsageError("--month: the store has no income yet".into()).into()),
    }
}

async fn store_features(store: &flexpension_store::Store, month: Option<&str>, settings: &Settings) -> anyhow::Result<Vec<Row>> {
    let month = store_month(store, month).await?;
    flexpension_server::outreach::table(store, settings, month).await.map_err(|e| UsageError(format!("--month: {e}")).into())
}

fn read_table(path: &Path, arg: &str) -> anyhow::Result<features::Table> {
    let file = std::fs::File::open(path).map_err(|e| UsageError(format!("{arg} {}: {e}", path.display())))?;
    features::read(std::io::BufReader::with_capacity(1 << 20, file)).map_err(|e| UsageError(format!("{arg}: {e}")).into())
}

fn write(path: &Path, arg: &str, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).map_err(|e| UsageError(format!("{arg} {}: {e}", path.display())).into())
}

fn fit_text(fit: &PolicyFit) -> String {
    let h = &fit.heldout;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "trained on {} ({} rows); measured on {} held-out rows, {} joined",
        fit.trained_on, fit.training_rows, h.rows, h.enrolled
    );
    let _ = writeln!(s, "AUC {:.3} (a constant guess: 0.500)", h.auc);
    let _ = writeln!(s, "Brier score {:.4} (a constant guess: {:.4})", h.brier, h.baseline_brier);
    let _ = writeln!(s, "calibration (predicted → observed):");
    for b in &h.calibration {
        let _ = writeln!(s, "  {:>6} rows  {:5.1}% → {:5.1}%", b.rows, b.predicted * 100.0, b.observed * 100.0);
    }
    let _ = writeln!(s, "weights (log-odds per standard deviation):");
    for (name, w) in fit.features.iter().zip(&fit.weights) {
        let _ = writeln!(s, "  {name:<14}{w:+.3}");
    }
    s
}

#[derive(Serialize)]
struct Scored<'a> {
    worker_id: &'a str,
    p: f64,
    #[serde(flatten)]
    product: product::ProductFit,
    reasons: Vec<flexpension_outreach::Reason>,
}

#[derive(Serialize)]
struct ScoreReport<'a> {
    model: &'a str,
    rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    auc: Option<f64>,
    workers: Vec<Scored<'a>>,
}

fn score(fit: &PolicyFit, s: &Settings, limits: BaseLimits, table: &features::Table, lang: Lang, json: bool) -> anyhow::Result<()> {
    let p: Vec<f64> = table.rows.iter().map(|r| fit.score(r)).collect();
    let auc = if table.labelled {
        let labels: Vec<bool> = table.rows.iter().map(|r| r.enrolled == Some(true)).collect();
        eval::auc(&p, &labels)
    } else {
        None
    };
    let fits = |(r, p): (&Row, &f64)| (product::best(r, *p, &s.product, limits, lang), fit.reasons(r, lang));
    if json {
        let workers = table.rows.iter().zip(&p).map(|(r, &pr)| {
            let (product, reasons) = fits((r, &pr));
            Scored { worker_id: &r.worker_id, p: pr, product, reasons }
        });
        let report = ScoreReport { model: &fit.trained_on, rows: table.rows.len(), auc, workers: workers.collect() };
        emit(&format!("{}\n", serde_json::to_string(&report)?));
        return Ok(());
    }
    let mut out = String::with_capacity(table.rows.len() * 64 + 64);
    out.push_str("worker_id,p,product,base_fen,reason_1,reason_2,reason_3\n");
    for (r, pr) in table.rows.iter().zip(&p) {
        let (product, reasons) = fits((r, pr));
        let _ = write!(
            out,
            "{},{:.4},{},{}",
            r.worker_id,
            pr,
            product.product.code(),
            product.base_fen.map(|b| b.to_string()).unwrap_or_default()
        );
        for why in reasons {
            let _ = write!(out, ",{}{}", why.feature, if why.raises { '+' } else { '-' });
        }
        out.push('\n');
    }
    emit(&out);
    if let Some(a) = auc {
        eprintln!("AUC on this file: {a:.3}");
    }
    Ok(())
}
