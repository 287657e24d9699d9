//! The commands that touch the data store: `init`, `platform add`, `grid add`, `import workers`,
//! `import earnings`, `worker show`. Each takes `--db URL` (`sqlite:PATH` or `postgres://...`,
//! default a SQLite file under `./flexpension-data/`). A mistake in the input (an argument, a
//! file, a row) exits with code 2 and names it; the report is printed first.

pub mod import;
pub mod worker;

pub use import::ImportCommand;
pub use worker::WorkerCommand;

use crate::UsageError;
use crate::output::emit;
use anyhow::Context;
use clap::{Args, Subcommand};
use flexpension_rules::Params;
use flexpension_server::privacy::scrub_ids;
use flexpension_store::{NewGrid, NewPlatform, OpenOptions, RevenueBand, RowError, Store, StoreError};
use serde::Serialize;
use std::path::Path;

/// Where the data lives unless `--db` says otherwise.
pub const DEFAULT_DB: &str = "sqlite:flexpension-data/flexpension.db";

#[derive(Args, Clone)]
pub struct Db {
    /// The data store: sqlite:PATH (made if missing) or postgres://user@host/database.
    #[arg(long, value_name = "URL", default_value = DEFAULT_DB)]
    pub db: String,
}

/// `--json` and `--db`, which most store commands take (the JSON fields a command prints are
/// named in its help).
#[derive(Args, Clone)]
pub struct Out {
    /// Print JSON instead of lines for people.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub db: Db,
}

#[derive(Subcommand)]
pub enum PlatformCommand {
    /// Register a platform company; prints its id and API key (shown this once only).
    Add(PlatformAddArgs),
    /// A platform's bill for a month: contract shares, injury premiums, union dues, paid.
    Bill(crate::fund::BillArgs),
    /// Record a platform's payment against its bill (idempotent on --reference).
    Pay(crate::fund::PlatformPayArgs),
    /// A platform's tax statement for a year (the paper's proposal, not law); --out writes a PDF.
    Statement(crate::fund::StatementArgs),
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: id, name, credit_code, revenue_band, api_key")))]
pub struct PlatformAddArgs {
    #[arg(long)]
    name: String,
    /// Unified social credit code (统一社会信用代码, 18 characters).
    #[arg(long)]
    credit_code: String,
    /// Annual revenue band: below_100m (small or medium) or from_100m.
    #[arg(long, default_value = "from_100m")]
    revenue_band: String,
    /// The platform pays the higher instant-delivery injury premium level.
    #[arg(long)]
    injury_high_level: bool,
    #[command(flatten)]
    out: Out,
}

#[derive(Subcommand)]
pub enum GridCommand {
    /// Register a grid cell (网格) of a region; workers and orders name it by code.
    Add(GridAddArgs),
}

#[derive(Args)]
pub struct GridAddArgs {
    /// Grid code, e.g. hz-xh-001.
    #[arg(long)]
    code: String,
    #[arg(long)]
    name: String,
    /// Insurance region code (default: the store's, from `init --region`; else zj).
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: region, name, log_origin")))]
pub struct InitArgs {
    /// The insurance region the store is for: a region code of the parameter files (zj, ah).
    #[arg(long)]
    region: String,
    #[command(flatten)]
    out: Out,
}

/// A tokio runtime for one command: the store is async.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("cannot start the async runtime")
}

/// A database URL with any password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Open the store at `--db`, making the SQLite file's directory first.
pub async fn open(url: &str) -> anyhow::Result<Store> {
    open_with(url, &OpenOptions::default()).await
}

/// Open the store at `--db`, ask it one thing and close it: the store is closed (its last
/// writes flushed) before an error is given back.
pub fn ask<T>(db: &str, f: impl AsyncFnOnce(&Store) -> Result<T, StoreError>) -> anyhow::Result<T> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let r = f(&store).await;
        store.close().await;
        Ok(r?)
    })
}

/// The region a store command works in: the one given, else the store's own (`init
/// --region`), else the default region (a store made without one is a Zhejiang store).
pub async fn store_region(store: &Store, given: Option<&str>) -> anyhow::Result<String> {
    Ok(match given.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => r.to_string(),
        None => store.region().await?.unwrap_or_else(|| flexpension_server::DEFAULT_REGION.to_string()),
    })
}

/// `flexpension init --region CODE`: make (or check) a store for that region.
pub fn init(params: &Params, a: InitArgs) -> anyhow::Result<()> {
    let scenario = params.scenario(a.region.trim(), None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    let region = scenario.region.code.clone();
    runtime()?.block_on(async {
        let store = open_with(&a.out.db.db, &OpenOptions { region: Some(region.clone()), ..OpenOptions::default() }).await?;
        let r = ensure_regions(&store, params).await;
        let origin = store.log_keys().origin.clone();
        store.close().await;
        r?;
        if a.out.json {
            let v = serde_json::json!({ "region": region, "name": scenario.region.name_zh, "log_origin": origin });
            emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        } else {
            emit(&format!(
                "store for region {region} ({} / {}) ready at {}; log origin {origin}\n",
                scenario.region.name_zh,
                scenario.region.name_en,
                redact(&a.out.db.db)
            ));
        }
        Ok(())
    })
}

/// [`open`] with options (the region of `init`).
pub async fn open_with(url: &str, opts: &OpenOptions) -> anyhow::Result<Store> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        let path = path.split('?').next().unwrap_or("");
        let dir = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|_| !path.contains(":memory:")) {
            std::fs::create_dir_all(dir).map_err(|e| UsageError(format!("--db: cannot create {}: {e}", dir.display())))?;
        }
    }
    Store::open_with(url, opts).await.map_err(|e| match e {
        StoreError::Url(m) => UsageError(format!("--db: {m}")).into(),
        StoreError::Invalid { field: "region", reason } => UsageError(format!("--region: {reason}")).into(),
        other => anyhow::Error::new(other).context(format!("cannot open the store at {}", redact(url))),
    })
}

/// Register the parameter files' insurance regions (a no-op once done), so that grids and
/// workers can name them.
pub async fn ensure_regions(store: &Store, params: &Params) -> anyhow::Result<()> {
    for code in params.region_codes() {
        let scenario = params.scenario(code, None, None)?;
        match store.add_region(code, &scenario.region.name_zh).await {
            // Registered earlier under another name: that registration stands.
            Ok(_) | Err(StoreError::Exists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A store error caused by the input becomes a usage error naming `arg`.
pub fn input_error(arg: &str, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid { reason, .. } => UsageError(format!("{arg}: {}", scrub_ids(&reason))).into(),
        e if matches!(e.code(), "not_found" | "exists" | "io") => UsageError(format!("{arg}: {}", scrub_ids(&e.to_string()))).into(),
        e => e.into(),
    }
}

/// A row error for people and JSON: line, field, code, reason (resident IDs masked).
#[derive(Serialize)]
pub struct RowProblem {
    pub line: u64,
    pub field: &'static str,
    pub code: &'static str,
    pub reason: String,
}

impl From<&RowError> for RowProblem {
    fn from(e: &RowError) -> RowProblem {
        RowProblem { line: e.line, field: e.field, code: e.code.as_str(), reason: scrub_ids(&e.reason).into_owned() }
    }
}

/// A store's report as `--json` prints it: the report's own fields, its row errors with resident
/// IDs scrubbed, and `batches` (when there) as their count.
pub fn report_json<T: Serialize>(report: &T, errors: &[RowProblem]) -> anyhow::Result<String> {
    let mut v = serde_json::to_value(report)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("errors".into(), serde_json::to_value(errors)?);
        if let Some(n) = o.get("batches").and_then(serde_json::Value::as_array).map(Vec::len) {
            o.insert("batches".into(), n.into());
        }
    }
    Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
}

/// After printing a report: exit 2 when rows were left out, naming the first.
pub fn rows_left_out(file: &Path, left_out: u64, errors: &[RowProblem]) -> anyhow::Result<()> {
    if left_out == 0 {
        return Ok(());
    }
    let first = errors.first().map(|e| format!("; the first is line {}: {}: {}", e.line, e.field, e.reason)).unwrap_or_default();
    let rows = if left_out == 1 { "row was" } else { "rows were" };
    Err(UsageError(format!("{}: {left_out} {rows} not imported{first}", file.display())).into())
}

pub fn platform(params: &flexpension_rules::Params, cmd: PlatformCommand) -> anyhow::Result<()> {
    let a = match cmd {
        PlatformCommand::Add(a) => a,
        PlatformCommand::Bill(a) => return crate::fund::bill(a),
        PlatformCommand::Pay(a) => return crate::fund::pay(a),
        PlatformCommand::Statement(a) => return crate::fund::statement(params, a),
    };
    let revenue_band: RevenueBand = a.revenue_band.parse().map_err(|e: String| UsageError(format!("--revenue-band: {e}")))?;
    let np = NewPlatform { name: a.name.clone(), uscc: a.credit_code.clone(), revenue_band, injury_high_level: a.injury_high_level };
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let added = store.add_platform(&np).await;
        store.close().await;
        let (p, key) = added.map_err(|e| match (e.code(), e.field()) {
            ("invalid", Some("uscc")) | ("exists", _) => input_error("--credit-code", e),
            ("invalid", Some(field)) => input_error(&format!("--{}", field.replace('_', "-")), e),
            _ => e.into(),
        })?;
        #[derive(Serialize)]
        struct Added<'a> {
            id: i64,
            name: &'a str,
            credit_code: &'a str,
            revenue_band: &'a str,
            injury_high_level: bool,
            api_key: &'a str,
        }
        let out = Added {
            id: p.id.0,
            name: &p.name,
            credit_code: &p.uscc,
            revenue_band: p.revenue_band.as_str(),
            injury_high_level: p.injury_high_level,
            api_key: key.expose(),
        };
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
        } else {
            emit(&format!(
                "platform {} added: {} (credit code {}, {})\nAPI key (shown this once only; keep it secret): {}\n",
                out.id, out.name, out.credit_code, out.revenue_band, out.api_key
            ));
        }
        Ok(())
    })
}

pub fn grid(params: &Params, cmd: GridCommand) -> anyhow::Result<()> {
    let GridCommand::Add(a) = cmd;
    if let Some(r) = &a.region {
        params.scenario(r, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    }
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let region = store_region(&store, a.region.as_deref()).await?;
        ensure_regions(&store, params).await?;
        let existing = store.grids(None).await?.into_iter().find(|g| g.code == a.code.trim());
        let r = match existing {
            Some(g) if g.name == a.name.trim() && g.region == region => Ok(format!("grid {} is already registered\n", g.code)),
            Some(g) => Err(UsageError(format!("--code: grid {} is registered as '{}' in region {}", g.code, g.name, g.region)).into()),
            None => match store.add_grid(&NewGrid { code: a.code.clone(), name: a.name.clone(), region: region.clone() }).await {
                Ok(g) => Ok(format!("grid {} added: {} (region {})\n", g.code, g.name, g.region)),
                Err(e) => Err(match e.field() {
                    Some(f) => input_error(&format!("--{f}"), e),
                    None => input_error("--code", e),
                }),
            },
        };
        store.close().await;
        emit(&r?);
        Ok(())
    })
}
