//! `flexpension peer add --code js --url URL --key KEY` and `flexpension peer list [--json]`
//! (a contract): the peer agencies (对端经办机构) this agency exchanges signed messages with.
//! KEY is the peer's log verifier key, as that peer's `flexpension log key` prints it.

use crate::data::Out;
use crate::data::{Db, input_error, open, runtime};
use crate::output::emit;
use clap::{Args, Subcommand};
use flexpension_store::PeerAdded;
use flexpension_store::{NewPeer, StoreError};

#[derive(Subcommand)]
pub enum PeerCommand {
    /// Add a peer agency: its region code, URL and log verifier key. The same again is a no-op.
    Add(PeerAddArgs),
    /// List the peer agencies.
    List(PeerListArgs),
}

#[derive(Args)]
pub struct PeerAddArgs {
    /// The peer's insurance region code (2 to 8 lowercase letters), e.g. js.
    #[arg(long)]
    code: String,
    /// Where the peer's server answers, http(s)://host[:port].
    #[arg(long)]
    url: String,
    /// The peer's log verifier key (what its `flexpension log key` prints).
    #[arg(long)]
    key: String,
    /// Change the URL or key of a peer already added.
    #[arg(long)]
    replace: bool,
    /// This agency's own region (a peer cannot be it); default the store's, from `init --region`.
    #[arg(long)]
    region: Option<String>,
    #[command(flatten)]
    db: Db,
}

#[derive(Args)]
#[command(mut_arg("json", |a| a.help("Print JSON: a list of {code, url, verifier_key, added_at_us}")))]
pub struct PeerListArgs {
    #[command(flatten)]
    out: Out,
}

pub fn run(cmd: PeerCommand) -> anyhow::Result<()> {
    match cmd {
        PeerCommand::Add(a) => add(a),
        PeerCommand::List(a) => list(a),
    }
}

fn add(a: PeerAddArgs) -> anyhow::Result<()> {
    let p = NewPeer { code: a.code.trim().to_string(), url: a.url.trim().to_string(), verifier_key: a.key.trim().to_string() };
    runtime()?.block_on(async {
        let store = open(&a.db.db).await?;
        let region = crate::data::store_region(&store, a.region.as_deref()).await?;
        let done = store.add_peer(&region, &p, a.replace).await;
        store.close().await;
        let done = done.map_err(|e| match (&e, e.field()) {
            (StoreError::Invalid { .. }, Some(f)) => input_error(&format!("--{f}"), e),
            (StoreError::Exists { .. }, _) => input_error("--code", e),
            _ => e.into(),
        })?;
        let what = match done {
            PeerAdded::Added => "added",
            PeerAdded::Unchanged => "already added with this URL and key: nothing changed",
            PeerAdded::Replaced => "replaced",
        };
        emit(&format!("peer {} {what}\n", p.code));
        Ok(())
    })
}

fn list(a: PeerListArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let store = open(&a.out.db.db).await?;
        let peers = store.peers().await;
        store.close().await;
        let peers = peers?;
        if a.out.json {
            emit(&format!("{}\n", serde_json::to_string_pretty(&peers)?));
        } else if peers.is_empty() {
            emit("no peer agencies\n");
        } else {
            let mut out = String::new();
            for p in &peers {
                out.push_str(&format!("{}\t{}\t{}\n", p.code, p.url, p.verifier_key));
            }
            emit(&out);
        }
        Ok(())
    })
}
