//! `flexpension demo`: a fresh SQLite store with a synthetic Zhejiang population, a year of
//! platform orders pushed through the real earnings API, the months closed and paid, then the
//! server kept running with demo logins. Progress and phase times go to stderr.

mod cast;
mod fund;
mod money;
mod notices;
mod orders;
mod transfer;
mod union;

use crate::UsageError;
use anyhow::Context;
use clap::Args;
use flexpension_rules::{Params, YearMonth};
use flexpension_server::AppState;
use flexpension_store::people::Scope;
use flexpension_store::{NewGrid, NewPlatform, RevenueBand, Store, WorkerImportOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Fixed so that every demo is the same demo.
const SEED: u64 = 20_250_901;
/// The months: the injury pilot runs in Zhejiang from 2025-08-21, so from its first full month;
/// fixed rather than "the last 12" so the demo does not change with the date.
const FIRST_MONTH: (i32, u32) = (2025, 9);
const MONTHS: i64 = 12;
/// The platforms' earlier reports, one settlement a month, from the first month the rules cover
/// (the contribution rules start in 2024) to the month before the demo's: the credit ratings
/// look three years back, so the demo's platforms have a history to be rated (and sanctioned) on.
const HISTORY_FROM: (i32, u32) = (2024, 1);
const WORKER_PASSWORD: &str = "demo-worker-2025";
const PLATFORM_PASSWORD: &str = "demo-platform-2025";
const OFFICER_PASSWORD: &str = "demo-officer-2025";
/// The second platform's login: under a contract, it pays none of its bills.
const OVERDUE_LOGIN: &str = "platform2.demo";
const GRID_PASSWORD: &str = "demo-grid-2025";
/// The grids the demo grid worker looks after (the first two of the cast).
const GRID_WORKER_GRIDS: [&str; 2] = [cast::GRIDS[0].0, cast::GRIDS[1].0];
const INSPECTOR_PASSWORD: &str = "demo-inspector-2025";
const LEGAL_AID_PASSWORD: &str = "demo-legalaid-2025";

#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo keeps its data; its flexpension.db is made afresh.
    #[arg(long, default_value = "flexpension-data/demo")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// How many workers.
    #[arg(long, default_value_t = 10_000)]
    workers: usize,
    /// Build the data and exit (for tests and scripts).
    #[arg(long)]
    no_serve: bool,
}

/// Phase timer: a stderr line per phase, and the list for the summary.
struct Phases {
    start: Instant,
    last: Instant,
    done: Vec<(&'static str, f64)>,
}

impl Phases {
    fn new() -> Phases {
        let now = Instant::now();
        Phases { start: now, last: now, done: Vec::new() }
    }
    fn end(&mut self, name: &'static str, what: String) {
        let s = self.last.elapsed().as_secs_f64();
        self.last = Instant::now();
        eprintln!("demo: {name:<10} {s:>6.2} s  {what}");
        self.done.push((name, s));
    }
}

pub fn run(params: Params, a: DemoArgs) -> anyhow::Result<()> {
    if !(1..=1_000_000).contains(&a.workers) {
        return Err(UsageError("--workers: give 1 to 1000000".into()).into());
    }
    crate::serve::init_logging_quiet()?;
    let db_path = a.data.join("flexpension.db");
    fresh(&a.data, &db_path)?;
    let url = format!("sqlite:{}", db_path.display());
    let addr = if a.no_serve { "127.0.0.1:0".to_string() } else { a.addr.clone() };
    let params = Arc::new(params);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let mut ph = Phases::new();
        let store = crate::data::open(&url).await?;
        let listener =
            tokio::net::TcpListener::bind(&addr).await.map_err(|e| UsageError(format!("--addr: cannot listen on {addr}: {e}")))?;
        let local = listener.local_addr()?;
        let base = format!("http://{local}");
        if !a.no_serve {
            // The first line is read by scripts (tests, benchmarks) to find the port.
            println!("listening on {base}");
        }
        // Two witnesses of the log (the union federation, the audit office), each on its own port
        // with its own key, as other departments would run them.
        let witnesses = start_witnesses(&store, &a.data).await?;
        let state = AppState::new(params.clone())
            .with_store(store.clone())
            .with_public_url(&base)
            .with_witnesses(flexpension_server::log::Witnesses { peers: witnesses.clone(), quorum: witnesses.len() });
        let server = tokio::spawn(flexpension_server::serve(listener, state.clone()));
        let mut built = build(&params, &store, &base, a.workers, &mut ph).await?;
        built.log = Some(record(&state, &store, &a.data, &built, &mut ph).await?);
        let moved = transfer::run(&params, &state, &a.data, &built.movers, OFFICER_PASSWORD).await?;
        ph.end(
            "transfers",
            format!(
                "{} workers moved to Anhui ({} months) by the two agencies' signed messages in {:.1} s; Anhui's server at {}",
                moved.moved, moved.months, moved.secs, moved.base
            ),
        );
        built.moved = Some(moved);
        if !a.no_serve {
            tokio::spawn(flexpension_server::log::publish_loop(state.clone(), crate::serve::PUBLISH_EVERY));
            tokio::spawn(flexpension_server::jobs::complaint_deadline_loop(state.clone(), crate::serve::COMPLAINT_DEADLINE_EVERY));
        }
        let total = ph.start.elapsed().as_secs_f64();
        eprintln!("demo: setup done in {total:.2} s");
        print_guide(&base, &db_path, &built, &ph, total, a.no_serve)?;
        if a.no_serve {
            server.abort();
            store.close().await;
            return Ok(());
        }
        server.await.context("the server task failed")?.context("the server stopped")
    })
}

/// Remove an earlier demo database (and its WAL files) so the demo starts fresh.
fn fresh(dir: &Path, db: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| UsageError(format!("--data: cannot create {}: {e}", dir.display())))?;
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(UsageError(format!("--data: cannot remove the old {}: {e}", p.display())).into());
            }
            _ => {}
        }
    }
    Ok(())
}

/// What the guide prints.
struct Built {
    months: Vec<YearMonth>,
    worker_login: String,
    platform_login: String,
    platform_name: String,
    officer_login: String,
    grid_login: String,
    worker_id_number: String,
    log: Option<LogShown>,
    /// The workers who move to the demo's second region (ID numbers), and what moved.
    movers: Vec<String>,
    moved: Option<transfer::Moved>,
}

/// What the guide prints about the tamper-evident record.
struct LogShown {
    entries: u64,
    log_key: String,
    witness_keys: Vec<String>,
    voucher: PathBuf,
    verify_url: String,
}

/// Start the witnesses in this process; their keys and views live in the data directory.
async fn start_witnesses(store: &Store, data: &Path) -> anyhow::Result<Vec<flexpension_server::log::WitnessPeer>> {
    let log = flexpension_tlog::NoteVerifier::parse(&store.log_keys().verifier_key())?;
    let mut peers = Vec::new();
    for name in ["zj-union", "zj-audit"] {
        let signer = flexpension_tlog::CosignSigner::try_generate(name)?;
        let key = signer.verifier_key();
        let state = data.join(format!("witness-{name}.json"));
        let _ = std::fs::remove_file(&state);
        let w = Arc::new(flexpension_server::witness::Witness::new(signer, log.clone(), state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("a port for a witness")?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move {
            let _ = axum::serve(listener, flexpension_server::witness::router(w)).await;
        });
        peers.push(flexpension_server::log::WitnessPeer::parse(&format!("{url}={key}")).map_err(anyhow::Error::msg)?);
    }
    Ok(peers)
}

/// 8. The record: integrate the log, have both witnesses cosign, issue the demo worker's voucher.
async fn record(state: &AppState, store: &Store, data: &Path, b: &Built, ph: &mut Phases) -> anyhow::Result<LogShown> {
    flexpension_server::log::publish(state).await.map_err(anyhow::Error::msg)?;
    let w = store.find_worker(&b.worker_id_number).await?.context("the demo worker is not registered")?;
    let v = flexpension_server::voucher::issue(state, store, w.id, None, None, flexpension_voucher::Lang::Zh).await?;
    let path = data.join("voucher.pdf");
    std::fs::write(&path, &v.pdf).with_context(|| format!("cannot write {}", path.display()))?;
    let (size, note) = store.log_checkpoint().await?.context("no checkpoint")?;
    let cosigned = flexpension_tlog::parse_note(&note).map(|n| n.sigs.len().saturating_sub(1)).unwrap_or(0);
    ph.end(
        "record",
        format!("{size} log entries, checkpoint cosigned by {cosigned} witnesses; voucher {} ({} months)", v.id, v.body.months.len()),
    );
    Ok(LogShown {
        entries: size,
        log_key: store.log_keys().verifier_key(),
        witness_keys: state.witnesses().peers.iter().map(|p| p.key.clone()).collect(),
        voucher: path,
        verify_url: v.verify_url.clone(),
    })
}

async fn build(params: &Params, store: &Store, base: &str, n: usize, ph: &mut Phases) -> anyhow::Result<Built> {
    let region = flexpension_server::DEFAULT_REGION;
    let scenario = params.scenario(region, None, None)?;
    let first = YearMonth::new(FIRST_MONTH.0, FIRST_MONTH.1).context("the demo's first month")?;
    let months: Vec<YearMonth> = (0..MONTHS).filter_map(|k| first.add_months(k)).collect();

    // 1. The population: generated with spare, since only jobs with an order type are kept.
    let pp = flexpension_sim::PopParams::embedded(&params.sources).context("the simulation's population parameters")?;
    let mut gen_n = n + n / 2 + 16;
    let (pop, workers) = loop {
        let pop = flexpension_sim::Population::generate(&pp, gen_n, SEED);
        let ws = cast::workers(&pop, &pp, n, SEED, first);
        if ws.len() == n || gen_n > 8 * n + 64 {
            break (pop, ws);
        }
        gen_n *= 2;
    };
    ph.end("population", format!("{} workers drawn from {} simulated", workers.len(), pop.len()));

    // 2. The registry: region, grids, platforms (with their keys), workers with enrolments.
    crate::data::ensure_regions(store, params).await?;
    for (code, name) in cast::GRIDS {
        store.add_grid(&NewGrid { code: code.into(), name: name.into(), region: region.into() }).await?;
    }
    let plats = cast::platforms(&pp);
    let mut keys = Vec::new();
    let mut platform_ids = Vec::new();
    for (i, p) in plats.iter().enumerate() {
        let band = if i % 3 == 2 { RevenueBand::Below100m } else { RevenueBand::From100m };
        let np = NewPlatform { name: p.name.clone(), uscc: p.uscc.clone(), revenue_band: band, injury_high_level: false };
        let (platform, key) = store.add_platform(&np).await.with_context(|| format!("registering {}", p.name))?;
        keys.push(key.expose().to_string());
        platform_ids.push(platform.id);
    }
    let csv = cast::workers_csv(&workers, SEED);
    let r = store.import_workers(csv.as_bytes(), &WorkerImportOptions::default()).await?;
    if r.rejected > 0 || r.conflicting > 0 {
        anyhow::bail!("demo workers were refused: {:?}", r.errors.first());
    }
    ph.end("registry", format!("{} grids, {} platforms, {} workers, {} enrolled", cast::GRIDS.len(), plats.len(), r.added, r.enrolled));

    // 3. Orders through the platform API.
    let names: Vec<String> = plats.iter().map(|p| p.sim_name.clone()).collect();
    let history_from = YearMonth::new(HISTORY_FROM.0, HISTORY_FROM.1).context("the history's first month")?;
    let history: Vec<YearMonth> = (0..first.index() - history_from.index()).filter_map(|k| history_from.add_months(k)).collect();
    let earlier = orders::post_all(base, &keys, orders::batches(&pop, &pp, &workers, &names, &history, 1), 2).await?;
    ph.end("history", format!("{} months before {first} reported, one row a month: {} rows", history.len(), earlier.rows));
    let batches = orders::batches(&pop, &pp, &workers, &names, &months, orders::SETTLEMENTS_PER_MONTH);
    let sent = orders::post_all(base, &keys, batches, 2).await?;
    ph.end(
        "orders",
        format!(
            "{} rows in {} signed requests, {} accepted, income {} 元, injury premiums {} 元",
            sent.rows,
            sent.requests,
            sent.accepted,
            sent.income_fen / 100,
            sent.premium_fen / 100
        ),
    );

    // 4. Close the months: the region's policy, the paper's from the pilot (the special fund
    // appropriated per city, one city running short); two platforms under collective contracts.
    let at = YearMonth::of_date(crate::today());
    fund::contracts(store, &platform_ids, first, at).await?;
    let f = fund::settle(params, store, region, &workers, &months, at).await?;
    let short = f.short_from.map_or_else(|| "no city".to_string(), |m| format!("{} from {m}", fund::SHORT_CITY));
    ph.end(
        "close",
        format!(
            "{} months closed, {} worker-months billed (policy {}, the paper's from {}-{:02}); fund {} 元 appropriated, {short} short, {} 元 queued",
            months.len(),
            f.closed,
            scenario.policy.name,
            fund::PILOT_FROM.0,
            fund::PILOT_FROM.1,
            f.appropriated_fen / 100,
            f.queued_fen / 100
        ),
    );

    // 5. Payments.
    let last = *months.last().context("no months")?;
    let lapse = flexpension_ledger::lapse_after_months(params, last)?;
    let paid = money::pay_all(store, &workers, SEED, lapse, 1).await?;
    let [on_time, late, partly, stops] = paid.by_habit;
    let billed = fund::pay_bills(store, platform_ids[0], last).await?;
    ph.end(
        "payments",
        format!(
            "{} payments, {} 元; workers paying on time {on_time}, late {late}, partly {partly}, stopping {stops}; {} paid its bills, {} 元",
            paid.payments,
            paid.amount_fen / 100,
            plats[0].name,
            billed / 100
        ),
    );

    // 6. What the agency watches: the risk monitor over the last months in order (with some of
    // the uninsured it flags enrolling after their grid worker's visit), and the platforms' credit.
    let watch = watch_months(params, store, region, &months).await?;
    let mut credit = None;
    for m in history.iter().chain(&months) {
        credit = Some(store.credit_run(params, *m).await?);
    }
    let credit = credit.context("no month rated")?;
    let sanctioned = credit.platforms.iter().filter(|p| p.rating.sanctioned).count();
    let d = credit.platforms.iter().filter(|p| p.rating.grade == Some(flexpension_rules::credit::Grade::D)).count();
    ph.end(
        "watch",
        format!(
            "alerts: uninsured {}, lapsed {}, about to lapse {}, income interrupted {}, short of years {}; {} platforms rated, {d} under the floor, {sanctioned} sanctioned",
            watch.uninsured,
            watch.lapsed,
            watch.at_risk,
            watch.interrupted,
            watch.short_of_years,
            credit.platforms.len()
        ),
    );

    // The policy-fit profile of the last month: who is likely to join, which scheme, why.
    let fit = flexpension_server::outreach::run(store, params, region, last).await?;
    ph.end("outreach", format!("{} workers scored; model: {} (held-out AUC {:.3})", fit.workers, fit.trained_on, fit.auc_ppm as f64 / 1e6));
    // The notices of the outreach run, through the platforms' API, the quiz and who joined.
    let told = notices::run(params, store, region, base, &keys, SEED, last).await?;
    ph.end("notices", told);

    // 7. Logins: a worker who pays on time, the first platform, the second (its bills overdue),
    // an officer of the region, a grid worker of the first two grids (whose workers leave a
    // number to be reached at).
    let w = workers
        .iter()
        .find(|w| w.pension_from == Some(first) && money::habit(SEED, w.sim_index as u64) == money::Habit::OnTime)
        .or(workers.first())
        .context("no demo workers")?;
    let wid = store.find_worker(&w.id_number).await?.context("the demo worker is not registered")?.id;
    let logins = [
        ("worker.demo", WORKER_PASSWORD, Scope::Worker(wid)),
        ("platform.demo", PLATFORM_PASSWORD, Scope::Platform(platform_ids[0])),
        ("officer.demo", OFFICER_PASSWORD, Scope::Region(region.into())),
        ("gridworker.demo", GRID_PASSWORD, Scope::Grids(region.into())),
        ("inspector.demo", INSPECTOR_PASSWORD, Scope::Inspection(region.into())),
        ("legalaid.demo", LEGAL_AID_PASSWORD, Scope::LegalAid(region.into())),
        (OVERDUE_LOGIN, PLATFORM_PASSWORD, Scope::Platform(*platform_ids.get(1).context("a second demo platform")?)),
    ];
    let mut desks = Vec::new();
    for (login, pw, scope) in &logins {
        let p =
            flexpension_server::people::add_person(store, login, pw, scope).await.with_context(|| format!("making the login {login}"))?;
        if matches!(scope, Scope::Grids(_)) {
            store.assign_grids(p.id, &GRID_WORKER_GRIDS).await?;
        }
        if matches!(scope, Scope::Inspection(_) | Scope::LegalAid(_)) {
            desks.push(p.id);
        }
    }
    let contacts = grid_contacts(store, &workers).await?;
    ph.end("logins", format!("{} accounts; {contacts} contact numbers in the grid worker's grids", logins.len()));
    let [inspector, legal_aid] = desks[..] else { anyhow::bail!("the demo's inspector and legal-aid logins were not made") };
    let filed = complaints(params, store, Desks { region, inspector, legal_aid }, wid, platform_ids[0], &months).await?;
    ph.end("complaints", filed);
    let union = union::union(store, region, &workers, wid).await?;
    ph.end("union", union);
    Ok(Built {
        months,
        worker_login: logins[0].0.into(),
        platform_login: logins[1].0.into(),
        platform_name: plats[0].name.clone(),
        officer_login: logins[2].0.into(),
        grid_login: logins[3].0.into(),
        worker_id_number: w.id_number.clone(),
        log: None,
        movers: transfer::movers(&workers, first, SEED, &w.id_number),
        moved: None,
    })
}

/// Months of monitoring the demo runs, the last month the last.
const WATCH_MONTHS: usize = 6;
/// The share of a month's new uninsured alerts whose workers enrol after the visit.
const ENROL_AFTER_VISIT: f64 = 0.25;

/// Run the monitor over the last `WATCH_MONTHS` months in order; after each run a share of the
/// newly flagged uninsured workers enrol from the next month (closing their alerts), so the
/// officer's conversion has months to show. Returns the last run's report.
async fn watch_months(
    params: &Params,
    store: &Store,
    region: &str,
    months: &[YearMonth],
) -> anyhow::Result<flexpension_store::MonitorReport> {
    use flexpension_rules::monitor::Risk;
    use flexpension_store::{Basis, NewEnrolment, Scheme};
    let mut last = None;
    for m in months.iter().skip(months.len().saturating_sub(WATCH_MONTHS)) {
        let r = store.monitor_run(params, region, *m).await?;
        let from = m.add_months(1).context("the month after")?;
        let month = m.to_string();
        for a in store.open_alerts(None).await?.iter().filter(|a| a.risk == Risk::Uninsured && a.opened == month) {
            if flexpension_testkit::unit(SEED, a.worker.0 as u64, 31) < ENROL_AFTER_VISIT {
                let e = NewEnrolment { worker: a.worker, scheme: Scheme::EmployeePension, from, to: None, basis: Basis::PlatformIncome };
                store.enrol(&e).await?;
            }
        }
        last = Some(r);
    }
    last.context("no month to watch")
}

/// The demo workers of the grid worker's grids leave their phone as the number to be reached
/// at (kept sealed; shown only by a recorded reveal). Returns how many.
async fn grid_contacts(store: &Store, workers: &[cast::DemoWorker]) -> anyhow::Result<usize> {
    let mut n = 0;
    for (k, w) in workers.iter().enumerate().filter(|(_, w)| GRID_WORKER_GRIDS.contains(&w.grid)) {
        let Some(found) = store.find_worker(&w.id_number).await? else { continue };
        store.set_contact(found.id, &flexpension_testkit::phone(k as u32)).await?;
        n += 1;
    }
    Ok(n)
}

fn print_guide(base: &str, db: &Path, b: &Built, ph: &Phases, total: f64, no_serve: bool) -> anyhow::Result<()> {
    let first = b.months.first().map(|m| m.to_string()).unwrap_or_default();
    let last = b.months.last().map(|m| m.to_string()).unwrap_or_default();
    let dbs = db.display();
    let mut out = std::io::stdout().lock();
    writeln!(out, "flexpension demo: Zhejiang, {first} .. {last}, set up in {total:.1} s")?;
    writeln!(out, "  data:                           sqlite:{dbs}")?;
    if !no_serve {
        writeln!(out, "  the worker's calculator (中文):  {base}/")?;
        writeln!(out, "  in English:                     {base}/?lang=en")?;
        writeln!(out, "  the API, browsable:             {base}/api/docs/")?;
        writeln!(out, "  log in at {base}/login (then /me, /platform, /officer, /grid):")?;
    } else {
        writeln!(out, "  logins (when served):")?;
    }
    writeln!(out, "    worker   {} / {WORKER_PASSWORD}   -> /me", b.worker_login)?;
    writeln!(out, "    platform {} / {PLATFORM_PASSWORD} ({}) -> /platform", b.platform_login, b.platform_name)?;
    writeln!(out, "    platform {OVERDUE_LOGIN} / {PLATFORM_PASSWORD} -> /platform (bills overdue: the reminder)")?;
    writeln!(out, "    officer  {} / {OFFICER_PASSWORD}  -> /officer (contracts to approve: /officer/contracts)", b.officer_login)?;
    writeln!(out, "    grid     {} / {GRID_PASSWORD}      -> /grid ({})", b.grid_login, GRID_WORKER_GRIDS.join(", "))?;
    writeln!(out, "    inspector inspector.demo / {INSPECTOR_PASSWORD} -> /inspection/complaints (labour inspection's queue)")?;
    writeln!(out, "    legal aid legalaid.demo / {LEGAL_AID_PASSWORD} -> /legal-aid/complaints (union legal aid's queue)")?;
    writeln!(
        out,
        "    newcomer {} / {}  -> /me (a notice to read, the quiz; the officer's figures at /officer/outreach)",
        notices::READER_LOGIN,
        notices::READER_PASSWORD
    )?;
    writeln!(out, "  the demo worker's union membership and requests: /me/union")?;
    writeln!(out, "  the demo worker's complaints: /me/complaints; `flexpension complaint show 1 --db sqlite:{dbs}`")?;
    writeln!(out, "  a month's books:   flexpension report month --db sqlite:{dbs} --month {last}")?;
    writeln!(out, "  risk alerts:       flexpension monitor run --db sqlite:{dbs} --month {last}")?;
    writeln!(
        out,
        "  the special fund:  flexpension fund report --db sqlite:{dbs} --year {} (the officer's /officer/fund)",
        fund::PILOT_FROM.0
    )?;
    writeln!(
        out,
        "  who to reach:      flexpension outreach features --db sqlite:{dbs} --out table.csv; flexpension outreach score --in table.csv"
    )?;
    if !no_serve {
        writeln!(out, "  platforms' credit: {base}/credit")?;
    }
    if let Some(m) = &b.moved {
        writeln!(
            out,
            "  transfers:         {} workers moved to Anhui ({} months): the officer's {base}/officer/transfers",
            m.moved, m.months
        )?;
        if !no_serve {
            writeln!(
                out,
                "  the second region: Anhui at {}/login ({} / {OFFICER_PASSWORD} -> /officer/transfers)",
                m.base,
                transfer::AH_OFFICER
            )?;
        }
    }
    writeln!(out, "  the demo worker:   flexpension worker show --db sqlite:{dbs} --id-number {} --month {last}", b.worker_id_number)?;
    let times: Vec<String> = ph.done.iter().map(|(n, s)| format!("{n} {s:.2} s")).collect();
    if let Some(l) = &b.log {
        writeln!(out, "  the tamper-evident record: {} entries; checkpoint {base}/log/checkpoint", l.entries)?;
        writeln!(out, "  the demo worker's voucher:  {}  (its QR code opens {})", l.voucher.display(), l.verify_url)?;
        let wk: Vec<String> = l.witness_keys.iter().map(|k| format!("--witness-key {k}")).collect();
        writeln!(out, "  check it offline:  flexpension verify {} --log-key {} {}", l.voucher.display(), l.log_key, wk.join(" "))?;
    }
    writeln!(out, "  phases: {}", times.join(", "))?;
    if !no_serve {
        writeln!(out, "Stop with Ctrl-C.")?;
    }
    out.flush()?;
    Ok(())
}

/// The demo's labour inspector and legal-aid officer, and their region.
struct Desks<'a> {
    region: &'a str,
    inspector: flexpension_store::people::PersonId,
    legal_aid: flexpension_store::people::PersonId,
}

/// The demo worker's complaints against the first platform, in different states: one left
/// unanswered until its deadline (breached and escalated: the deadline run is told the time of
/// its deadline; legal aid takes it on), one answered, one mediated and settled by labour
/// inspection, one just delivered.
async fn complaints(
    params: &Params,
    store: &Store,
    desks: Desks<'_>,
    worker: flexpension_store::WorkerId,
    platform: flexpension_store::PlatformId,
    months: &[YearMonth],
) -> anyhow::Result<String> {
    use flexpension_rules::complaint::{Action, Actor, Kind, Outcome};
    let last: Vec<YearMonth> = months.iter().rev().take(2).rev().copied().collect();
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    let file = |kind: Kind, text: &str, photo: bool| flexpension_store::NewComplaint {
        worker,
        platform,
        kind,
        months: last.clone(),
        text: text.into(),
        uploads: if photo { vec![flexpension_store::NewUpload { name: "截图.jpg".into(), bytes: jpeg.to_vec() }] } else { vec![] },
    };
    let late = store.file_complaint(params, &file(Kind::UnpaidOrders, "有两单完成了但一直没结算。", true)).await?;
    let answered = store.file_complaint(params, &file(Kind::Deductions, "差评罚款扣了50元，顾客说没有差评。", false)).await?;
    store.complaint_step(answered.summary.id, Actor::Platform, Some(platform.0), Action::Respond, Some("已核实，罚款已退回。")).await?;
    let settled = store.file_complaint(params, &file(Kind::AccountBlocked, "账号被封三天，没有说明原因。", false)).await?;
    let (inspect, region) = (desks.inspector, desks.region);
    store.complaint_step_in_region(settled.summary.id, Actor::Inspector, inspect, region, Action::Mediate, None).await?;
    let upheld = Action::Resolve(Outcome::Upheld);
    store.complaint_step_in_region(settled.summary.id, Actor::Inspector, inspect, region, upheld, Some("平台已解封并补偿。")).await?;
    let sla = store.complaint_sla(late.summary.due_at_us).await?;
    store.complaint_step_in_region(late.summary.id, Actor::LegalAid, desks.legal_aid, region, Action::Take, None).await?;
    let open = store.file_complaint(params, &file(Kind::ContributionsUnpaid, "合同写了平台交社保，但没交。", true)).await?;
    Ok(format!(
        "4 complaints (#{} breached and escalated: {:?}; #{} answered; #{} settled; #{} delivered)",
        late.summary.id, sla.escalated, answered.summary.id, settled.summary.id, open.summary.id
    ))
}
