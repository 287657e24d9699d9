//! The worker's own choices on the command line (a contract): `enrol` (join or leave one
//! insurance type), `base choose` (the contribution base for the coming months) and `savings
//! declare | deposit | use` (the pension savings account). Bad input exits with code 2, names the
//! argument and writes nothing.

use crate::UsageError;
use crate::data::Out;
use crate::data::{Db, input_error, open, runtime};
use crate::ledger::month_arg;
use crate::output::answer;
use clap::{Args, Subcommand};
use flexpension_rules::money::{parse_yuan, yuan};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::{Basis, NewEnrolment, Scheme, Store, StoreError, Worker};

#[derive(Args)]
pub struct EnrolArgs {
    /// The worker's resident ID (never printed back).
    #[arg(long, value_name = "N")]
    id_number: String,
    /// employee_pension, residents_pension, medical or injury_cover.
    #[arg(long)]
    scheme: String,
    /// The first month the change applies (YYYY-MM); default: this month to join, the next
    /// month to leave.
    #[arg(long, value_name = "YYYY-MM")]
    from: Option<String>,
    /// Leave the scheme from --from on instead of joining it.
    #[arg(long)]
    leave: bool,
    #[command(flatten)]
    out: Out,
}

#[derive(Subcommand)]
pub enum BaseCommand {
    /// Choose the contribution base the employee pension bills from a month on (between the
    /// region's limits); the month close uses it.
    Choose {
        #[arg(long, value_name = "N")]
        id_number: String,
        /// The first month the base applies (YYYY-MM): this month or later, not closed yet.
        #[arg(long, value_name = "YYYY-MM")]
        from: String,
        #[arg(long, value_name = "X")]
        base_yuan: String,
        /// The insurance region whose limits apply (default: the store's).
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        out: Out,
    },
}

#[derive(Subcommand)]
pub enum SavingsCommand {
    /// Declare a year's occasional income (偶然所得); it replaces the worker's earlier figure.
    Declare {
        #[arg(long, value_name = "N")]
        id_number: String,
        #[arg(long)]
        year: i32,
        #[arg(long, value_name = "X")]
        occasional_yuan: String,
        #[command(flatten)]
        out: Out,
    },
    /// Deposit into the pension savings account, up to the year's room (a share of the year's
    /// occasional income). Over the room: exit code 2, nothing written.
    Deposit {
        #[arg(long, value_name = "N")]
        id_number: String,
        #[arg(long, value_name = "X")]
        amount_yuan: String,
        #[arg(long)]
        year: i32,
        /// The deposit's number, for a safe retry (default: the next number).
        #[arg(long)]
        reference: Option<i64>,
        #[command(flatten)]
        out: Out,
    },
    /// Pay a month's arrears from the savings account (older unpaid months are paid first).
    Use {
        #[arg(long, value_name = "N")]
        id_number: String,
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        #[command(flatten)]
        out: Out,
    },
}

async fn find(store: &Store, id_number: &str) -> anyhow::Result<Worker> {
    let w = store.find_worker(id_number).await.map_err(|e| input_error("--id-number", e))?;
    Ok(w.ok_or_else(|| UsageError("--id-number: no registered worker has this resident ID".into()))?)
}

/// A store error as the argument it is about.
fn arg_error(e: StoreError, arg_of: impl Fn(Option<&str>) -> &'static str) -> anyhow::Error {
    let arg = arg_of(e.field());
    input_error(arg, e)
}

pub fn enrol(params: &Params, a: EnrolArgs) -> anyhow::Result<()> {
    let scheme: Scheme = a.scheme.parse().map_err(|e: String| UsageError(format!("--scheme: {e}")))?;
    let from = a.from.as_deref().map(|f| month_arg("--from", f)).transpose()?;
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let out = async {
            let w = find(&store, &a.id_number).await?;
            let now = store.this_month();
            let args = |f: Option<&str>| match f {
                Some("scheme") => "--scheme",
                _ => "--from",
            };
            if a.leave {
                let from = from.or(now.add_months(1)).unwrap_or(now);
                let e = store.leave_scheme(params, w.id, scheme, from).await.map_err(|e| arg_error(e, args))?;
                let text = format!(
                    "left {} from {from} (enrolment {}, last month {})\n",
                    scheme.as_str(),
                    e.id,
                    from.add_months(-1).unwrap_or(from)
                );
                return anyhow::Ok((e, text));
            }
            let from = from.unwrap_or(now);
            if from < now {
                return Err(UsageError(format!(
                    "--from: {from} is past: join from this month ({now}) or later; missed months are back-paid"
                ))
                .into());
            }
            let e = NewEnrolment { worker: w.id, scheme, from, to: None, basis: Basis::PlatformIncome };
            let en = store.enrol(&e).await.map_err(|e| match e {
                StoreError::Exists { key, .. } => UsageError(format!("--scheme: the worker is in it already ({key})")).into(),
                e => arg_error(e, args),
            })?;
            let mut text = format!("joined {} from {from} (enrolment {})\n", scheme.as_str(), en.id);
            if scheme == Scheme::EmployeePension {
                let (window, _) = params
                    .lookup(&params.national.choice.sustained_income_window_months, now.first_day(), |v| v.to_string())
                    .map_err(|e| UsageError(format!("--from: {e}")))?;
                let incomes = store.recent_incomes(w.id, now, *window).await?;
                let t = params.sustained_income(now, &incomes).map_err(|e| UsageError(format!("--from: {e}")))?;
                for s in &t.steps {
                    text.push_str(&format!("  {}\n", s.en));
                }
            }
            anyhow::Ok((en, text))
        }
        .await;
        store.close().await;
        let (en, text) = out?;
        answer(a.out.json, &en, |_| text)
    })
}

pub fn base(params: &Params, cmd: BaseCommand) -> anyhow::Result<()> {
    let BaseCommand::Choose { id_number, from, base_yuan, region, out: Out { json, db } } = cmd;
    let from: YearMonth = month_arg("--from", &from)?;
    let base_fen = parse_yuan(&base_yuan).map_err(|e| UsageError(format!("--base-yuan: {e}")))?;
    runtime()?.block_on(async {
        let store = open(&db.db).await?;
        let out = async {
            let w = find(&store, &id_number).await?;
            let region = crate::data::store_region(&store, region.as_deref()).await?;
            let scenario = params.scenario(&region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
            store
                .choose_base(&scenario, w.id, from, base_fen)
                .await
                .map_err(|e| arg_error(e, |f| if f == Some("base_fen") { "--base-yuan" } else { "--from" }))
        }
        .await;
        store.close().await;
        let c = out?;
        let text = format!("base {} 元 from {} (limits {} to {} 元)\n", yuan(c.base_fen), c.from, yuan(c.lower_fen), yuan(c.upper_fen));
        answer(json, &c, |_| text)
    })
}

pub fn savings(params: &Params, cmd: SavingsCommand) -> anyhow::Result<()> {
    match cmd {
        SavingsCommand::Declare { id_number, year, occasional_yuan, out: Out { json, db } } => {
            let amount = parse_yuan(&occasional_yuan).map_err(|e| UsageError(format!("--occasional-yuan: {e}")))?;
            with_store(&db, |store| async move {
                let w = find(&store, &id_number).await?;
                let s = store
                    .declare_occasional(params, w.id, year, None, amount)
                    .await
                    .map_err(|e| arg_error(e, |f| if f == Some("year") { "--year" } else { "--occasional-yuan" }))?;
                let text = format!(
                    "{year}: occasional income {} 元; room {} 元 of {} 元\n",
                    yuan(s.occasional_income_fen),
                    yuan(s.room_fen),
                    yuan(s.limit_fen)
                );
                answer(json, &s, |_| text)
            })
        }
        SavingsCommand::Deposit { id_number, amount_yuan, year, reference, out: Out { json, db } } => {
            let amount = parse_yuan(&amount_yuan).map_err(|e| UsageError(format!("--amount-yuan: {e}")))?;
            with_store(&db, |store| async move {
                let w = find(&store, &id_number).await?;
                let s = store
                    .deposit_savings(params, w.id, year, amount, reference)
                    .await
                    .map_err(|e| arg_error(e, |f| if f == Some("year") { "--year" } else { "--amount-yuan" }))?;
                let tax = params.savings_tax(year, amount).map_err(|e| UsageError(format!("--year: {e}")))?;
                let mut text = if s.duplicate {
                    format!("deposit {} was already recorded; nothing written\n", s.entry_id.as_deref().unwrap_or(""))
                } else {
                    format!(
                        "deposited {} 元; balance {} 元; room left for {year} {} 元\n",
                        yuan(amount),
                        yuan(s.balance_fen),
                        yuan(s.room_fen)
                    )
                };
                for st in &tax.steps {
                    text.push_str(&format!("  {}\n", st.en));
                }
                let v = serde_json::json!({"balance_fen": s.balance_fen, "room_fen": s.room_fen, "entry_id": s.entry_id,
                    "duplicate": s.duplicate, "year": year, "deposited_fen": s.deposited_fen, "tax": tax.value});
                answer(json, &v, |_| text)
            })
        }
        SavingsCommand::Use { id_number, month, out: Out { json, db } } => {
            let month = month_arg("--month", &month)?;
            with_store(&db, |store| async move {
                let w = find(&store, &id_number).await?;
                let r = store.pay_from_savings(params, w.id, month).await.map_err(|e| arg_error(e, |_| "--month"))?;
                let s = store.savings_status(params, w.id, month.year()).await?;
                let months: Vec<String> = r.credited_months.iter().map(|m| m.to_string()).collect();
                let text = format!(
                    "paid {} 元 from savings; months credited: {}; savings balance {} 元; still owed {} 元\n",
                    yuan(r.amount_fen),
                    if months.is_empty() { "none".into() } else { months.join(", ") },
                    yuan(s.balance_fen),
                    yuan(r.arrears_fen)
                );
                let v = serde_json::json!({"payment": r, "balance_fen": s.balance_fen});
                answer(json, &v, |_| text)
            })
        }
    }
}

/// Open the store, run `f`, close the store whatever happened.
fn with_store<'a, F, Fut>(db: &'a Db, f: F) -> anyhow::Result<()>
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>> + 'a,
{
    runtime()?.block_on(async {
        let store = open(&db.db).await?;
        let r = f(store.clone()).await;
        store.close().await;
        r
    })
}
