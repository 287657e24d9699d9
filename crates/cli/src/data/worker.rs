//! `flexpension worker show --id-number N [--month YYYY-MM]`: a worker's enrolments and a
//! month's income across platforms. The resident ID is only ever shown masked. `worker freeze
//! --id-number N --reason R` and `worker unfreeze --id-number N`: a worker's account frozen
//! (冻结) and unfrozen.

use super::{Db, input_error, open, runtime};
use crate::UsageError;
use crate::data::Out;
use crate::output::emit;
use clap::{Args, Subcommand};
use flexpension_ledger::Status;
use flexpension_rules::Params;
use flexpension_rules::YearMonth;
use flexpension_rules::checkdigit::mask;
use flexpension_rules::money::yuan;
use flexpension_store::{Enrolment, MonthsByRegion, PlatformIncome, Worker, WorkerStatement};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Subcommand)]
pub enum WorkerCommand {
    /// A worker's enrolments and, for a month, income by platform.
    Show(WorkerShowArgs),
    /// Freeze a worker's account (冻结, e.g. a transfer under way): closes, payments and new
    /// enrolments for them are refused until `worker unfreeze`.
    Freeze(WorkerFreezeArgs),
    /// Lift a worker's freeze.
    Unfreeze(WorkerUnfreezeArgs),
}

#[derive(Args)]
pub struct WorkerFreezeArgs {
    /// The worker's resident ID.
    #[arg(long, value_name = "N")]
    id_number: String,
    /// Why (kept in the store; the log holds its digest). At most 200 characters.
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
pub struct WorkerUnfreezeArgs {
    /// The worker's resident ID.
    #[arg(long, value_name = "N")]
    id_number: String,
    #[command(flatten)]
    db: Db,
}

/// `worker freeze` and `worker unfreeze`.
fn freeze(id_number: &str, reason: Option<&str>, db: &Db) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&db.db).await?;
        let r = async {
            let worker =
                store.find_worker(id_number).await.map_err(|e| input_error("--id-number", e))?.ok_or_else(|| {
                    UsageError(format!("--id-number: no registered worker has the resident ID {}", mask(id_number.trim())))
                })?;
            let line = match reason {
                Some(reason) => {
                    let f = store.freeze_worker(worker.id, reason).await.map_err(|e| match e.field() {
                        Some("reason") => input_error("--reason", e),
                        _ => input_error("--id-number", e),
                    })?;
                    format!("worker {} frozen: {}\n", worker.id.0, f.reason)
                }
                None => {
                    let f = store.unfreeze_worker(worker.id).await.map_err(|e| input_error("--id-number", e))?;
                    format!("worker {} unfrozen (was frozen: {})\n", worker.id.0, f.reason)
                }
            };
            anyhow::Ok(line)
        }
        .await;
        store.close().await;
        emit(&r?);
        Ok(())
    })
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: worker, enrolments, month, income_fen, orders, by_platform, account")))]
pub struct WorkerShowArgs {
    /// The worker's resident ID (not printed back: answers show it masked).
    #[arg(long, value_name = "N")]
    id_number: String,
    /// YYYY-MM; default the latest month with income, else this month (China time).
    #[arg(long)]
    month: Option<String>,
    #[command(flatten)]
    out: Out,
}

#[derive(Serialize)]
struct Shown {
    worker: Worker,
    enrolments: Vec<Enrolment>,
    month: YearMonth,
    income_fen: i64,
    orders: i64,
    by_platform: Vec<PlatformIncome>,
    /// The worker's account off the journal: months closed, personal account, status.
    account: WorkerStatement,
    /// Months and years counted by region (months paid here and brought in by transfers, less
    /// those moved out), and combined: {by_region: [{region, months, years}], months, years}.
    counted: MonthsByRegion,
    /// Where the pension would be paid if the worker retired now (article 6), with the rule's
    /// explanation; null when the hukou's province is unknown or no month is counted.
    benefit_place: Option<flexpension_rules::Explained<flexpension_rules::transfer::BenefitPlace>>,
    /// The provincial special fund's subsidy by month: asked, granted, queued, the shortfall
    /// policy and why, in plain words.
    subsidy: Vec<SubsidyLine>,
    /// What platforms pay of the worker's contributions under collective contracts.
    platform_shares: Vec<flexpension_store::WorkerShare>,
}

#[derive(Serialize)]
struct SubsidyLine {
    #[serde(flatten)]
    grant: flexpension_store::WorkerGrant,
    why: Vec<flexpension_rules::explain::Text>,
}

pub fn run(params: &Params, cmd: WorkerCommand) -> anyhow::Result<()> {
    let a = match cmd {
        WorkerCommand::Show(a) => a,
        WorkerCommand::Freeze(f) => return freeze(&f.id_number, Some(&f.reason), &f.db),
        WorkerCommand::Unfreeze(u) => return freeze(&u.id_number, None, &u.db),
    };
    let month = a.month.as_deref().map(|m| m.parse::<YearMonth>().map_err(|e| UsageError(format!("--month: {e}")))).transpose()?;
    // The lapse threshold in force this month.
    let lapse = flexpension_ledger::lapse_after_months(params, YearMonth::of_date(crate::today()))?;
    let shown = runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let r = async {
            let worker =
                store.find_worker(&a.id_number).await.map_err(|e| input_error("--id-number", e))?.ok_or_else(|| {
                    UsageError(format!("--id-number: no registered worker has the resident ID {}", mask(a.id_number.trim())))
                })?;
            let month = match month {
                Some(m) => m,
                None => store.worker_income_months(worker.id).await?.first().copied().unwrap_or_else(|| YearMonth::of_date(crate::today())),
            };
            let enrolments = store.enrolments(worker.id).await?;
            let income = store.worker_month_income(worker.id, month).await?;
            let account = store.worker_statement(worker.id, lapse).await?;
            let (counted, benefit_place) = store.counted(params, worker.id).await?;
            let mut subsidy = Vec::new();
            for g in store.worker_fund_grants(worker.id.0).await? {
                let rules = params.fund_rules(g.month.first_day())?;
                let policy = flexpension_rules::fund::Shortfall::parse(&g.policy).unwrap_or(rules.shortfall);
                let asked =
                    flexpension_rules::fund::Grant { requested_fen: g.requested_fen, granted_fen: g.granted_fen, queued_fen: g.queued_fen };
                let why = flexpension_rules::fund::explain_grant(&asked, policy, &g.city, &rules.uses).steps;
                subsidy.push(SubsidyLine { grant: g, why });
            }
            let platform_shares = store.worker_contract_shares(worker.id.0).await?;
            Ok::<Shown, anyhow::Error>(Shown {
                worker,
                enrolments,
                month,
                income_fen: income.income_fen,
                orders: income.orders,
                by_platform: income.by_platform,
                account,
                counted,
                benefit_place,
                subsidy,
                platform_shares,
            })
        }
        .await;
        store.close().await;
        r
    })?;
    if a.out.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&shown)?));
    } else {
        emit(&text(&shown)?);
    }
    Ok(())
}

fn text(s: &Shown) -> Result<String, std::fmt::Error> {
    let w = &s.worker;
    let mut o = String::new();
    writeln!(
        o,
        "worker {} · {} · {} · born {} · {} · phone {} · hukou {} · grid {}",
        w.id,
        w.id_masked,
        w.name,
        w.birth_month,
        w.sex.as_str(),
        w.phone_masked,
        w.hukou_region,
        w.home_grid
    )?;
    if s.enrolments.is_empty() {
        writeln!(o, "enrolments: none")?;
    } else {
        writeln!(o, "enrolments:")?;
        for e in &s.enrolments {
            let to = e.to.map_or_else(|| "open".to_string(), |t| format!("to {t}"));
            writeln!(o, "  {} from {} ({to}), on {}", e.scheme.as_str(), e.from, e.basis.as_str())?;
        }
    }
    writeln!(o, "income {}: {} yuan, {} orders", s.month, yuan(s.income_fen), s.orders)?;
    for p in &s.by_platform {
        writeln!(o, "  {} (platform {}): {} yuan, {} orders", p.platform_name, p.platform.0, yuan(p.income_fen), p.orders)?;
    }
    let a = &s.account;
    let status = match a.status {
        Status::Uninsured => "no month closed".to_string(),
        Status::Current => "current".to_string(),
        Status::InArrears { months, arrears_fen } => format!("in arrears: {months} months, {} yuan", yuan(arrears_fen)),
        Status::Lapsed { months, arrears_fen, since } => format!("lapsed since {since}: {months} months, {} yuan", yuan(arrears_fen)),
    };
    writeln!(
        o,
        "account: personal account {} yuan, {} months paid ({} years counted), {status}",
        yuan(a.personal_account_fen),
        a.months_paid,
        a.years_counted
    )?;
    for m in &a.months {
        writeln!(
            o,
            "  {}: base {} yuan, rate {}.{:02}%, contribution {} yuan, subsidy {} yuan, paid {} yuan, due {} yuan",
            m.month,
            yuan(m.base_fen),
            m.rate_bp / 100,
            m.rate_bp % 100,
            yuan(m.contribution_fen),
            yuan(m.subsidy_fen),
            yuan(m.paid_fen),
            yuan(m.due_fen)
        )?;
    }
    for p in &s.platform_shares {
        write!(o, "  {}: platform {} pays {} yuan of it (collective contract)", p.month, p.platform, yuan(p.amount_fen))?;
        if p.topup_fen > 0 {
            write!(o, ", {} yuan of that for raising the base to the contract's minimum", yuan(p.topup_fen))?;
        }
        writeln!(o)?;
    }
    for l in &s.subsidy {
        for w in &l.why {
            writeln!(o, "  subsidy {}: {}", l.grant.month, w.en)?;
        }
    }
    let c = &s.counted;
    let by: Vec<String> = c.by_region.iter().map(|r| format!("{} {} months ({} years)", r.region, r.months, r.years)).collect();
    writeln!(
        o,
        "counted: {} months ({} years){}",
        c.months,
        c.years,
        if by.is_empty() { String::new() } else { format!(": {}", by.join(", ")) }
    )?;
    if let Some(p) = &s.benefit_place {
        let why = p.steps.last().map(|t| t.en.as_str()).unwrap_or("");
        writeln!(o, "benefit place if retired now: {} (rule {}): {why}", p.value.place, p.value.rule)?;
    }
    Ok(o)
}
