//! The risk-monitoring benchmark driver (bench/monitor.sh runs it).
//!
//! monitor_bench setup URL N MONTHS OPEN [SCHEMA]
//!     N workers in the grids g0..g99, one in ten enrolled in the employee pension from 2025-01
//!     (the first month the region's rules close), through the store's bulk worker import;
//!     MONTHS months of platform income ending 2026-12 (the region's contribution rules start
//!     in 2024-01), each worker earning in a month with a chance of 70% (one order, 300-9,299
//!     yuan),
//!     ingested month by month through Store::ingest_earnings; every month from 2025-01 but the
//!     last OPEN closed after its ingest (Store::close_month); then one payment file (Store::pay_file) in
//!     which the enrolled pay their dues in full except for the last 0-4 closed months, so the
//!     ledger holds workers up to date, in arrears and lapsed. Nothing of it is timed.
//! monitor_bench round URL MONTH [SCHEMA]
//!     time the month close of MONTH (the baseline), then the monitoring run of MONTH
//!     (Store::monitor_run: workers, enrolments, six months of income, the ledger, the rules,
//!     the alerts written), then the same run again (idempotent: it only refreshes alerts).
//! monitor_bench rerun URL MONTH [SCHEMA]
//!     time the monitoring run of MONTH again, after a round of it: what a daily run reads and
//!     decides, nothing written; as often as wanted on one set-up (two builds alternating).
//!
//! The workers are born 1965-1989, so some retire within the monitor's horizon. The store's
//! clock is fixed at 2027-01-15, after the last month.

use flexpension_rules::contribution::compute;
use flexpension_rules::{Params, YearMonth};
use flexpension_store::{CloseOptions, Format, IngestOptions, WorkerImportOptions};
use flexpension_testkit::{WORKERS_CSV_HEADER, distinct_resident_id, worker_line};
use std::fmt::Write as _;
use std::time::Instant;

mod common;

use common::{GRIDS, Res};

/// The last month with income.
const LAST: &str = "2026-12";
/// The store's clock: 2027-01-15 00:00 Beijing time, after the last month (a month is closed
/// once it has ended).
const NOW: &str = "2027-01-15T00:00:00+08:00";

/// The store with its clock at [`NOW`].
async fn open(url: &str, schema: Option<String>) -> Res<flexpension_store::Store> {
    let now: chrono::DateTime<chrono::Utc> = NOW.parse()?;
    common::open_at(url, schema, now.timestamp_micros()).await
}

/// The first month the region's rules can close (the enrolled are enrolled from then).
const ENROL_FROM: &str = "2025-01";

#[tokio::main]
async fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("setup") if a.len() >= 6 => setup(&a[2], a[3].parse()?, a[4].parse()?, a[5].parse()?, a.get(6).cloned()).await,
        Some("round") if a.len() >= 4 => round(&a[2], a[3].parse()?, a.get(4).cloned()).await,
        Some("rerun") if a.len() >= 4 => rerun(&a[2], a[3].parse()?, a.get(4).cloned()).await,
        _ => Err("usage: monitor_bench setup URL N MONTHS OPEN [SCHEMA] | round URL MONTH [SCHEMA] | rerun URL MONTH [SCHEMA]".into()),
    }
}

/// A fixed hash of a worker and a month (splitmix64): the same population every run.
fn mix(i: u32, k: usize) -> u64 {
    let mut z = (u64::from(i) << 16 | k as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The i-th worker's income in the k-th month, yuan; 0 when not earning that month.
fn income_yuan(i: u32, k: usize) -> u64 {
    let h = mix(i, k);
    if h % 100 < 70 { 300 + (h >> 8) % 9_000 } else { 0 }
}

fn enrolled(i: u32) -> bool {
    i.is_multiple_of(10)
}

async fn setup(url: &str, n: u32, months: usize, open_months: usize, schema: Option<String>) -> Res<()> {
    if months == 0 || open_months > months {
        return Err("MONTHS must be at least 1 and OPEN at most MONTHS".into());
    }
    let store = open(url, schema).await?;
    let platform = common::register(&store, GRIDS).await?;
    let last: YearMonth = LAST.parse()?;
    let first = last.add_months(1 - months as i64).ok_or("too many months")?;
    let month = |k: usize| first.add_months(k as i64).ok_or("month out of range");
    let ids: Vec<String> = (0..n).map(distinct_resident_id).collect();
    let mut workers = String::from(WORKERS_CSV_HEADER);
    // The region's close rules start in 2025-01: the enrolled are enrolled from then.
    let from_month = first.max(ENROL_FROM.parse()?);
    let from = from_month.to_string();
    for (i, id) in (0..n).zip(&ids) {
        workers.push_str(&worker_line(id, i, &format!("g{}", i % GRIDS), if enrolled(i) { &from } else { "" }));
    }
    let t = Instant::now();
    let imp = store.import_workers(std::io::Cursor::new(workers.into_bytes()), &WorkerImportOptions::default()).await?;
    eprintln!("workers: {} added, {} enrolled in {:.1}s", imp.added, imp.enrolled, t.elapsed().as_secs_f64());

    let params = Params::embedded()?;
    let zj = params.scenario("zj", None, None)?;
    let now = NOW.parse()?;
    let closed = months - open_months;
    let (mut ingest_secs, mut close_secs, mut rows, mut closes) = (0.0, 0.0, 0, 0);
    for k in 0..months {
        let m = month(k)?;
        let mut orders = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
        for (i, id) in (0..n).zip(&ids) {
            let yuan = income_yuan(i, k);
            if yuan > 0 {
                writeln!(orders, "M{k}W{i},{id},{yuan},{m}-15T10:00:00+08:00,ride_hailing,g{}", i % GRIDS)?;
            }
        }
        let t = Instant::now();
        let opts = IngestOptions::file(now);
        let r = store.ingest_earnings(platform.id, &zj, std::io::Cursor::new(orders.into_bytes()), Format::Csv, &opts).await?;
        ingest_secs += t.elapsed().as_secs_f64();
        if r.rejected > 0 {
            return Err(format!("{m}: {} orders rejected: {:?}", r.rejected, r.errors.first()).into());
        }
        rows += r.accepted;
        if k < closed && m >= from_month {
            let t = Instant::now();
            store.close_month(&zj, m, &CloseOptions::new(last)).await?;
            close_secs += t.elapsed().as_secs_f64();
            closes += 1;
        }
    }
    eprintln!("orders: {rows} in {ingest_secs:.1}s; {closes} months closed in {close_secs:.1}s");
    if closes == 0 {
        store.close().await;
        return Ok(());
    }
    // The enrolled pay in full all but their last 0-4 closed months, in one payment each.
    let first_closed = (0..closed).find(|k| month(*k).is_ok_and(|m| m >= from_month)).ok_or("nothing closed")?;
    let dues: Vec<_> = (first_closed..closed).map(|k| Ok((k, zj.month_rules(month(k)?)?.0))).collect::<Res<_>>()?;
    let paid_to = month(closed - 1)?;
    let mut file = String::from("reference,id_number,amount_yuan,month,payer\n");
    let mut payers = 0;
    for (i, id) in (0..n).zip(&ids).filter(|(i, _)| enrolled(*i)) {
        let short = (i / 10 % 5) as usize;
        let fen: i64 = dues
            .iter()
            .take(dues.len().saturating_sub(short))
            .map(|(k, rules)| compute(rules, income_yuan(i, *k) as i64 * 100, None).net_fen)
            .sum();
        if fen > 0 {
            writeln!(file, "BANK-{i},{id},{}.{:02},{paid_to},self", fen / 100, fen % 100)?;
            payers += 1;
        }
    }
    let t = Instant::now();
    let r = store.pay_file(std::io::Cursor::new(file.into_bytes()), usize::MAX, None).await?;
    eprintln!("payments: {} of {payers} accepted, {} rejected in {:.1}s", r.accepted, r.rejected, t.elapsed().as_secs_f64());
    store.close().await;
    Ok(())
}

async fn round(url: &str, month: YearMonth, schema: Option<String>) -> Res<()> {
    let store = open(url, schema).await?;
    let params = Params::embedded()?;
    let zj = params.scenario("zj", None, None)?;
    let (t, u) = (Instant::now(), cpu_secs());
    let c = store.close_month(&zj, month, &CloseOptions::new(LAST.parse()?)).await?;
    let (close_secs, close_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - u);
    let (t, u) = (Instant::now(), cpu_secs());
    let r = store.monitor_run(&params, "zj", month).await?;
    let (monitor_secs, monitor_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - u);
    let (t, u) = (Instant::now(), cpu_secs());
    let again = store.monitor_run(&params, "zj", month).await?;
    let (rerun_secs, rerun_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - u);
    if (again.opened, again.closed) != (0, 0) || (again.uninsured, again.lapsed, again.at_risk) != (r.uninsured, r.lapsed, r.at_risk) {
        return Err(format!("the rerun changed the alerts: {r:?} then {again:?}").into());
    }
    println!(
        "month={month} close_workers={} close_secs={close_secs:.3} monitor_workers={} monitor_secs={monitor_secs:.3} rerun_secs={rerun_secs:.3} \
         uninsured={} lapsed={} at_risk={} interrupted={} short_of_years={} opened={} closed={} \
         close_cpu={close_cpu:.3} monitor_cpu={monitor_cpu:.3} rerun_cpu={rerun_cpu:.3}",
        c.workers, r.workers, r.uninsured, r.lapsed, r.at_risk, r.interrupted, r.short_of_years, r.opened, r.closed
    );
    store.close().await;
    Ok(())
}

async fn rerun(url: &str, month: YearMonth, schema: Option<String>) -> Res<()> {
    let store = open(url, schema).await?;
    let params = Params::embedded()?;
    let (t, u) = (Instant::now(), cpu_secs());
    let r = store.monitor_run(&params, "zj", month).await?;
    let (rerun_secs, rerun_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - u);
    if (r.opened, r.closed) != (0, 0) {
        return Err(format!("not a rerun: {r:?}").into());
    }
    println!(
        "month={month} monitor_workers={} rerun_secs={rerun_secs:.3} uninsured={} lapsed={} at_risk={} interrupted={} short_of_years={} rerun_cpu={rerun_cpu:.3}",
        r.workers, r.uninsured, r.lapsed, r.at_risk, r.interrupted, r.short_of_years
    );
    store.close().await;
    Ok(())
}

/// The CPU seconds (user and system) this process has used so far, from /proc/self/stat; 0
/// where there is none. On a shared machine a steadier measure than the wall clock (SQLite
/// runs in the process; PostgreSQL's server does not count here).
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The fields after the command name (in parentheses, which may hold spaces): utime and
    // stime are the 12th and 13th, in clock ticks of 1/100 s.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0.0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}
