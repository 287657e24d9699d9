//! The month close and the money on the store: `settle`, `pay`, `interest`, `report month`.
//! Each takes `--db URL` like the data commands; a mistake in an argument exits with code 2.

use crate::data::Out;
use crate::data::ask;
use crate::data::{Db, RowProblem, input_error, open, runtime};
use crate::output::answer;
use crate::output::emit;
use crate::{UsageError, today};
use clap::{Args, Subcommand};
use flexpension_ledger::{Payment, lapse_after_months};
use flexpension_rules::money::{parse_yuan, yuan};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::{CloseOptions, PAYMENT_FILE_MAX_ROWS, StoreError, parse_payer, payment_reference};

#[derive(Args)]
pub struct SettleArgs {
    /// The contribution month to close, YYYY-MM.
    #[arg(long)]
    month: String,
    /// The policy: current or paper; default the region's, and on --reopen the policy the
    /// month was closed under.
    #[arg(long)]
    policy: Option<String>,
    /// The insurance region (default: the store's, from `init --region`; else zj).
    #[arg(long)]
    region: Option<String>,
    /// Close a closed month again: changed figures are reversed and posted anew.
    #[arg(long)]
    reopen: bool,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
pub struct PayArgs {
    /// The worker's resident ID (never printed back).
    #[arg(long, value_name = "N", required_unless_present = "file", conflicts_with = "file")]
    id_number: Option<String>,
    /// The month the money was received in, YYYY-MM.
    #[arg(long, required_unless_present = "file", conflicts_with = "file")]
    month: Option<String>,
    #[arg(long, required_unless_present = "file", conflicts_with = "file")]
    amount_yuan: Option<String>,
    /// A payment file (a bank's or platform's remittance file), CSV with the header
    /// reference,id_number,amount_yuan,month,payer: each row one payment, booked as a single
    /// payment is; a retried file writes nothing twice. Bad rows are listed by line and field.
    #[arg(long, value_name = "F.csv", conflicts_with_all = ["reference", "payer"])]
    file: Option<std::path::PathBuf>,
    /// Who paid: self, or platform:ID for money a platform withheld and remitted.
    #[arg(long, default_value = "self")]
    payer: String,
    /// The bank's or platform's transaction reference: the same reference again is the same
    /// payment (a retry never counts twice). Default: one made from the clock.
    #[arg(long)]
    reference: Option<String>,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
pub struct InterestArgs {
    /// The year whose interest is credited (at its official credited rate).
    #[arg(long)]
    year: i32,
    #[command(flatten)]
    out: Out,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// A contribution month: workers, income_fen, contribution_fen, subsidy_fen (billed),
    /// subsidy_paid_fen (drawn on payment), paid_fen, arrears_fen, trial_balance_fen.
    Month {
        #[arg(long)]
        month: String,
        #[command(flatten)]
        out: Out,
    },
}

pub fn month_arg(arg: &str, s: &str) -> anyhow::Result<YearMonth> {
    s.parse().map_err(|e| UsageError(format!("{arg}: {e}")).into())
}

pub fn settle(params: &Params, a: SettleArgs) -> anyhow::Result<()> {
    let month = month_arg("--month", &a.month)?;
    if let Some(r) = &a.region {
        params.scenario(r, a.policy.as_deref(), None).map_err(|e| UsageError(format!("--policy/--region: {e}")))?;
    }
    let opts = CloseOptions { reopen: a.reopen, policy_given: a.policy.is_some(), ..CloseOptions::new(YearMonth::of_date(today())) };
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let region = crate::data::store_region(&store, a.region.as_deref()).await?;
        let scenario = params.scenario(&region, a.policy.as_deref(), None).map_err(|e| UsageError(format!("--policy/--region: {e}")))?;
        let r = store.close_month(&scenario, month, &opts).await.map_err(|e| {
            let arg = if e.field() == Some("policy") { "--policy" } else { "--month" };
            input_error(arg, e)
        });
        let report = match &r {
            Ok(_) => Some(store.month_report(month).await?),
            Err(_) => None,
        };
        store.close().await;
        let r = r?;
        if a.out.json {
            let v = serde_json::json!({ "settle": r, "report": report });
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else if r.already_closed {
            let by = r.close.as_ref().map(|c| c.policy.as_str()).unwrap_or("?");
            emit(&format!("{month} is already closed (policy {by}); nothing written. Use --reopen to close it again.\n"));
        } else {
            let kept = if r.policy_kept { " (kept from the month's close; --policy changes it)" } else { "" };
            emit(&format!("{month} closed under policy {}{kept}: {} workers, {} journal entries\n", r.policy, r.workers, r.entries));
            if r.past_retirement > 0 {
                emit(&format!("{} workers past the statutory retirement age were not billed\n", r.past_retirement));
            }
        }
        Ok(())
    })
}

/// The CLI argument a store refusal of a payment is about.
fn pay_arg(field: Option<&str>) -> &'static str {
    match field {
        Some("period") => "--month",
        Some("payer") => "--payer",
        Some("worker") => "--id-number",
        Some("reference") => "--reference",
        _ => "--amount-yuan",
    }
}

pub fn pay(params: &Params, a: PayArgs) -> anyhow::Result<()> {
    if let Some(file) = &a.file {
        return pay_file(file, a.out.json, &a.out.db);
    }
    let (Some(id_number), Some(month), Some(amount)) = (&a.id_number, &a.month, &a.amount_yuan) else {
        return Err(UsageError("--id-number, --month and --amount-yuan are needed without --file".into()).into());
    };
    let month = month_arg("--month", month)?;
    let amount_fen = parse_yuan(amount).map_err(|e| UsageError(format!("--amount-yuan: {e}")))?;
    let payer = parse_payer(&a.payer).map_err(|e| UsageError(format!("--payer: {e}")))?;
    let reference = match &a.reference {
        Some(r) => payment_reference(r).map_err(|e| UsageError(format!("--reference: {e}")))?,
        None => chrono::Utc::now().timestamp_micros(),
    };
    let lapse = lapse_after_months(params, month).map_err(|e| UsageError(format!("--month: {e}")))?;
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let out = async {
            let w = store.find_worker(id_number).await.map_err(|e| input_error("--id-number", e))?;
            let w = w.ok_or_else(|| UsageError("--id-number: no registered worker has this resident ID".into()))?;
            let p = Payment { worker: w.id, payer, reference, amount_fen, period: month };
            let r = store.pay(&p).await.map_err(|e| match e {
                StoreError::Exists { .. } => UsageError("--reference: this payment was recorded with another amount".into()).into(),
                e => input_error(pay_arg(e.field()), e),
            })?;
            let st = store.worker_statement(w.id, lapse).await?;
            anyhow::Ok((r, st))
        }
        .await;
        store.close().await;
        let (r, st) = out?;
        if a.out.json {
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

/// `pay --file`: book a payment file and report it; exit 2 when rows were refused.
fn pay_file(file: &std::path::Path, json: bool, db: &Db) -> anyhow::Result<()> {
    let input = std::fs::File::open(file).map_err(|e| UsageError(format!("--file: {}: {e}", file.display())))?;
    runtime()?.block_on(async {
        let store = open(&db.db).await?;
        let r = store.pay_file(std::io::BufReader::new(input), PAYMENT_FILE_MAX_ROWS, None).await;
        store.close().await;
        let r = r.map_err(|e| input_error("--file", e))?;
        let errors: Vec<RowProblem> = r.errors.iter().map(RowProblem::from).collect();
        if json {
            let v = serde_json::json!({ "rows": r.rows, "accepted": r.accepted, "duplicate": r.duplicate, "rejected": r.rejected,
                "amount_fen": r.amount_fen, "months_credited": r.months_credited, "errors": errors, "errors_left_out": r.errors_left_out });
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else {
            emit(&format!(
                "{} rows: {} payments booked ({} 元, {} months credited), {} already recorded, {} refused\n",
                r.rows,
                r.accepted,
                yuan(r.amount_fen),
                r.months_credited,
                r.duplicate,
                r.rejected
            ));
            for e in &errors {
                emit(&format!("line {}: {}: {}\n", e.line, e.field, e.reason));
            }
        }
        if r.rejected > 0 {
            let first = errors.first().map(|e| format!("; the first is line {}: {}: {}", e.line, e.field, e.reason)).unwrap_or_default();
            return Err(UsageError(format!("{}: {} rows were refused and not booked{first}", file.display(), r.rejected)).into());
        }
        Ok(())
    })
}

pub fn interest(params: &Params, a: InterestArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let r = store.credit_interest(a.year, params, None).await.map_err(|e| input_error("--year", e));
        store.close().await;
        let r = r?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
        } else {
            emit(&format!("{}: interest credited to {} accounts, {} 元 in all\n", r.year, r.workers, yuan(r.interest_fen)));
        }
        Ok(())
    })
}

pub fn report(cmd: ReportCommand) -> anyhow::Result<()> {
    let ReportCommand::Month { month, out: Out { json, db } } = cmd;
    let month = month_arg("--month", &month)?;
    let r = ask(&db.db, async |store| store.month_report(month).await)?;
    answer(json, &r, |r| {
        format!(
            "{month}: {} workers, income {} 元, contribution {} 元 (subsidy {} 元 of which drawn {} 元, paid {} 元, arrears {} 元), trial balance {} fen\n",
            r.workers,
            yuan(r.income_fen),
            yuan(r.contribution_fen),
            yuan(r.subsidy_fen),
            yuan(r.subsidy_paid_fen),
            yuan(r.paid_fen),
            yuan(r.arrears_fen),
            r.trial_balance_fen
        )
    })
}
