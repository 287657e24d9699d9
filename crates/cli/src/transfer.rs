//! `flexpension transfer request --id-number N --from REGION [--json]`, `transfer show ID
//! [--json]` and `transfer list [--json]` (a contract): the transfer between insurance regions
//! (转移接续) at this agency. A request is made at the receiving agency; the server's agency job
//! carries the messages and runs the steps. `transfer quote` asks the region left what would
//! move, before a request (its server must be running; nothing is stored on either side).

use crate::data::Out;
use crate::data::{input_error, open, runtime};
use crate::output::emit;
use clap::{Args, Subcommand};
use flexpension_rules::Params;
use flexpension_rules::money::yuan;
use flexpension_store::{StoreError, TransferRecord};

#[derive(Subcommand)]
pub enum TransferCommand {
    /// Apply at this (the receiving) agency for a worker registered here to move from REGION.
    /// While one is open, the same request gives it back.
    Request(RequestArgs),
    /// Ask REGION's server what would move for a worker registered here, with the explanation
    /// (a signed question and answer; nothing is stored or frozen).
    Quote(QuoteArgs),
    /// One transfer: its state (completed, refused, or the step), amounts, months, deadlines.
    Show(ShowArgs),
    /// Every transfer here, open ones first, overdue before the rest.
    List(ListArgs),
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: {id, state, ...}")))]
pub struct RequestArgs {
    /// The worker's resident ID number.
    #[arg(long)]
    id_number: String,
    /// The region the worker moves from (a peer agency).
    #[arg(long)]
    from: String,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: {from, refusal, months, pool_transfer_fen, account_fen, interest_fen, total_fen, steps}")))]
pub struct QuoteArgs {
    /// The worker's resident ID number.
    #[arg(long)]
    id_number: String,
    /// The region the worker would move from (a peer agency whose server is running).
    #[arg(long)]
    from: String,
    /// The language of the explanation: zh or en.
    #[arg(long, default_value = "zh")]
    lang: String,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: {id, state, pool_transfer_fen, account_fen, months, ...}")))]
pub struct ShowArgs {
    /// The transfer's id.
    id: String,
    #[command(flatten)]
    out: Out,
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: a list of transfers")))]
pub struct ListArgs {
    #[command(flatten)]
    out: Out,
}

pub fn run(params: &Params, cmd: TransferCommand) -> anyhow::Result<()> {
    match cmd {
        TransferCommand::Request(a) => request(params, a),
        TransferCommand::Quote(a) => quote(params, a),
        TransferCommand::Show(a) => show(a),
        TransferCommand::List(a) => list(a),
    }
}

fn request(params: &Params, a: RequestArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let r = store.request_transfer(params, &a.id_number, a.from.trim()).await;
        store.close().await;
        let (t, new) = r.map_err(|e| match &e {
            StoreError::NotFound { what: "peer", .. } => input_error("--from", e),
            StoreError::Invalid { field: "from", .. } => input_error("--from", e),
            StoreError::NotFound { .. } | StoreError::Invalid { field: "id_number" | "temporary_account", .. } => {
                input_error("--id-number", e)
            }
            StoreError::Invalid { .. } => input_error("--from", e),
            _ => e.into(),
        })?;
        if a.out.json {
            let mut v = serde_json::to_value(&t)?;
            v["new"] = serde_json::Value::Bool(new);
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else {
            let what = if new { "requested" } else { "already under way" };
            emit(&format!("transfer {} {what}: {}\n", t.id, text(&t)));
        }
        Ok(())
    })
}

fn quote(params: &Params, a: QuoteArgs) -> anyhow::Result<()> {
    let en = match a.lang.trim() {
        "zh" => false,
        "en" => true,
        other => return Err(crate::UsageError(format!("--lang: '{other}' is not zh or en")).into()),
    };
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let asked = async {
            let req = store.quote_request(params, &a.id_number, a.from.trim()).await.map_err(|e| match &e {
                StoreError::NotFound { what: "peer", .. } | StoreError::Invalid { field: "from", .. } => input_error("--from", e),
                StoreError::NotFound { .. } | StoreError::Invalid { .. } => input_error("--id-number", e),
                _ => e.into(),
            })?;
            let window = flexpension_server::quote::age_window(params, store.today()).map_err(anyhow::Error::msg)?;
            flexpension_server::quote::ask_peer(&store, a.from.trim(), &req, window)
                .await
                .map_err(|e| anyhow::anyhow!("{} did not answer the quote: {e}", a.from.trim()))
        }
        .await;
        store.close().await;
        let q = asked?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&q)?));
        } else if let Some(r) = &q.refusal {
            emit(&format!("{} would refuse now: {r}\n", q.from));
        } else {
            let mut out = format!(
                "from {}: {} months ({} years), personal account {} yuan (interest {}), pooling fund {} yuan, {} yuan in all\n",
                q.from,
                q.months,
                q.months / 12,
                yuan(q.account_fen),
                yuan(q.interest_fen),
                yuan(q.pool_transfer_fen),
                yuan(q.total_fen)
            );
            for (i, st) in q.steps.iter().enumerate() {
                out.push_str(&format!("  {}. {}\n", i + 1, if en { &st.en } else { &st.zh }));
            }
            emit(&out);
        }
        Ok(())
    })
}

fn show(a: ShowArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let t = store.transfer(a.id.trim()).await;
        store.close().await;
        let t = t?.ok_or_else(|| crate::UsageError(format!("ID: no transfer '{}' here", a.id.trim())))?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&t)?));
        } else {
            emit(&format!("{}\n", text(&t)));
        }
        Ok(())
    })
}

fn list(a: ListArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let list = store.transfers().await;
        store.close().await;
        let list = list?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&list)?));
        } else if list.is_empty() {
            emit("no transfers\n");
        } else {
            let out: String = list.iter().map(|t| format!("{}\t{}\n", t.id, text(t))).collect();
            emit(&out);
        }
        Ok(())
    })
}

/// One line: direction, state, due date, amounts.
fn text(t: &TransferRecord) -> String {
    let dir = if t.direction == "in" { format!("in from {}", t.peer) } else { format!("out to {}", t.peer) };
    let due = match (t.due, t.overdue) {
        (Some(d), true) => format!(", OVERDUE since {d}"),
        (Some(d), false) => format!(", step due by {d}"),
        (None, _) => String::new(),
    };
    let why = t.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    format!(
        "{dir}, {}{why}{due}; {} months, personal account {} yuan, pooling fund {} yuan",
        t.state,
        t.months,
        yuan(t.account_fen),
        yuan(t.pool_transfer_fen)
    )
}
