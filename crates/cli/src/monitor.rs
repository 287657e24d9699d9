//! `flexpension monitor run`: flag uninsured, lapsed, about-to-lapse, interrupted and
//! short-of-years workers for their grid workers (the JSON counts are a contract); and
//! `flexpension credit run`: rate each platform by its insured share (per platform `active`,
//! `insured`, `share_bp`, `grade`, `sanctioned` are a contract).

use crate::data::Out;
use crate::data::{input_error, open, runtime};
use crate::ledger::month_arg;
use crate::output::emit;
use clap::{Args, Subcommand};
use flexpension_rules::Params;

#[derive(Subcommand)]
pub enum MonitorCommand {
    /// Look at every worker's month: open an alert for each risk found, close those gone.
    /// Running a month again changes nothing.
    Run(RunArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// The month looked at (YYYY-MM).
    #[arg(long)]
    month: String,
    /// The insurance region whose rules apply (default: the store's, from `init --region`).
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    out: Out,
}

pub fn run(params: &Params, cmd: MonitorCommand) -> anyhow::Result<()> {
    let MonitorCommand::Run(a) = cmd;
    let month = month_arg("--month", &a.month)?;
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let region = crate::data::store_region(&store, a.region.as_deref()).await?;
        let r = store.monitor_run(params, &region, month).await.map_err(|e| {
            let arg = if e.field() == Some("region") { "--region" } else { "--month" };
            input_error(arg, e)
        });
        store.close().await;
        let r = r?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
        } else {
            emit(&format!(
                "{month}: {} workers looked at; uninsured but working {}, lapsed {}, about to lapse {}, income interrupted {}, short of years {} ({} alerts opened, {} closed)\n",
                r.workers, r.uninsured, r.lapsed, r.at_risk, r.interrupted, r.short_of_years, r.opened, r.closed
            ));
        }
        Ok(())
    })
}

#[derive(Subcommand)]
pub enum CreditCommand {
    /// Rate every platform for a month: insured share, grade, years under the floor, sanctions.
    /// Each rating that changes is logged; running a month again changes nothing.
    Run {
        /// The month rated (YYYY-MM).
        #[arg(long)]
        month: String,
        #[command(flatten)]
        out: Out,
    },
}

pub fn credit(params: &Params, cmd: CreditCommand) -> anyhow::Result<()> {
    let CreditCommand::Run { month, out: Out { json, db } } = cmd;
    let month = month_arg("--month", &month)?;
    runtime()?.block_on(async {
        let store = open(&db.db).await?;
        let r = store.credit_run(params, month).await.map_err(|e| input_error("--month", e));
        store.close().await;
        let r = r?;
        if json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
            return Ok(());
        }
        let mut out = format!("{month}: {} platforms rated, {} ratings changed\n", r.platforms.len(), r.changed);
        for p in &r.platforms {
            let share = p.rating.share_bp.map_or_else(|| "-".to_string(), |b| format!("{}.{:02}%", b / 100, b % 100));
            let grade = p.rating.grade.map_or("-", |g| g.as_str());
            let sanction = if p.rating.sanctioned { "  ON THE SANCTIONS LIST" } else { "" };
            let breaches = match (p.rating.breaches, p.rating.breach_steps) {
                (0, _) => String::new(),
                (n, 0) => format!(", {n} complaints unanswered past their deadline"),
                (n, s) => format!(", {n} complaints unanswered past their deadline (grade {s} lower)"),
            };
            out.push_str(&format!(
                "  {} {}: {} of {} active workers insured ({share}), grade {grade}{breaches}, {} years under the floor{sanction}\n",
                p.platform_id, p.name, p.rating.insured, p.rating.active, p.rating.years_under
            ));
        }
        emit(&out);
        Ok(())
    })
}
