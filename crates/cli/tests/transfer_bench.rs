//! The transfer benchmark (run by `bench/transfer.sh`; ignored by the test command): TRANSFERS
//! workers (default 1,000) move from Zhejiang (SQLite) to Anhui (PostgreSQL) between two real
//! servers on loopback, all applied for at once at Anhui (the store's `request_transfer`, as the
//! CLI and the API call it, from 16 tasks). Each transfer's time is from its application to its
//! completion at Anhui, as Anhui's store records them; the throughput is the transfers over the
//! time from the first application to the last completion. None may be lost: every one completes,
//! both ledgers balance, and the months are counted once.

mod common;

use common::regions::{PgDb, Server, fund, id_number, months_counted, params_files, populate, write_params};
use common::{TempDir, ok};
use std::time::{Duration, Instant};

/// How long the transfers have to complete.
const DEADLINE: Duration = Duration::from_secs(900);
/// The tasks applying at once.
const TASKS: u32 = 16;

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(0)
}

#[test]
#[ignore = "a benchmark: bench/transfer.sh runs it"]
fn concurrent_transfers() {
    let n: u32 = std::env::var("TRANSFERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000).clamp(1, 1000);
    let Some(pg) = PgDb::new() else { return };
    let t = TempDir::new("cli-transfer-bench");
    let d = &t.0;
    let params_dir = d.join("params");
    write_params(&params_dir);
    let p = params_dir.display().to_string();
    let okp = |args: &[&str]| ok(d, &[&["--params", p.as_str()], args].concat());
    let (zj, ah) = (t.db("zj.db"), pg.url());
    okp(&["init", "--region", "zj", "--db", &zj]);
    okp(&["init", "--region", "ah", "--db", &ah]);
    populate(d, &p, &zj, &ah, n);
    let zj_key = okp(&["log", "key", "--db", &zj]).trim().to_string();
    let ah_key = okp(&["log", "key", "--db", &ah]).trim().to_string();
    let servers = [Server::start(&params_dir, &zj, &t.path("zj.log")), Server::start(&params_dir, &ah, &t.path("ah.log"))];
    okp(&["peer", "add", "--code", "ah", "--url", &servers[1].1, "--key", &ah_key, "--db", &zj]);
    okp(&["peer", "add", "--code", "zj", "--url", &servers[0].1, "--key", &zj_key, "--db", &ah]);

    let params = flexpension_rules::Params::load(&params_files()).expect("params");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let (applied, transfers) = rt.block_on(async {
        let store = flexpension_store::Store::open(&ah).await.expect("open Anhui's store");
        let started = Instant::now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|part| {
                let (store, params) = (store.clone(), params.clone());
                tokio::spawn(async move {
                    for i in (0..n).filter(|i| i % TASKS == part) {
                        store.request_transfer(&params, &id_number(i), "zj").await.expect("apply");
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("task");
        }
        let applied = started.elapsed();
        loop {
            let all = store.transfers().await.expect("transfers");
            if all.iter().all(|t| !t.state.is_open()) || started.elapsed() > DEADLINE {
                store.close().await;
                break (applied, all);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    drop(servers);

    assert_eq!(transfers.len(), n as usize);
    let open: Vec<_> =
        transfers.iter().filter(|t| t.state != flexpension_rules::transfer::TransferState::Completed).map(|t| (&t.id, t.state)).collect();
    assert!(open.is_empty(), "not completed: {open:?}");
    let mut took: Vec<i64> = transfers.iter().map(|t| t.updated_at_us - t.created_at_us).collect();
    took.sort_unstable();
    let first = transfers.iter().map(|t| t.created_at_us).min().unwrap_or(0);
    let last = transfers.iter().map(|t| t.updated_at_us).max().unwrap_or(0);
    let span = (last - first) as f64 / 1e6;
    println!(
        "transfers {n} applied_s {:.2} span_s {span:.2} per_s {:.1} p50_ms {:.0} p99_ms {:.0} max_ms {:.0}",
        applied.as_secs_f64(),
        f64::from(n) / span,
        percentile(&took, 0.5) as f64 / 1e3,
        percentile(&took, 0.99) as f64 / 1e3,
        took.last().copied().unwrap_or(0) as f64 / 1e3
    );

    // None lost: both ledgers balance, the months are counted once, at Anhui.
    assert_eq!(fund(&zj, |_| true), 0);
    assert_eq!(fund(&ah, |_| true), 0);
    assert_eq!(fund(&zj, |a| a == "region/ah") + fund(&ah, |a| a == "region/zj"), 0);
    assert!(months_counted(&zj, n).iter().all(|m| *m == 0));
    assert!(months_counted(&ah, n).iter().all(|m| *m == 3));
}
