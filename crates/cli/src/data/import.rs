//! `flexpension import workers FILE.csv` and `flexpension import earnings FILE.csv --platform ID`.

use super::{RowProblem, ensure_regions, input_error, open, report_json, rows_left_out, runtime};
use crate::UsageError;
use crate::data::Out;
use crate::output::emit;
use clap::{Args, Subcommand, ValueEnum};
use flexpension_rules::Params;
use flexpension_store::{Format, IngestOptions, PlatformId, WorkerImportOptions};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Workers from CSV: id_number,name,phone,hukou_region,grid and optionally pension_from
    /// (YYYY-MM: enrolled in the employee pension from that month). The same worker again is a
    /// no-op. Exit code 2 when rows were left out (each is listed with its line).
    Workers(ImportWorkersArgs),
    /// A platform's settled orders from CSV (header order_id, id_number, amount_yuan,
    /// settled_at, order_type, grid; settled_at ISO 8601, China time without an offset) or JSON
    /// lines.
    /// Streams the file, committing every 50,000 rows; idempotent per order id, so a rerun
    /// after an interruption counts the rows already stored as duplicate. Exit code 2 when rows
    /// were left out (each is listed with its line).
    Earnings(ImportEarningsArgs),
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: added, duplicate, conflicting, rejected, enrolled, errors")))]
#[command(mut_arg("json", |a| a.help("Print JSON: added, duplicate, conflicting, rejected, enrolled, errors")))]
pub struct ImportWorkersArgs {
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    #[command(flatten)]
    out: Out,
}

#[derive(Clone, Copy, ValueEnum)]
enum FileFormat {
    Csv,
    Jsonl,
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: accepted, duplicate, conflicting, rejected, income_fen, premium_fen, errors")))]
pub struct ImportEarningsArgs {
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// The platform's id (from `platform add`).
    #[arg(long, value_name = "ID")]
    platform: i64,
    /// csv or jsonl; default by the file's extension (.jsonl, .ndjson: jsonl; else csv).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// The insurance region whose rules apply (default: the store's, from `init --region`; else zj).
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    out: Out,
}

pub fn run(params: &Params, cmd: ImportCommand) -> anyhow::Result<()> {
    match cmd {
        ImportCommand::Workers(a) => workers(params, &a),
        ImportCommand::Earnings(a) => earnings(params, &a),
    }
}

fn open_file(path: &Path) -> anyhow::Result<File> {
    File::open(path).map_err(|e| UsageError(format!("{}: cannot open: {e}", path.display())).into())
}

fn list(out: &mut String, errors: &[RowProblem], omitted: u64) -> std::fmt::Result {
    for e in errors {
        writeln!(out, "  line {}: {}: {}", e.line, e.field, e.reason)?;
    }
    if omitted > 0 {
        writeln!(out, "  ... and {omitted} more")?;
    }
    Ok(())
}

fn workers(params: &Params, a: &ImportWorkersArgs) -> anyhow::Result<()> {
    let file = open_file(&a.file)?;
    let report = runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        ensure_regions(&store, params).await?;
        let r = store.import_workers(std::io::BufReader::new(file), &WorkerImportOptions::default()).await;
        store.close().await;
        r.map_err(|e| input_error(&a.file.display().to_string(), e))
    })?;
    let errors: Vec<RowProblem> = report.errors.iter().map(RowProblem::from).collect();
    let (r, omitted) = (&report, report.errors_omitted);
    if a.out.json {
        emit(&report_json(r, &errors)?);
    } else {
        let mut out = format!(
            "workers: added {}, duplicate {}, conflicting {}, rejected {}; enrolled in the employee pension {}\n",
            r.added, r.duplicate, r.conflicting, r.rejected, r.enrolled
        );
        list(&mut out, &errors, omitted)?;
        emit(&out);
    }
    rows_left_out(&a.file, r.rejected + r.conflicting, &errors)
}

fn earnings(params: &Params, a: &ImportEarningsArgs) -> anyhow::Result<()> {
    if let Some(r) = &a.region {
        params.scenario(r, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    }
    let format = match a.format {
        Some(FileFormat::Csv) => Format::Csv,
        Some(FileFormat::Jsonl) => Format::JsonLines,
        None => match a.file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("jsonl" | "ndjson") => Format::JsonLines,
            _ => Format::Csv,
        },
    };
    let file = open_file(&a.file)?;
    // A progress bar on a terminal only: piped output stays clean.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(file.metadata().map(|m| m.len()).unwrap_or(0));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message("importing");
        bar
    });
    let input: Box<dyn Read + Send> = match &bar {
        Some(b) => Box::new(b.wrap_read(file)),
        None => Box::new(file),
    };
    let report = runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let r = async {
            let region = super::store_region(&store, a.region.as_deref()).await?;
            let scenario = params.scenario(&region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
            if store.platform(PlatformId(a.platform)).await?.is_none() {
                return Err(UsageError(format!("--platform: no platform has the id {}", a.platform)).into());
            }
            let opts = IngestOptions::file(chrono::Utc::now());
            store
                .ingest_earnings(PlatformId(a.platform), &scenario, input, format, &opts)
                .await
                .map_err(|e| input_error(&a.file.display().to_string(), e))
        }
        .await;
        store.close().await;
        r
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report?;
    let errors: Vec<RowProblem> = report.errors.iter().map(RowProblem::from).collect();
    let r = &report;
    if a.out.json {
        emit(&report_json(r, &errors)?);
    } else {
        let mut out = format!(
            "earnings: accepted {}, duplicate {}, conflicting {}, rejected {}; income {} yuan, injury premium {} yuan\n",
            r.accepted,
            r.duplicate,
            r.conflicting,
            r.rejected,
            flexpension_rules::money::yuan(r.income_fen),
            flexpension_rules::money::yuan(r.premium_fen)
        );
        list(&mut out, &errors, r.errors_omitted)?;
        emit(&out);
    }
    rows_left_out(&a.file, r.rejected + r.conflicting, &errors)
}
