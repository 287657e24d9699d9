//! `flexpension`: the command line. A thin shell: parse arguments, load the parameters, call the
//! library, print. Bad input exits with code 2 and names the argument; other failures with 1.
//!
//! | module | what |
//! |---|---|
//! | `calc` | `flexpension calc ...`: each calculator, with the same request and response as the API |
//! | `choice` | The worker's own choices (a contract): `enrol`, `base choose`, `savings declare`, `deposit`, `use` |
//! | `complaint` | `flexpension complaint file`, `show`, `respond`, `sla` (a contract): complaints with sealed evidence packages, the platform's 72-hour deadline |
//! | `config` | `serve`'s settings: the TOML file, FLEXPENSION_* overrides, the flags; `--print-config` |
//! | `data` | The commands that touch the data store: `init`, `platform add`, `grid add`, `import workers`, `import earnings`, `worker show` |
//! | `fund` | The provincial special fund (a contract): `fund appropriate`, `fund report` |
//! | `demo` | `flexpension demo`: a fresh SQLite store with a synthetic Zhejiang population |
//! | `ledger` | The month close and the money on the store: `settle`, `pay`, `interest`, `report month` |
//! | `log` | The tamper-evident log on the command line (a contract, see docs/LOG.md): `log key`, `log checkpoint`, `log proof` |
//! | `outreach` | The policy-fit profile (a contract): `outreach synth`, `outreach fit`, `outreach score` |
//! | `ops` | `flexpension backup` and `restore` (docs/OPERATIONS.md) |
//! | `output` | Printing explanations for people at a terminal |
//! | `peer` | The peer agencies (对端经办机构): `peer add`, `peer list` (a contract) |
//! | `serve` | `flexpension serve`: start the server and say where it listens |
//! | `simulate` | `flexpension simulate`: a population (synthetic or from CSV) under current law and the paper's proposals, with variants |

mod calc;
mod choice;
mod complaint;
mod config;
mod data;
mod demo;
mod fund;
mod ledger;
mod log;
mod monitor;
mod ops;
mod output;
mod outreach;
mod peer;
mod serve;
mod simulate;
mod transfer;

use anyhow::Context;
use clap::{Parser, Subcommand};
use flexpension_rules::Params;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "flexpension", version, about = "Pensions for flexible and platform workers: calculators, API and web")]
struct Cli {
    /// Read the rule parameters from this directory instead of the copy built into the binary.
    #[arg(long, global = true, value_name = "DIR")]
    params: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a data store for an insurance region (recorded in the store; later commands on it
    /// default to that region).
    Init(data::InitArgs),
    /// The calculators: contribution, retirement, pension, workdays, injury, id-check,
    /// transfer-funds, benefit-place.
    #[command(subcommand)]
    Calc(calc::CalcCommand),
    /// Start the HTTP server: the API, the OpenAPI document and the worker's pages; with --db,
    /// also the platform API (earnings in, premiums out).
    Serve(config::ServeArgs),
    /// The demo: a fresh SQLite store with a synthetic Zhejiang population, a year of orders
    /// through the platform API, months closed and paid; then the server, with demo logins.
    Demo(demo::DemoArgs),
    /// Platforms: register one (prints its API key once).
    #[command(subcommand)]
    Platform(data::PlatformCommand),
    /// Grid cells (网格) that workers and orders name.
    #[command(subcommand)]
    Grid(data::GridCommand),
    /// Import workers or a platform's settled orders from a file.
    #[command(subcommand)]
    Import(data::ImportCommand),
    /// Look a worker up: enrolments and a month's income by platform.
    #[command(subcommand)]
    Worker(data::WorkerCommand),
    /// The provincial special fund (省级统管、市级发放): appropriations and the fund's report.
    #[command(subcommand)]
    Fund(fund::FundCommand),
    /// Collective contracts (集体合同) of a union federation and a platform.
    #[command(subcommand)]
    Contract(fund::ContractCommand),
    /// Peer agencies (对端经办机构): other regions' agencies this one exchanges signed messages with.
    #[command(subcommand)]
    Peer(peer::PeerCommand),
    /// Transfers between insurance regions (转移接续): request one at the receiving agency, show, list.
    #[command(subcommand)]
    Transfer(transfer::TransferCommand),
    /// Close a contribution month: bill every enrolled worker under the region's (or a given) policy.
    Settle(ledger::SettleArgs),
    /// Record money received for a worker; it pays the oldest months first.
    Pay(ledger::PayArgs),
    /// Year end: credit the year's official interest to every personal account.
    Interest(ledger::InterestArgs),
    /// Reports off the journal.
    #[command(subcommand)]
    Report(ledger::ReportCommand),
    /// Risk monitoring for grid workers: uninsured, lapsed, about to lapse, income interrupted,
    /// short of years.
    #[command(subcommand)]
    Monitor(monitor::MonitorCommand),
    /// Platform credit ratings: the insured share of each platform's active workers, grades
    /// (lowered for complaints left unanswered past their deadline), and the sanctions list for
    /// platforms under the floor for years in a row.
    #[command(subcommand)]
    Credit(monitor::CreditCommand),
    /// Outreach: who is likely to join, which scheme fits and why (the policy-fit profile).
    #[command(subcommand)]
    Outreach(outreach::OutreachCommand),
    /// Complaints (一键维权): file one with sealed evidence, show it, a platform's answer, the
    /// 72-hour response deadline.
    #[command(subcommand)]
    Complaint(complaint::ComplaintCommand),
    /// Policy microsimulation: current law against the paper's proposals on a population.
    Simulate(simulate::SimulateArgs),
    /// The tamper-evident log: its key, checkpoint, inclusion and consistency proofs.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Check a proof bundle, a contribution voucher or a complaint's evidence package (JSON or PDF)
    /// offline, with the public keys.
    Verify(log::VerifyArgs),
    /// Run a witness (another department's cosigner of the log), or make its key.
    Witness(log::WitnessArgs),
    /// Issue a worker's contribution voucher (参保缴费凭证) as a PDF.
    Voucher(log::VoucherArgs),
    /// Copy a store while it runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump) into a new file.
    Backup(ops::BackupArgs),
    /// Make a store from a backup file (into a new SQLite file or an empty PostgreSQL database).
    Restore(ops::RestoreArgs),
    /// Join or leave one insurance type (unbundled): employee_pension, residents_pension,
    /// medical, injury_cover.
    Enrol(choice::EnrolArgs),
    /// The contribution base a worker chooses between the region's limits.
    #[command(subcommand)]
    Base(choice::BaseCommand),
    /// The pension savings account (个人养老储蓄账户): occasional income, deposits, paying arrears.
    #[command(subcommand)]
    Savings(choice::SavingsCommand),
    /// Check a parameter directory and report the first problem, naming file and key.
    CheckParams {
        /// The directory (default: ./params).
        dir: Option<PathBuf>,
    },
}

/// A user's mistake: printed plainly, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::CheckParams { dir } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("params"));
            let p = load_dir(&dir).map_err(|e| UsageError(format!("{e:#}")))?;
            println!(
                "ok: {} sources, regions {}, policies {}, overlays {}",
                p.sources.len(),
                p.region_codes().join(", "),
                p.policy_names().join(", "),
                p.overlay_names().join(", ")
            );
            Ok(())
        }
        Command::Serve(a) => {
            let settings = config::resolve(&a, &|k| std::env::var(k).ok())?;
            if a.print_config {
                print!("{}", settings.masked_toml()?);
                return Ok(());
            }
            serve::run(load_params(cli.params.as_deref())?, settings)
        }
        Command::Backup(a) => ops::backup(a),
        Command::Restore(a) => ops::restore(a),
        Command::Demo(a) => demo::run(load_params(cli.params.as_deref())?, a),
        Command::Platform(c) => data::platform(&load_params(cli.params.as_deref())?, c),
        Command::Grid(c) => data::grid(&load_params(cli.params.as_deref())?, c),
        Command::Init(a) => data::init(&load_params(cli.params.as_deref())?, a),
        Command::Import(c) => data::import::run(&load_params(cli.params.as_deref())?, c),
        Command::Worker(c) => data::worker::run(&load_params(cli.params.as_deref())?, c),
        Command::Peer(c) => peer::run(c),
        Command::Fund(c) => fund::run(&load_params(cli.params.as_deref())?, c),
        Command::Contract(c) => fund::contract(c),
        Command::Transfer(c) => transfer::run(&load_params(cli.params.as_deref())?, c),
        Command::Settle(a) => ledger::settle(&load_params(cli.params.as_deref())?, a),
        Command::Pay(a) => ledger::pay(&load_params(cli.params.as_deref())?, a),
        Command::Interest(a) => ledger::interest(&load_params(cli.params.as_deref())?, a),
        Command::Report(c) => ledger::report(c),
        Command::Monitor(c) => monitor::run(&load_params(cli.params.as_deref())?, c),
        Command::Credit(c) => monitor::credit(&load_params(cli.params.as_deref())?, c),
        Command::Complaint(c) => complaint::run(&load_params(cli.params.as_deref())?, c),
        Command::Log(c) => log::log(c),
        Command::Verify(a) => log::verify(a),
        Command::Witness(a) => log::witness(a),
        Command::Voucher(a) => log::voucher(load_params(cli.params.as_deref())?, a),
        Command::Outreach(c) => outreach::run(&load_params(cli.params.as_deref())?, cli.params.as_deref(), c),
        Command::Simulate(a) => simulate::run(&load_params(cli.params.as_deref())?, &a),
        Command::Enrol(a) => choice::enrol(&load_params(cli.params.as_deref())?, a),
        Command::Base(c) => choice::base(&load_params(cli.params.as_deref())?, c),
        Command::Savings(c) => choice::savings(&load_params(cli.params.as_deref())?, c),
        Command::Calc(c) => {
            let params = load_params(cli.params.as_deref())?;
            calc::run(&params, c)
        }
    }
}

/// The parameters: from `--params DIR` when given, else the copy compiled into the binary.
pub fn load_params(dir: Option<&Path>) -> anyhow::Result<Params> {
    match dir {
        Some(d) => load_dir(d).map_err(|e| UsageError(format!("--params: {e:#}")).into()),
        None => Params::embedded().context("the built-in parameters do not load"),
    }
}

/// Read every `.toml` under a parameter directory, named relative to it.
fn load_dir(dir: &Path) -> anyhow::Result<Params> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let rel = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
                files.push((rel, text));
            }
        }
    }
    files.sort();
    Ok(Params::load(&files)?)
}

/// Today in China (UTC+8): the shell reads the clock, the rules core never does.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
