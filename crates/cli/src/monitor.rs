//! `flexpension monitor run`: flag uninsured, lapsed, about-to-lapse, interrupted and
//! short-of-years workers for their grid workers (the JSON counts are a contract).

use crate::data::{Db, input_error, open, runtime};
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
    /// The insurance region whose rules apply.
    #[arg(long, default_value = flexpension_server::DEFAULT_REGION)]
    region: String,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

pub fn run(params: &Params, cmd: MonitorCommand) -> anyhow::Result<()> {
    let MonitorCommand::Run(a) = cmd;
    let month = month_arg("--month", &a.month)?;
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let r = store.monitor_run(params, &a.region, month).await.map_err(|e| {
            let arg = if e.field() == Some("region") { "--region" } else { "--month" };
            input_error(arg, e)
        });
        store.close().await;
        let r = r?;
        if a.json {
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
