//! `flexpension fund appropriate --year Y --amount-yuan N [--city CODE]` and
//! `flexpension fund report [--year Y] [--json]` (a contract: `appropriated_fen`,
//! `committed_fen`, `paid_fen`, `balance_fen`): the provincial special fund (省级统管、市级发放).
//! An appropriation grants the queued subsidies it can at once (their months are reclosed).

use crate::data::Out;
use crate::data::{Db, input_error, open, runtime};
use crate::output::emit;
use crate::{UsageError, today};
use clap::{Args, Subcommand};
use flexpension_rules::money::{parse_yuan, yuan};
use flexpension_rules::{Params, YearMonth};

#[derive(Subcommand)]
pub enum FundCommand {
    /// Record the province's appropriation for a year: to one city, or split over the region's cities.
    Appropriate(AppropriateArgs),
    /// The fund's figures: appropriated, committed, paid, balance; by city and month.
    Report(ReportArgs),
}

#[derive(Args)]
pub struct AppropriateArgs {
    /// The budget year.
    #[arg(long)]
    year: i32,
    /// The amount in yuan (up to two decimals).
    #[arg(long, allow_hyphen_values = true)]
    amount_yuan: String,
    /// The city (the part of a grid code before '-'); default: split evenly over the region's cities.
    #[arg(long)]
    city: Option<String>,
    /// The insurance region (default: the store's, from `init --region`; else zj).
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
pub struct ReportArgs {
    /// One budget year (default: every year).
    #[arg(long)]
    year: Option<i32>,
    /// The insurance region (default: the store's).
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    out: Out,
}

pub fn run(params: &Params, cmd: FundCommand) -> anyhow::Result<()> {
    match cmd {
        FundCommand::Appropriate(a) => appropriate(params, a),
        FundCommand::Report(a) => report(a),
    }
}

fn appropriate(params: &Params, a: AppropriateArgs) -> anyhow::Result<()> {
    let amount_fen = parse_yuan(&a.amount_yuan).map_err(|e| UsageError(format!("--amount-yuan: {e}")))?;
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let out = async {
            let region = crate::data::store_region(&store, a.region.as_deref()).await?;
            let scenario = params.scenario(&region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
            let mut r = store.fund_appropriate(&region, a.year, a.city.as_deref(), amount_fen).await.map_err(|e| {
                let arg = match e.field() {
                    Some("city") => "--city",
                    Some("year") => "--year",
                    Some(_) => "--amount-yuan",
                    None => "--region",
                };
                input_error(arg, e)
            })?;
            let at = YearMonth::of_date(today());
            let (months, released) = store.fund_release_queue(&scenario, a.year, at).await?;
            (r.released_months, r.released_fen) = (months, released);
            anyhow::Ok(r)
        }
        .await;
        store.close().await;
        let r = out?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
        } else {
            let cities: Vec<String> = r.cities.iter().map(|(c, f)| format!("{c} {} yuan", yuan(*f))).collect();
            emit(&format!("appropriated {} yuan for {} in {}: {}\n", yuan(r.amount_fen), r.year, r.region, cities.join(", ")));
            if r.released_months > 0 {
                emit(&format!("queued subsidies granted: {} yuan over {} worker-months\n", yuan(r.released_fen), r.released_months));
            }
        }
        Ok(())
    })
}

fn report(a: ReportArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let out = async {
            let region = crate::data::store_region(&store, a.region.as_deref()).await?;
            anyhow::Ok(store.fund_report(&region, a.year).await?)
        }
        .await;
        store.close().await;
        let r = out?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
            return Ok(());
        }
        let mut o = format!(
            "special fund of {}{}: appropriated {} yuan, committed {}, paid {}, balance {}; waiting in the queue {}\n",
            r.region,
            r.year.map(|y| format!(" for {y}")).unwrap_or_default(),
            yuan(r.appropriated_fen),
            yuan(r.committed_fen),
            yuan(r.paid_fen),
            yuan(r.balance_fen),
            yuan(r.queued_fen)
        );
        for (c, f) in &r.cities {
            o.push_str(&format!(
                "  {c}: appropriated {}, committed {}, paid {}, balance {}, queued {}\n",
                yuan(f.appropriated_fen),
                yuan(f.committed_fen),
                yuan(f.paid_fen),
                yuan(f.balance_fen),
                yuan(f.queued_fen)
            ));
        }
        emit(&o);
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum ContractCommand {
    /// File a collective contract of a union federation and a platform and approve it (备案)
    /// in one step; prints its id.
    Add(ContractAddArgs),
}

#[derive(Args)]
pub struct ContractAddArgs {
    /// The platform's id.
    #[arg(long)]
    platform: i64,
    /// The union federation's name.
    #[arg(long)]
    union: String,
    /// The platform's share of each active worker's contribution, basis points (3000 = 30%).
    #[arg(long, allow_hyphen_values = true)]
    share_bp: i32,
    /// The first month, YYYY-MM.
    #[arg(long)]
    from: String,
    /// The last month, YYYY-MM (default: open-ended).
    #[arg(long)]
    to: Option<String>,
    /// The minimum contribution base agreed, yuan (recorded; see the report on what applies it).
    #[arg(long)]
    min_base_yuan: Option<String>,
    #[command(flatten)]
    out: Out,
}

pub fn contract(cmd: ContractCommand) -> anyhow::Result<()> {
    let ContractCommand::Add(a) = cmd;
    let from = crate::ledger::month_arg("--from", &a.from)?;
    let to = a.to.as_deref().map(|t| crate::ledger::month_arg("--to", t)).transpose()?;
    let min_base_fen = a.min_base_yuan.as_deref().map(parse_yuan).transpose().map_err(|e| UsageError(format!("--min-base-yuan: {e}")))?;
    let nc = flexpension_store::NewContract {
        platform: flexpension_store::PlatformId(a.platform),
        union_name: a.union.clone(),
        share_bp: a.share_bp,
        from,
        to,
        min_base_fen,
        supplementary: None,
    };
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let out = async {
            let c = store.file_contract(&nc).await.map_err(|e| {
                let arg = match e.field() {
                    Some("union") => "--union",
                    Some("share_bp") => "--share-bp",
                    Some("to") => "--to",
                    Some("min_base") => "--min-base-yuan",
                    Some(_) => "--from",
                    None => "--platform",
                };
                input_error(arg, e)
            })?;
            anyhow::Ok(store.decide_contract(c.id, true, None).await?)
        }
        .await;
        store.close().await;
        let c = out?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&c)?));
        } else {
            emit(&format!("contract {} of platform {} with {} filed and approved: the platform pays {} of each active worker's contribution from {}\n",
                c.id, c.platform, c.union_name, flexpension_rules::money::Dec6(i64::from(c.share_bp) * 100).percent(), c.from));
        }
        Ok(())
    })
}

#[derive(Args)]
pub struct BillArgs {
    #[arg(long)]
    platform: i64,
    /// YYYY-MM.
    #[arg(long)]
    month: String,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
pub struct PlatformPayArgs {
    #[arg(long)]
    platform: i64,
    #[arg(long, allow_hyphen_values = true)]
    amount_yuan: String,
    /// The platform's own reference: the same reference again is the same payment.
    #[arg(long)]
    reference: String,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
pub struct StatementArgs {
    #[arg(long)]
    platform: i64,
    #[arg(long)]
    year: i32,
    #[arg(long)]
    json: bool,
    /// Write the statement as a PDF to this file.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    #[command(flatten)]
    db: Db,
}

fn platform_error(e: flexpension_store::StoreError) -> anyhow::Error {
    match e.field() {
        Some("amount") => input_error("--amount-yuan", e),
        Some("reference") => input_error("--reference", e),
        _ if matches!(e, flexpension_store::StoreError::Exists { .. }) => input_error("--reference", e),
        _ if matches!(e, flexpension_store::StoreError::NotFound { .. }) => input_error("--platform", e),
        _ => e.into(),
    }
}

pub fn bill(a: BillArgs) -> anyhow::Result<()> {
    let month = crate::ledger::month_arg("--month", &a.month)?;
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let out = async {
            if store.platform(flexpension_store::PlatformId(a.platform)).await?.is_none() {
                return Err(UsageError(format!("--platform: no platform {}", a.platform)).into());
            }
            anyhow::Ok(store.platform_bill(flexpension_store::PlatformId(a.platform), month).await?)
        }
        .await;
        store.close().await;
        let b = out?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&b)?));
        } else {
            emit(&format!(
                "platform {} bill for {}: contract share {} yuan, injury premiums {}, union dues {}{}; total {}, paid {}, outstanding {}\n",
                b.platform,
                b.month,
                yuan(b.contract_share_fen),
                yuan(b.injury_premium_fen),
                yuan(b.union_dues_fen),
                b.union_payee.as_deref().map(|u| format!(" (to {u})")).unwrap_or_default(),
                yuan(b.total_fen),
                yuan(b.paid_fen),
                yuan(b.outstanding_fen)
            ));
        }
        Ok(())
    })
}

pub fn pay(a: PlatformPayArgs) -> anyhow::Result<()> {
    let amount_fen = parse_yuan(&a.amount_yuan).map_err(|e| UsageError(format!("--amount-yuan: {e}")))?;
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let r = store.platform_pay(flexpension_store::PlatformId(a.platform), amount_fen, &a.reference).await;
        store.close().await;
        let r = r.map_err(platform_error)?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
        } else if r.duplicate {
            emit(&format!("payment {} was already recorded; nothing written\n", r.reference));
        } else {
            emit(&format!(
                "payment {} of {} yuan recorded; still owed {} yuan\n",
                r.reference,
                yuan(r.amount_fen),
                yuan(r.outstanding_fen)
            ));
        }
        Ok(())
    })
}

pub fn statement(params: &Params, a: StatementArgs) -> anyhow::Result<()> {
    if !flexpension_store::FUND_YEARS.contains(&a.year) {
        return Err(UsageError("--year: must be 2000 to 2100".into()).into());
    }
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let out = async {
            let p = store.platform(flexpension_store::PlatformId(a.platform)).await?;
            let p = p.ok_or_else(|| UsageError(format!("--platform: no platform {}", a.platform)))?;
            let paid = store.platform_contributions_paid(p.id, a.year).await?;
            anyhow::Ok((p, paid))
        }
        .await;
        store.close().await;
        let (p, paid) = out?;
        let below = p.revenue_band == flexpension_store::RevenueBand::Below100m;
        let e = flexpension_rules::fund::tax_statement(params, a.year, paid, below).map_err(|e| UsageError(format!("--year: {e}")))?;
        if let Some(out) = &a.out {
            let pdf = flexpension_voucher::statement::render_statement(&flexpension_server::statement::statement_doc(&p, &e, flexpension_voucher::Lang::Zh))
                .map_err(|e| anyhow::anyhow!("the statement PDF: {e}"))?;
            std::fs::write(out, pdf).map_err(|e| anyhow::anyhow!("--out {}: {e}", out.display()))?;
        }
        if a.json {
            let v = serde_json::json!({"platform": p.id.0, "name": p.name, "statement": e.value, "paid_fen": e.value.paid_fen,
                "deduction_fen": e.value.deduction_fen, "tax_effect_fen": e.value.tax_effect_fen, "immediate_refund": e.value.immediate_refund,
                "steps": e.steps, "warnings": e.warnings, "params": e.params});
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else {
            let mut o = String::new();
            for w in &e.warnings {
                o.push_str(&format!("note: {}\n", w.en));
            }
            for s in &e.steps {
                o.push_str(&format!("{}\n", s.en));
            }
            emit(&o);
        }
        Ok(())
    })
}
