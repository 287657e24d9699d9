//! The earnings-ingest benchmark driver (bench/ingest.sh runs it).
//!
//! ingest_bench gen DIR ROWS WORKERS      write DIR/workers.csv and DIR/orders.csv
//! ingest_bench run URL WORKERS.csv ORDERS.csv [SCHEMA]
//!     register region, grids, a platform and the workers (not timed), then ingest the orders
//!     end to end through Store::ingest_earnings (parse, checks, idempotency, premium, commit),
//!     50,000 rows per transaction, and print the timing.

mod common;

use common::{GRIDS, Res};
use flexpension_rules::Params;
use flexpension_store::{Format, IngestOptions, WorkerImportOptions};
use flexpension_testkit::{Rng, distinct_resident_id};
use std::io::{BufWriter, Write};
use std::time::Instant;

#[tokio::main]
async fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("gen") if a.len() == 5 => generate(&a[2], a[3].parse()?, a[4].parse()?),
        Some("run") if a.len() == 5 || a.len() == 6 => run(&a[2], &a[3], &a[4], a.get(5).cloned()).await,
        _ => Err("usage: ingest_bench gen DIR ROWS WORKERS | ingest_bench run URL WORKERS.csv ORDERS.csv [PG_SCHEMA]".into()),
    }
}

fn generate(dir: &str, rows: u64, workers: u32) -> Res<()> {
    std::fs::create_dir_all(dir)?;
    common::write_workers(&format!("{dir}/workers.csv"), workers)?;
    let ids: Vec<String> = (0..workers).map(distinct_resident_id).collect();
    let mut o = BufWriter::with_capacity(1 << 20, std::fs::File::create(format!("{dir}/orders.csv"))?);
    writeln!(o, "order_id,id_number,amount_yuan,settled_at,order_type,grid")?;
    let types = ["ride_hailing", "instant_delivery", "same_city_freight"];
    // A fixed seed: the same file every run.
    let mut rng = Rng::new(1);
    for k in 0..rows {
        let r = rng.next_u64();
        let wi = (r % u64::from(workers)) as usize;
        let fen = 300 + (r >> 20) % 9_700;
        let month = 1 + (k * 12 / rows.max(1));
        let day = 1 + (r >> 34) % 28;
        let (h, m, s) = ((r >> 40) % 24, (r >> 46) % 60, (r >> 52) % 60);
        writeln!(
            o,
            "ORD{k:010},{},{}.{:02},2025-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}+08:00,{},g{}",
            ids[wi],
            fen / 100,
            fen % 100,
            types[(r >> 58) as usize % 3],
            wi as u32 % GRIDS
        )?;
    }
    o.flush()?;
    Ok(())
}

async fn run(url: &str, workers: &str, orders: &str, schema: Option<String>) -> Res<()> {
    let store = common::open(url, schema).await?;
    let platform = common::register(&store, GRIDS).await?;
    let t = Instant::now();
    let imp = store.import_workers(std::fs::File::open(workers)?, &WorkerImportOptions::default()).await?;
    eprintln!("workers: {} added, {} enrolled in {:.2}s", imp.added, imp.enrolled, t.elapsed().as_secs_f64());

    let params = Params::embedded()?;
    let zj = params.scenario("zj", None, None)?;
    let now = "2026-01-01T00:00:00+08:00".parse()?;
    let t = Instant::now();
    let r = store.ingest_earnings(platform.id, &zj, std::fs::File::open(orders)?, Format::Csv, &IngestOptions::file(now)).await?;
    let secs = t.elapsed().as_secs_f64();
    let outcomes = [("accepted", r.accepted), ("duplicate", r.duplicate), ("conflicting", r.conflicting), ("rejected", r.rejected)];
    let batches = [("batches", r.batches.len() as u64)];
    common::print_pass("ingest", &outcomes, &batches, secs, &[("premium_fen", r.premium_fen)], r.errors.first());
    store.close().await;
    Ok(())
}
