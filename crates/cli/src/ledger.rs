//! The month close and the money on the store: `settle`, `pay`, `interest`, `report month`.
//! Each takes `--db URL` like the data commands; a mistake in an argument exits with code 2.

use crate::data::{Db, input_error, open, runtime};
use crate::output::emit;
use crate::{UsageError, today};
use clap::{Args, Subcommand};
use flexpension_ledger::{Payment, lapse_after_months};
use flexpension_rules::money::{parse_yuan, yuan};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::{CloseOptions, StoreError, parse_payer};
use sha2::{Digest, Sha256};

#[derive(Args)]
pub struct SettleArgs {
    /// The contribution month to close, YYYY-MM.
    #[arg(long)]
    month: String,
    /// The policy: current or paper; default the region's.
    #[arg(long)]
    policy: Option<String>,
    /// The insurance region.
    #[arg(long, default_value = flexpension_server::DEFAULT_REGION)]
    region: String,
    /// Close a closed month again: changed figures are reversed and posted anew.
    #[arg(long)]
    reopen: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
pub struct PayArgs {
    /// The worker's resident ID (never printed back).
    #[arg(long, value_name = "N")]
    id_number: String,
    /// The month the money was received in, YYYY-MM.
    #[arg(long)]
    month: String,
    #[arg(long)]
    amount_yuan: String,
    /// Who paid: self, or platform:ID for money a platform withheld and remitted.
    #[arg(long, default_value = "self")]
    payer: String,
    /// The bank's or platform's transaction reference: the same reference again is the same
    /// payment (a retry never counts twice). Default: one made from the clock.
    #[arg(long)]
    reference: Option<String>,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
pub struct InterestArgs {
    /// The year whose interest is credited (at its official credited rate).
    #[arg(long)]
    year: i32,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: Db,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// A contribution month: workers, income_fen, contribution_fen, subsidy_fen, paid_fen,
    /// arrears_fen, trial_balance_fen.
    Month {
        #[arg(long)]
        month: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
}

fn month_arg(arg: &str, s: &str) -> anyhow::Result<YearMonth> {
    s.parse().map_err(|e| UsageError(format!("{arg}: {e}")).into())
}

pub fn settle(params: &Params, a: SettleArgs) -> anyhow::Result<()> {
    let month = month_arg("--month", &a.month)?;
    let scenario = params.scenario(&a.region, a.policy.as_deref(), None).map_err(|e| UsageError(format!("--policy/--region: {e}")))?;
    let opts = CloseOptions { reopen: a.reopen, ..CloseOptions::new(YearMonth::of_date(today()).max(month)) };
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let r = store.close_month(&scenario, month, &opts).await.map_err(|e| input_error("--month", e));
        let report = match &r {
            Ok(_) => Some(store.month_report(month).await?),
            Err(_) => None,
        };
        store.close().await;
        let r = r?;
        if a.json {
            let v = serde_json::json!({ "settle": r, "report": report });
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else if r.already_closed {
            let by = r.close.as_ref().map(|c| c.policy.as_str()).unwrap_or("?");
            emit(&format!("{month} is already closed (policy {by}); nothing written. Use --reopen to close it again.\n"));
        } else {
            emit(&format!("{month} closed under policy {}: {} workers, {} journal entries\n", r.policy, r.workers, r.entries));
        }
        Ok(())
    })
}

/// A reference as the ledger's number: digits as they are, anything else by its SHA-256.
fn reference_number(s: &str) -> i64 {
    match s.trim().parse::<i64>() {
        Ok(n) if n >= 0 => n,
        _ => {
            let h = Sha256::digest(s.trim().as_bytes());
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[..8]);
            (u64::from_be_bytes(b) >> 1) as i64
        }
    }
}

pub fn pay(params: &Params, a: PayArgs) -> anyhow::Result<()> {
    let month = month_arg("--month", &a.month)?;
    let amount_fen = parse_yuan(&a.amount_yuan).map_err(|e| UsageError(format!("--amount-yuan: {e}")))?;
    let payer = parse_payer(&a.payer).map_err(|e| UsageError(format!("--payer: {e}")))?;
    let reference = match &a.reference {
        Some(r) if r.trim().is_empty() => return Err(UsageError("--reference: empty".into()).into()),
        Some(r) => reference_number(r),
        None => chrono::Utc::now().timestamp_micros(),
    };
    let lapse = lapse_after_months(params, month).map_err(|e| UsageError(format!("--month: {e}")))?;
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let out = async {
            let w = store.find_worker(&a.id_number).await.map_err(|e| input_error("--id-number", e))?;
            let w = w.ok_or_else(|| UsageError("--id-number: no registered worker has this resident ID".into()))?;
            let p = Payment { worker: w.id, payer, reference, amount_fen, period: month };
            let r = store.pay(&p).await.map_err(|e| match e {
                StoreError::Exists { .. } => UsageError("--reference: this payment was recorded with another amount".into()).into(),
                e => input_error("--amount-yuan", e),
            })?;
            let st = store.worker_statement(w.id, lapse).await?;
            anyhow::Ok((r, st))
        }
        .await;
        store.close().await;
        let (r, st) = out?;
        if a.json {
            let v = serde_json::json!({ "payment": r, "status": st.status, "personal_account_fen": st.personal_account_fen });
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else if r.duplicate {
            emit(&format!("payment {} was already recorded; nothing written\n", r.entry_id));
        } else {
            let months: Vec<String> = r.credited_months.iter().map(|m| m.to_string()).collect();
            emit(&format!(
                "received {} 元; months credited: {}; still owed {} 元, credit {} 元\n",
                yuan(r.amount_fen),
                if months.is_empty() { "none".into() } else { months.join(", ") },
                yuan(r.arrears_fen),
                yuan(r.credit_fen)
            ));
        }
        Ok(())
    })
}

pub fn interest(params: &Params, a: InterestArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let r = store.credit_interest(a.year, params, None).await.map_err(|e| input_error("--year", e));
        store.close().await;
        let r = r?;
        if a.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
        } else {
            emit(&format!("{}: interest credited to {} accounts, {} 元 in all\n", r.year, r.workers, yuan(r.interest_fen)));
        }
        Ok(())
    })
}

pub fn report(cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Month { month, json, db } = cmd;
    let month = month_arg("--month", &month)?;
    runtime()?.block_on(async {
        let store = open(&db.db).await?;
        let r = store.month_report(month).await;
        store.close().await;
        let r = r?;
        if json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
        } else {
            emit(&format!(
                "{month}: {} workers, income {} 元, contribution {} 元 (subsidy {} 元, paid {} 元, arrears {} 元), trial balance {} fen\n",
                r.workers,
                yuan(r.income_fen),
                yuan(r.contribution_fen),
                yuan(r.subsidy_fen),
                yuan(r.paid_fen),
                yuan(r.arrears_fen),
                r.trial_balance_fen
            ));
        }
        Ok(())
    })
}
