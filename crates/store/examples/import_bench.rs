//! The worker-import benchmark driver (bench/import.sh runs it).
//!
//! import_bench gen FILE WORKERS       write a workers CSV (testkit generators: distinct valid
//!                                     resident IDs, names, phones, 100 grids, pension_from)
//! import_bench run URL FILE [SCHEMA]  register the region and grids (not timed), then import the
//!     file through Store::import_workers (every check, keyed hashes, ID commitments, log entries,
//!     enrolments) and print the timing; then import it again (every row a duplicate) and print
//!     that too.

mod common;

use common::{GRIDS, Res};
use flexpension_store::WorkerImportOptions;
use std::time::Instant;

#[tokio::main]
async fn main() -> Res<()> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("gen") if a.len() == 4 => common::write_workers(&a[2], a[3].parse()?),
        Some("run") if a.len() == 4 || a.len() == 5 => run(&a[2], &a[3], a.get(4).cloned()).await,
        _ => Err("usage: import_bench gen FILE WORKERS | import_bench run URL FILE [PG_SCHEMA]".into()),
    }
}

async fn run(url: &str, file: &str, schema: Option<String>) -> Res<()> {
    let store = common::open(url, schema).await?;
    common::register(&store, GRIDS).await?;
    for pass in ["import", "again"] {
        let t = Instant::now();
        let r = store.import_workers(std::fs::File::open(file)?, &WorkerImportOptions::default()).await?;
        let secs = t.elapsed().as_secs_f64();
        let outcomes = [("added", r.added), ("duplicate", r.duplicate), ("conflicting", r.conflicting), ("rejected", r.rejected)];
        common::print_pass(pass, &outcomes, &[("enrolled", r.enrolled)], secs, &[], r.errors.first());
    }
    store.close().await;
    Ok(())
}
