//! The tamper-evident log on the command line (a contract, see docs/LOG.md): `log key`,
//! `log checkpoint`, `log proof`, `log consistency`, `verify`, `witness`, `voucher`.

use crate::UsageError;
use crate::data::Out;
use crate::data::{Db, input_error, open, runtime};
use crate::output::emit;
use anyhow::Context;
use clap::{Args, Subcommand};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::log::{ProofBundle, VerifyOptions, verify_bundle};
use flexpension_tlog::{CosignSigner, NoteVerifier};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum LogCommand {
    /// The log's verifier key in signed-note form (name+hash+base64).
    Key(DbOnly),
    /// The latest checkpoint: the signed note, exactly as served at /log/checkpoint.
    Checkpoint(DbOnly),
    /// The inclusion proof of entry N in the tree of size M (default: the latest checkpoint).
    Proof {
        #[arg(long)]
        index: u64,
        #[arg(long)]
        size: Option<u64>,
        #[command(flatten)]
        out: Out,
    },
    /// Recompute the whole tree from the stored entries and check every stored hash and every
    /// checkpoint; names what differs (exit 1) or says the log is intact.
    Audit {
        #[command(flatten)]
        out: Out,
    },
    /// The consistency proof between the trees of sizes OLD and NEW.
    Consistency {
        #[arg(long)]
        old: u64,
        #[arg(long)]
        new: u64,
        #[command(flatten)]
        out: Out,
    },
}

#[derive(Args)]
pub struct DbOnly {
    #[command(flatten)]
    db: Db,
}

#[derive(Serialize)]
struct ProofOut {
    index: u64,
    tree_size: u64,
    leaf_hash: String,
    root_hash: String,
    proof: Vec<String>,
}

#[derive(Serialize)]
struct ConsistencyOut {
    old_size: u64,
    new_size: u64,
    old_root: String,
    new_root: String,
    proof: Vec<String>,
}

pub fn log(c: LogCommand) -> anyhow::Result<()> {
    runtime()?.block_on(async move {
        match c {
            LogCommand::Key(a) => {
                let store = open(&a.db.db).await?;
                emit(&format!("{}\n", store.log_keys().verifier_key()));
            }
            LogCommand::Checkpoint(a) => {
                let store = open(&a.db.db).await?;
                let done = store.log_integrate().await?;
                let (_, note) = store.log_checkpoint().await?.unwrap_or((0, done.note));
                emit(&note);
            }
            LogCommand::Proof { index, size, out: Out { json, db } } => {
                let store = open(&db.db).await?;
                let size = match size {
                    Some(s) => s,
                    None => store.log_integrate().await?.size,
                };
                let (leaf, root, proof) = store.log_inclusion(index, size).await.map_err(|e| input_error("--index/--size", e))?;
                let out = ProofOut {
                    index,
                    tree_size: size,
                    leaf_hash: leaf.to_hex(),
                    root_hash: root.to_hex(),
                    proof: proof.iter().map(|h| h.to_hex()).collect(),
                };
                if json {
                    emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
                } else {
                    emit(&format!(
                        "entry {} in the tree of {}\nleaf {}\nroot {}\nproof ({} hashes, leaf's sibling first):\n{}",
                        out.index,
                        out.tree_size,
                        out.leaf_hash,
                        out.root_hash,
                        out.proof.len(),
                        out.proof.iter().map(|h| format!("  {h}\n")).collect::<String>()
                    ));
                }
            }
            LogCommand::Audit { out: Out { json, db } } => {
                let store = open(&db.db).await?;
                let r = store.log_audit().await?;
                if json {
                    emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
                } else if r.ok() {
                    emit(&format!("intact: {} entries, {} stored hashes and {} checkpoints agree\n", r.entries, r.hashes, r.checkpoints));
                } else {
                    emit(&r.problems.iter().map(|p| format!("{p}\n")).collect::<String>());
                }
                if !r.ok() {
                    return Err(anyhow::anyhow!("the log does not match its entries ({} problems listed)", r.problems.len()));
                }
            }
            LogCommand::Consistency { old, new, out: Out { json, db } } => {
                let store = open(&db.db).await?;
                store.log_integrate().await?;
                let (o, n, proof) = store.log_consistency(old, new).await.map_err(|e| input_error("--old/--new", e))?;
                let out = ConsistencyOut {
                    old_size: old,
                    new_size: new,
                    old_root: o.to_hex(),
                    new_root: n.to_hex(),
                    proof: proof.iter().map(|h| h.to_hex()).collect(),
                };
                if json {
                    emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
                } else {
                    emit(&format!(
                        "tree {} (root {}) is a prefix of tree {} (root {})\nproof ({} hashes):\n{}",
                        old,
                        out.old_root,
                        new,
                        out.new_root,
                        out.proof.len(),
                        out.proof.iter().map(|h| format!("  {h}\n")).collect::<String>()
                    ));
                }
            }
        }
        Ok(())
    })
}

#[derive(Args)]
pub struct VerifyArgs {
    /// A proof bundle (JSON), a complaint's evidence package (JSON or PDF) or a contribution voucher (PDF).
    file: PathBuf,
    /// The region's log key (`flexpension log key`).
    #[arg(long, value_name = "K")]
    log_key: String,
    /// A witness's key; repeat for each. The checkpoint must carry their cosignatures.
    #[arg(long = "witness-key", value_name = "W")]
    witness_keys: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all given).
    #[arg(long)]
    quorum: Option<usize>,
    /// The worker's resident ID: also check the record is about this person.
    #[arg(long, value_name = "N")]
    id_number: Option<String>,
    #[arg(long)]
    json: bool,
}

/// `verify`: offline, from the file and the keys alone. Exit 0 when every check holds, 1 when
/// one fails (the report says which), 2 for a bad argument or a file that is not a bundle.
pub fn verify(a: VerifyArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&a.file).map_err(|e| UsageError(format!("{}: {e}", a.file.display())))?;
    NoteVerifier::parse(&a.log_key).map_err(|e| UsageError(format!("--log-key: {e}")))?;
    let opts = VerifyOptions { log_key: a.log_key, witness_keys: a.witness_keys, quorum: a.quorum, id_number: a.id_number };
    let report = if bytes.starts_with(b"%PDF") && flexpension_server::transfer_pdf::is_transfer_pdf(&bytes) {
        // A transfer voucher: the sender's signed voucher and its proof, its pages against it.
        flexpension_server::transfer_pdf::check_pdf(&bytes, &opts).map_err(|e| UsageError(format!("{}: {e}", a.file.display())))?
    } else if bytes.starts_with(b"%PDF") && flexpension_server::complaint_pdf::is_package_pdf(&bytes) {
        // A complaint's evidence package for people: the package it carries, its pages against it.
        flexpension_server::complaint_pdf::check_pdf(&bytes, &opts).map_err(|e| UsageError(format!("{}: {e}", a.file.display())))?
    } else if bytes.starts_with(b"%PDF") {
        // A voucher: its bundle, its page against its signed data, its signed figures.
        flexpension_server::voucher::check_pdf(&bytes, &opts).map_err(|e| UsageError(format!("{}: {e}", a.file.display())))?
    } else if let Ok(p) = serde_json::from_slice::<flexpension_store::EvidencePackage>(&bytes) {
        // A complaint's evidence package: its bundle, the complaint, the evidence list, the files.
        flexpension_store::verify_package(&p, &opts)
    } else if let Ok(p) = serde_json::from_slice::<flexpension_server::voucher::VoucherPayload>(&bytes) {
        // A voucher's data saved from its PDF (pdfdetach): the bundle inside and its figures.
        flexpension_server::voucher::check_payload(&p, &opts)
    } else {
        let bundle: ProofBundle =
            serde_json::from_slice(&bytes).map_err(|e| UsageError(format!("{}: not a proof bundle: {e}", a.file.display())))?;
        verify_bundle(&bundle, &opts)
    };
    if a.json {
        emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(
                &serde_json::json!({"verified": report.ok(), "checks": report.checks, "summary": report.summary})
            )?
        ));
    } else {
        emit(&report.to_text());
    }
    if report.ok() {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "not verified: {}",
            report.checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
        ))
    }
}

#[derive(Args)]
pub struct WitnessArgs {
    /// Make a new witness key in this file (printing its verifier key) and stop.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key", "log_key", "state"])]
    new_key: Option<PathBuf>,
    /// The witness's name, with --new-key (e.g. zj-union).
    #[arg(long, default_value = "witness")]
    name: String,
    /// The witness's key file (from --new-key).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The key of the log it watches.
    #[arg(long, value_name = "K")]
    log_key: Option<String>,
    /// Where it keeps the last checkpoint it cosigned.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1:7380")]
    addr: String,
}

/// `witness`: make a key, or run the witness's HTTP service.
pub fn witness(a: WitnessArgs) -> anyhow::Result<()> {
    if let Some(path) = a.new_key {
        let signer = CosignSigner::try_generate(&a.name).map_err(|e| UsageError(format!("--name: {e}")))?;
        if path.exists() {
            return Err(UsageError(format!("--new-key: {} exists; a key is never overwritten", path.display())).into());
        }
        std::fs::write(&path, format!("{}\n", signer.signer_key())).with_context(|| format!("cannot write {}", path.display()))?;
        emit(&format!("{}\n", signer.verifier_key()));
        return Ok(());
    }
    let (Some(key), Some(log_key), Some(state)) = (a.key, a.log_key, a.state) else {
        return Err(UsageError("give --key, --log-key and --state (or --new-key FILE to make a key)".into()).into());
    };
    let text = std::fs::read_to_string(&key).map_err(|e| UsageError(format!("--key: {}: {e}", key.display())))?;
    let signer = CosignSigner::from_signer_key(text.trim()).map_err(|e| UsageError(format!("--key: {e}")))?;
    let log = NoteVerifier::parse(&log_key).map_err(|e| UsageError(format!("--log-key: {e}")))?;
    let w = Arc::new(flexpension_server::witness::Witness::new(signer, log, state));
    w.load().map_err(|e| UsageError(format!("--state: {e}")))?;
    crate::serve::init_logging_pub()?;
    runtime()?.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(&a.addr).await.map_err(|e| UsageError(format!("--addr: cannot listen on {}: {e}", a.addr)))?;
        emit(&format!("listening on http://{}\n", listener.local_addr()?));
        axum_serve(listener, flexpension_server::witness::router(w)).await
    })
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) -> anyhow::Result<()> {
    axum::serve(listener, router).await.context("the witness stopped")
}

#[derive(Args)]
pub struct VoucherArgs {
    /// The worker's resident ID.
    #[arg(long, value_name = "N")]
    id_number: String,
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
    /// First month, YYYY-MM (default: the first closed one).
    #[arg(long)]
    from: Option<String>,
    /// Last month, YYYY-MM (default: the last closed one).
    #[arg(long)]
    to: Option<String>,
    /// Labels in zh (default) or en.
    #[arg(long, default_value = "zh")]
    lang: String,
    /// The address the QR code points at (the server's public address).
    #[arg(long, default_value = flexpension_server::DEFAULT_PUBLIC_URL)]
    public_url: String,
    #[arg(long, default_value = flexpension_server::DEFAULT_REGION)]
    region: String,
    #[command(flatten)]
    db: Db,
}

pub fn voucher(params: Params, a: VoucherArgs) -> anyhow::Result<()> {
    let month = |arg: &str, v: &Option<String>| -> anyhow::Result<Option<YearMonth>> {
        v.as_deref()
            .map(|m| m.parse::<YearMonth>().map_err(|_| UsageError(format!("{arg}: '{m}' is not a month (YYYY-MM)")).into()))
            .transpose()
    };
    let (from, to) = (month("--from", &a.from)?, month("--to", &a.to)?);
    let lang = match a.lang.as_str() {
        "zh" => flexpension_voucher::Lang::Zh,
        "en" => flexpension_voucher::Lang::En,
        other => return Err(UsageError(format!("--lang: '{other}' is not zh or en")).into()),
    };
    params.scenario(&a.region, None, None).map_err(|e| UsageError(format!("--region: {e}")))?;
    runtime()?.block_on(async move {
        let store = open(&a.db.db).await?;
        let w = store.find_worker(&a.id_number).await.map_err(|e| input_error("--id-number", e))?;
        let w = w.ok_or_else(|| UsageError("--id-number: no worker is registered with this resident ID".into()))?;
        let state = flexpension_server::AppState::new(Arc::new(params))
            .with_region(&a.region)
            .with_store(store.clone())
            .with_public_url(&a.public_url);
        let v = flexpension_server::voucher::issue(&state, &store, w.id, from, to, lang).await.map_err(|e| match e {
            flexpension_server::voucher::VoucherIssueError::Input(m) => anyhow::Error::new(UsageError(format!("--from/--to: {m}"))),
            other => anyhow::Error::new(other),
        })?;
        std::fs::write(&a.out, &v.pdf).map_err(|e| UsageError(format!("--out: {}: {e}", a.out.display())))?;
        emit(&format!(
            "voucher {} for {} ({} months) written to {}\ncheck code {} (its QR code opens {})\n",
            v.id,
            w.id_masked,
            v.body.months.len(),
            a.out.display(),
            v.check_code,
            v.verify_url
        ));
        Ok(())
    })
}
