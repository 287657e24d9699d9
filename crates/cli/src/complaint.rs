//! `flexpension complaint` (a contract): `file` (→ `id`, `package`: the evidence package written;
//! `pdf`: the same for people),
//! `show` (→ `state`, `due_at`, `breached`), `respond --as platform:ID`, `sla --now` (→
//! `breached`: the ids past their deadline unanswered at that time, each escalated once).

use crate::UsageError;
use crate::data::Out;
use crate::data::ask;
use crate::data::{input_error, open, runtime};
use crate::output::answer;
use crate::output::emit;
use anyhow::Context;
use clap::{Args, Subcommand};
use flexpension_rules::complaint::{Action, Actor, Kind, MAX_UPLOAD_BYTES, MAX_UPLOADS};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::{Complaint, NewComplaint, NewUpload, PlatformId, rfc3339};
use serde_json::json;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ComplaintCommand {
    /// File a worker's complaint against a platform: seal their orders and contributions for the
    /// months named with the files attached, deliver it to inspection and legal aid, and write
    /// the evidence package (checked offline by `flexpension verify`).
    File(FileArgs),
    /// A complaint's state, deadline and steps.
    Show {
        id: i64,
        #[command(flatten)]
        out: Out,
    },
    /// A platform's answer to a complaint against it.
    Respond {
        id: i64,
        /// Who answers: platform:ID.
        #[arg(long = "as", value_name = "platform:ID")]
        who: String,
        #[arg(long, value_name = "T")]
        text: String,
        #[command(flatten)]
        out: Out,
    },
    /// The response deadline at a time: every complaint unanswered past it is breached; the new
    /// ones are escalated to labour inspection (once each).
    Sla {
        /// The time, RFC 3339 / ISO 8601 with an offset (2025-05-13T10:00:00+08:00).
        #[arg(long, value_name = "ISO8601")]
        now: String,
        #[command(flatten)]
        out: Out,
    },
}

#[derive(Args)]
pub struct FileArgs {
    /// The worker's resident ID.
    #[arg(long, value_name = "N")]
    id_number: String,
    /// The platform's number.
    #[arg(long, value_name = "ID")]
    platform: i64,
    /// unpaid_orders, deductions, account_blocked, injury, contributions_unpaid, other.
    #[arg(long)]
    kind: String,
    /// The months it is about, YYYY-MM,YYYY-MM.
    #[arg(long, value_name = "YYYY-MM,...")]
    months: String,
    /// A photo, screenshot or PDF (repeat for each).
    #[arg(long = "attach", value_name = "FILE")]
    attach: Vec<PathBuf>,
    /// What happened, in the worker's words.
    #[arg(long, value_name = "T", default_value = "")]
    text: String,
    /// Where the evidence package is written (default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out_dir: PathBuf,
    #[command(flatten)]
    out: Out,
}

pub fn run(params: &Params, cmd: ComplaintCommand) -> anyhow::Result<()> {
    match cmd {
        ComplaintCommand::File(a) => file(params, a),
        ComplaintCommand::Show { id, out: Out { json, db } } => runtime()?.block_on(async {
            let store = open(&db.db).await?;
            let c = store.complaint(id).await?.ok_or_else(|| UsageError(format!("ID: no complaint {id}")))?;
            store.close().await;
            print(&c, json)
        }),
        ComplaintCommand::Respond { id, who, text, out: Out { json, db } } => {
            let platform = who
                .strip_prefix("platform:")
                .and_then(|p| p.parse::<i64>().ok())
                .ok_or_else(|| UsageError(format!("--as: '{who}' is not platform:ID")))?;
            runtime()?.block_on(async {
                let store = open(&db.db).await?;
                let c = store.complaint_step(id, Actor::Platform, Some(platform), Action::Respond, Some(&text)).await.map_err(|e| {
                    let arg = match e.field() {
                        Some("text") => "--text",
                        Some("action") => "ID",
                        _ => "ID/--as",
                    };
                    input_error(arg, e)
                });
                store.close().await;
                print(&c?, json)
            })
        }
        ComplaintCommand::Sla { now, out: Out { json, db } } => {
            let at = chrono::DateTime::parse_from_rfc3339(&now)
                .map_err(|e| UsageError(format!("--now: '{now}' is not an ISO 8601 time with an offset: {e}")))?
                .timestamp_micros();
            let r = ask(&db.db, async |store| store.complaint_sla(at).await)?;
            answer(json, &r, |r| {
                format!(
                    "at {now}: {} complaints past their deadline unanswered{}; {} escalated to labour inspection now\n",
                    r.breached.len(),
                    if r.breached.is_empty() { String::new() } else { format!(" ({})", list(&r.breached)) },
                    r.escalated.len()
                )
            })
        }
    }
}

fn list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

fn file(params: &Params, a: FileArgs) -> anyhow::Result<()> {
    let kind = Kind::parse(&a.kind)
        .ok_or_else(|| UsageError(format!("--kind: '{}' is not one of {}", a.kind, Kind::ALL.map(|k| k.as_str()).join(", "))))?;
    let months: Vec<YearMonth> = a
        .months
        .split(',')
        .map(|m| m.trim().parse::<YearMonth>().map_err(|_| UsageError(format!("--months: '{m}' is not a month (YYYY-MM)"))))
        .collect::<Result<_, _>>()?;
    if a.attach.len() > MAX_UPLOADS {
        return Err(UsageError(format!("--attach: a complaint may carry at most {MAX_UPLOADS} files")).into());
    }
    let mut uploads = Vec::new();
    for path in &a.attach {
        let len = std::fs::metadata(path).map_err(|e| UsageError(format!("--attach: {}: {e}", path.display())))?.len();
        if len > MAX_UPLOAD_BYTES as u64 {
            return Err(
                UsageError(format!("--attach: {} is {len} bytes; a file may be at most {MAX_UPLOAD_BYTES} bytes", path.display())).into()
            );
        }
        let bytes = std::fs::read(path).map_err(|e| UsageError(format!("--attach: {}: {e}", path.display())))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        uploads.push(NewUpload { name, bytes });
    }
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let w = store.find_worker(&a.id_number).await.map_err(|e| input_error("--id-number", e))?;
        let w = w.ok_or_else(|| UsageError("--id-number: no worker is registered with this resident ID".into()))?;
        let c = NewComplaint { worker: w.id, platform: PlatformId(a.platform), kind, months, text: a.text.clone(), uploads };
        let c = store.file_complaint(params, &c).await.map_err(|e| {
            let arg = match e.field() {
                Some("uploads") => "--attach",
                Some("months") => "--months",
                Some("text") => "--text",
                _ => "--platform",
            };
            input_error(arg, e)
        })?;
        store.log_integrate().await?;
        let pkg = store.complaint_package(c.summary.id, 0).await?;
        store.close().await;
        let path = a.out_dir.join(format!("complaint-{}.json", c.summary.id));
        std::fs::write(&path, serde_json::to_vec_pretty(&pkg)?).with_context(|| format!("cannot write {}", path.display()))?;
        let package = path.display().to_string();
        // The same package for people: a PDF that carries it, its pages drawn from it.
        let pdf_path = a.out_dir.join(format!("complaint-{}.pdf", c.summary.id));
        let pdf = flexpension_server::complaint_pdf::draw(&pkg, flexpension_rules::Lang::Zh).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::fs::write(&pdf_path, pdf).with_context(|| format!("cannot write {}", pdf_path.display()))?;
        let pdf = pdf_path.display().to_string();
        if a.out.json {
            emit(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({
                    "id": c.summary.id, "package": package, "pdf": pdf, "state": c.summary.state, "due_at": c.due_at(), "breached": c.summary.breached,
                    "orders": pkg.bundle.proofs.iter().filter(|p| p.what.starts_with("order ")).count(),
                    "uploads": c.uploads,
                }))?
            ));
        } else {
            emit(&format!(
                "complaint {} filed against platform {} and delivered to labour inspection and union legal aid\nthe platform must answer by {}\nevidence package written to {package}, and for people to {pdf} (check either with `flexpension verify`)\n",
                c.summary.id,
                c.summary.platform,
                c.due_at()
            ));
        }
        Ok(())
    })
}

fn print(c: &Complaint, json: bool) -> anyhow::Result<()> {
    if json {
        let mut v = serde_json::to_value(c)?;
        v["due_at"] = json!(c.due_at());
        emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        return Ok(());
    }
    let mut s = format!(
        "complaint {}: {} against platform {} for {}\nstate {}{}; answer due {}{}\n",
        c.summary.id,
        c.summary.kind.as_str(),
        c.summary.platform,
        c.summary.months.join(", "),
        c.summary.state.as_str(),
        c.summary.outcome.map(|o| format!(" ({})", o.as_str())).unwrap_or_default(),
        c.due_at(),
        if c.summary.breached { " — BREACHED (escalated to labour inspection)" } else { "" }
    );
    for st in &c.steps {
        s.push_str(&format!("  {} {} by {} → {}\n", rfc3339(st.at_us), st.action, st.actor, st.state));
    }
    emit(&s);
    Ok(())
}
