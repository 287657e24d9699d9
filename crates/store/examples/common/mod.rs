//! What the benchmark drivers share: opening the store, the region with its grids and a
//! platform (not timed), and the workers CSV.

// Each driver uses a part of this module.
#![allow(dead_code)]

use flexpension_store::{FixedClock, NewGrid, NewPlatform, OpenOptions, Platform, RevenueBand, Store};
use flexpension_testkit::{WORKERS_CSV_HEADER, distinct_resident_id, worker_line};
use std::fmt::Display;
use std::io::{BufWriter, Write};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The grids `g0`, `g1`, ... the generated workers live in.
pub const GRIDS: u32 = 100;

/// The store at `url`, four connections; `schema` is a PostgreSQL schema of the benchmark's own.
pub async fn open(url: &str, schema: Option<String>) -> Res<Store> {
    Ok(Store::open_with(url, &OpenOptions { max_connections: 4, pg_schema: schema, ..OpenOptions::default() }).await?)
}

/// The store at `url` as [`open`] does, with its clock fixed at `now_us` (microseconds since
/// the epoch): a benchmark of past months whatever today's date is.
pub async fn open_at(url: &str, schema: Option<String>, now_us: i64) -> Res<Store> {
    let clock = std::sync::Arc::new(FixedClock::new(now_us));
    Ok(Store::open_with(url, &OpenOptions { max_connections: 4, pg_schema: schema, clock, ..OpenOptions::default() }).await?)
}

/// The region `zj` with `grids` grids and a platform to ingest as.
pub async fn register(store: &Store, grids: u32) -> Res<Platform> {
    store.add_region("zj", "浙江省").await?;
    for g in 0..grids {
        store.add_grid(&NewGrid { code: format!("g{g}"), name: format!("网格{g}"), region: "zj".into() }).await?;
    }
    let np = NewPlatform {
        name: "bench".into(),
        uscc: "91350100M000100Y43".into(),
        revenue_band: RevenueBand::From100m,
        injury_high_level: false,
    };
    Ok(store.add_platform(&np).await?.0)
}

/// `workers` workers with distinct valid resident IDs, in grids `g0..g{GRIDS}`, enrolled from 2025-01.
pub fn write_workers(file: &str, workers: u32) -> Res<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(file)?);
    w.write_all(WORKERS_CSV_HEADER.as_bytes())?;
    for i in 0..workers {
        w.write_all(worker_line(&distinct_resident_id(i), i, &format!("g{}", i % GRIDS), "2025-01").as_bytes())?;
    }
    w.flush()?;
    Ok(())
}

/// Print a timed pass the way the benchmark scripts read it: `LABEL rows=N name=value ...
/// secs=S rows_per_s=R name=value ...`, N being the sum of the row `outcomes`, `counts` printed
/// after them and `after` past the rate; then the first row error, if any, on stderr.
pub fn print_pass(
    label: &str,
    outcomes: &[(&str, u64)],
    counts: &[(&str, u64)],
    secs: f64,
    after: &[(&str, i64)],
    first_error: Option<&impl Display>,
) {
    let rows: u64 = outcomes.iter().map(|(_, n)| n).sum();
    let mut line = format!("{label} rows={rows}");
    for (name, n) in outcomes.iter().chain(counts) {
        line.push_str(&format!(" {name}={n}"));
    }
    line.push_str(&format!(" secs={secs:.3} rows_per_s={:.0}", rows as f64 / secs));
    for (name, n) in after {
        line.push_str(&format!(" {name}={n}"));
    }
    println!("{line}");
    if let Some(e) = first_error {
        eprintln!("first error: {e}");
    }
}
