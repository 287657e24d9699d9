//! The month-close benchmark driver (bench/settle.sh runs it).
//!
//! settle_bench setup URL N [SCHEMA]   N workers enrolled in the employee pension, one order
//!                                     each in 2025-09 (through the store's bulk import and ingest)
//! settle_bench close URL [SCHEMA]     time the month close of 2025-09 through Store::close_month
//!                                     (read, rules, ledger, write: everything), and next to it the
//!                                     rules engine's pure batch_totals on the same incomes
//! settle_bench reset URL SCHEMA       PostgreSQL: empty the journal for the next round
//! settle_bench pay URL [SCHEMA]       on a closed 2025-09: each worker pays the month in full,
//!                                     all but the last 1,000 (a tenth when fewer) through one payment file
//!                                     (Store::pay_file), those one by one (Store::pay), both timed
//!
//! The workers are born 1975-1999 (working age in 2025: none is past the retirement age).

use flexpension_rules::contribution::batch_totals;
use flexpension_rules::{Params, YearMonth};
use flexpension_store::{CloseOptions, Format, IngestOptions, WorkerImportOptions};
use flexpension_testkit::{WORKERS_CSV_HEADER, resident_id, worker_line};
use std::fmt::Write as _;
use std::time::Instant;

mod common;

use common::{Res, open};

#[tokio::main]
async fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("setup") if a.len() >= 4 => setup(&a[2], a[3].parse()?, a.get(4).cloned()).await,
        Some("close") if a.len() >= 3 => close(&a[2], a.get(3).cloned()).await,
        Some("reset") if a.len() >= 4 => reset(&a[2], a[3].clone()).await,
        Some("pay") if a.len() >= 3 => pay(&a[2], a.get(3).cloned()).await,
        _ => Err("usage: settle_bench setup URL N [SCHEMA] | close URL [SCHEMA] | reset URL SCHEMA | pay URL [SCHEMA]".into()),
    }
}

/// The i-th bench worker's resident ID: born `i % 9000` days after 1975-01-01, sequence `i / 9000`.
fn bench_id(i: u32) -> String {
    let birth = chrono::NaiveDate::from_ymd_opt(1975, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(u64::from(i % 9000))))
        .map_or_else(|| "19750101".to_string(), |d| d.format("%Y%m%d").to_string());
    resident_id("330106", &birth, i / 9000)
}

/// The i-th worker's income in 2025-09, yuan: spread over every bracket, 0 to 12,000.
fn income_yuan(i: u32) -> u64 {
    (u64::from(i) * 7919) % 12_000 + 1
}

async fn setup(url: &str, n: u32, schema: Option<String>) -> Res<()> {
    let store = open(url, schema).await?;
    let platform = common::register(&store, 1).await?;
    let (mut workers, mut orders) = (String::from(WORKERS_CSV_HEADER), String::new());
    orders.push_str("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for i in 0..n {
        let id = bench_id(i);
        workers.push_str(&worker_line(&id, i, "g0", "2025-01"));
        let yuan = income_yuan(i);
        writeln!(orders, "O{i},{id},{yuan},2025-09-15T10:00:00+08:00,ride_hailing,g0")?;
    }
    let t = Instant::now();
    let opts = WorkerImportOptions { rows_per_batch: 50_000, ..Default::default() };
    let imp = store.import_workers(std::io::Cursor::new(workers.into_bytes()), &opts).await?;
    eprintln!("workers: {} added, {} enrolled in {:.1}s", imp.added, imp.enrolled, t.elapsed().as_secs_f64());
    let params = Params::embedded()?;
    let zj = params.scenario("zj", None, None)?;
    let now = "2026-01-01T00:00:00+08:00".parse()?;
    let t = Instant::now();
    let r =
        store.ingest_earnings(platform.id, &zj, std::io::Cursor::new(orders.into_bytes()), Format::Csv, &IngestOptions::file(now)).await?;
    eprintln!("orders: {} accepted, {} rejected in {:.1}s", r.accepted, r.rejected, t.elapsed().as_secs_f64());
    store.close().await;
    Ok(())
}

async fn close(url: &str, schema: Option<String>) -> Res<()> {
    let store = open(url, schema).await?;
    // NOLOG=1: the same close without logging the journal writes (what the log costs).
    let logged = std::env::var("NOLOG").map_or(true, |v| v != "1");
    if !logged {
        store.benchmark_without_journal_log();
    }
    let params = Params::embedded()?;
    let zj = params.scenario("zj", None, None)?;
    let month: YearMonth = "2025-09".parse()?;
    let t = Instant::now();
    let chunk = std::env::var("CHUNK").ok().and_then(|c| c.parse().ok()).unwrap_or(flexpension_store::CHUNK_WORKERS);
    let r = store.close_month(&zj, month, &CloseOptions { chunk_workers: chunk, ..CloseOptions::new("2025-12".parse()?) }).await?;
    let close_secs = t.elapsed().as_secs_f64();
    // The same workers' incomes through the rules engine alone (read untimed).
    let incomes: Vec<i64> = store.enrolled_incomes(month).await?.into_iter().map(|(_, i)| i).collect();
    let (rules, _) = zj.month_rules(month)?;
    let t = Instant::now();
    let totals = batch_totals(&rules, &incomes, None);
    let batch_secs = t.elapsed().as_secs_f64();
    let rep = store.month_report(month).await?;
    if rep.contribution_fen != totals.contribution_fen || rep.workers != totals.workers || rep.trial_balance_fen != 0 {
        return Err(format!("the close disagrees with the rules engine: {rep:?} vs {totals:?}").into());
    }
    println!("close logged={logged} workers={} entries={} close_secs={close_secs:.3} batch_secs={batch_secs:.4}", r.workers, r.entries);
    store.close().await;
    Ok(())
}

async fn reset(url: &str, schema: String) -> Res<()> {
    let store = open(url, Some(schema.clone())).await?;
    store.close().await;
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
    // Bench only: TRUNCATE empties the append-only tables between rounds (no row triggers).
    let sql = format!("SET search_path TO {schema}; TRUNCATE journal_entries, journal_postings, ledger_workers, month_closes");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await?;
    Ok(())
}

/// Pay 2025-09 in full for every worker: a file for all but the last `single`, those one by one.
async fn pay(url: &str, schema: Option<String>) -> Res<()> {
    let store = open(url, schema).await?;
    let params = Params::embedded()?;
    let zj = params.scenario("zj", None, None)?;
    let month: YearMonth = "2025-09".parse()?;
    let (rules, _) = zj.month_rules(month)?;
    let n = store.enrolled_incomes(month).await?.len() as u32;
    let single = n.min(10_000) / 10;
    let due = |i: u32| flexpension_rules::contribution::compute(&rules, income_yuan(i) as i64 * 100, None).net_fen;
    let mut file = String::from("reference,id_number,amount_yuan,month,payer\n");
    for i in 0..n - single {
        let d = due(i);
        writeln!(file, "BANK-{i},{},{}.{:02},2025-09,self", bench_id(i), d / 100, d % 100)?;
    }
    let mut singles = Vec::new();
    for i in n - single..n {
        let w = store.find_worker(&bench_id(i)).await?.ok_or("a bench worker is missing")?;
        singles.push(flexpension_ledger::Payment {
            worker: w.id,
            payer: flexpension_ledger::Payer::SelfPaid,
            reference: i64::from(i),
            amount_fen: due(i),
            period: month,
        });
    }
    let t = Instant::now();
    let r = store.pay_file(std::io::Cursor::new(file.into_bytes()), usize::MAX, None).await?;
    let file_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for p in &singles {
        store.pay(p).await?;
    }
    let single_secs = t.elapsed().as_secs_f64();
    let rep = store.month_report(month).await?;
    let want: i64 = (0..n).map(due).sum();
    if r.accepted != u64::from(n - single) || r.rejected != 0 || rep.paid_fen != want || rep.arrears_fen != 0 || rep.trial_balance_fen != 0
    {
        return Err(format!("the payments disagree: {r:?} {rep:?}, want paid {want}").into());
    }
    println!(
        "pay file_rows={} file_secs={file_secs:.3} file_per_sec={:.0} single={single} single_secs={single_secs:.3} single_per_sec={:.0}",
        r.accepted,
        r.accepted as f64 / file_secs,
        f64::from(single) / single_secs
    );
    store.close().await;
    Ok(())
}
