//! The demo's second region: an Anhui agency with its own store (`ah.db` beside the demo's) and
//! its own server, each agency the other's peer, and a few Zhejiang workers who pay on time
//! moving there through the real signed messages (both servers' agency jobs carry them).
//! Zhejiang's officer then sees them in the queue of transfers (`/officer/transfers`), each
//! moved worker's page the steps, and Anhui's officer the transfers in.

use super::cast::DemoWorker;
use anyhow::Context;
use flexpension_rules::Params;
use flexpension_server::AppState;
use flexpension_store::people::Scope;
use flexpension_store::{NewGrid, NewPeer, NewWorker, OpenOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many workers move.
pub const MOVERS: usize = 5;
/// The longest the demo waits for them.
const WAIT: Duration = Duration::from_secs(60);
/// Anhui's officer login (same password as Zhejiang's).
pub const AH_OFFICER: &str = "officer.ah.demo";

/// What the phase did.
pub struct Moved {
    /// Anhui's server.
    pub base: String,
    pub moved: usize,
    pub months: i64,
    pub secs: f64,
}

/// Younger than the temporary-account ages (a woman from 40, a man from 50, outside the hukou
/// province), so the whole relationship moves.
fn may_move(id_number: &str, today: chrono::NaiveDate) -> bool {
    flexpension_rules::checkdigit::resident_id(id_number).is_ok_and(|birth| today.years_since(birth).is_some_and(|age| age < 40))
}

/// Pick the movers: enrolled from the first month, paying on time, young enough, not `except`.
pub fn movers(workers: &[DemoWorker], first: flexpension_rules::YearMonth, seed: u64, except: &str) -> Vec<String> {
    let today = crate::today();
    workers
        .iter()
        .filter(|w| w.pension_from == Some(first) && w.id_number != except && may_move(&w.id_number, today))
        .filter(|w| super::money::habit(seed, w.sim_index as u64) == super::money::Habit::OnTime)
        .take(MOVERS)
        .map(|w| w.id_number.clone())
        .collect()
}

pub async fn run(params: &Arc<Params>, zj: &AppState, data: &Path, movers: &[String], password: &str) -> anyhow::Result<Moved> {
    let started = Instant::now();
    let db = data.join("ah.db");
    super::fresh(data, &db)?;
    let opts = OpenOptions { region: Some("ah".into()), ..OpenOptions::default() };
    let store = crate::data::open_with(&format!("sqlite:{}", db.display()), &opts).await?;
    crate::data::ensure_regions(&store, params).await?;
    store.add_grid(&NewGrid { code: "h1".into(), name: "合肥市蜀山区1号网格".into(), region: "ah".into() }).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let ah = AppState::new(params.clone()).with_store(store.clone()).with_region("ah").with_public_url(&base);
    tokio::spawn(flexpension_server::serve(listener, ah.clone()));
    let every = crate::serve::DELIVER_EVERY;
    tokio::spawn(flexpension_server::jobs::agency_delivery_loop(ah.clone(), every));
    tokio::spawn(flexpension_server::jobs::agency_delivery_loop(zj.clone(), every));
    let zs = zj.store().context("the demo's store")?;
    let to_ah = NewPeer { code: "ah".into(), url: base.clone(), verifier_key: store.log_keys().verifier_key() };
    zs.add_peer("zj", &to_ah, false).await?;
    let to_zj = NewPeer { code: "zj".into(), url: zj.public_url().to_string(), verifier_key: zs.log_keys().verifier_key() };
    store.add_peer("ah", &to_zj, false).await?;
    flexpension_server::people::add_person(&store, AH_OFFICER, password, &Scope::Region("ah".into())).await?;
    // Each mover registers in Anhui and applies there; the agencies do the rest.
    let mut ids = Vec::new();
    for (k, idn) in movers.iter().enumerate() {
        let z = zs.find_worker(idn).await?.context("a mover is not registered in Zhejiang")?;
        let nw = NewWorker {
            id_number: idn.clone(),
            name: z.name.clone(),
            phone: flexpension_testkit::phone(900_000 + k as u32),
            hukou_region: z.hukou_region.clone(),
            home_grid: "h1".into(),
        };
        store.add_worker(&nw).await?;
        let (t, _) = store.request_transfer(params, idn, "zj").await?;
        ids.push(t.id);
    }
    ah.agency_wake().notify_one();
    loop {
        let mut ended = 0;
        let mut months = 0;
        for id in &ids {
            if let Some(t) = store.transfer(id).await?
                && !t.state.is_open()
            {
                ended += 1;
                months += t.months;
            }
        }
        if ended == ids.len() {
            // Anhui's log holds each step: integrated now, then kept published while it serves.
            store.log_integrate().await?;
            tokio::spawn(flexpension_server::log::publish_loop(ah.clone(), crate::serve::PUBLISH_EVERY));
            let completed = store.transfers().await?.iter().filter(|t| t.state.as_str() == "completed").count();
            if completed != ids.len() {
                anyhow::bail!("{} of the demo's {} transfers to Anhui were refused", ids.len() - completed, ids.len());
            }
            return Ok(Moved { base, moved: completed, months, secs: started.elapsed().as_secs_f64() });
        }
        if started.elapsed() > WAIT {
            anyhow::bail!("the demo's transfers to Anhui did not end within {} s", WAIT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
