//! A small platform client for `bench/http_ingest.sh`: makes workers and settled orders, signs
//! batches as a platform would, posts them and reports rows per second.
//!
//! ```text
//! ingest_client workers N                      # a workers CSV for `flexpension import workers`
//! ingest_client post BASE KEY ROWS BATCH [CONCURRENCY] [WORKERS]
//! ```
//! `post` prints one line: `rows=... batch=... seconds=... rows_per_s=...`; any answer other
//! than 200 with every row accepted fails it.

use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_testkit::{WORKERS_CSV_HEADER, distinct_resident_id, worker_line};
use std::process::ExitCode;
use std::time::Instant;

/// The workers' CSV; `post` names the same workers by `distinct_resident_id`.
fn workers(n: u32) -> String {
    let mut s = String::from(WORKERS_CSV_HEADER);
    for i in 0..n {
        s.push_str(&worker_line(&distinct_resident_id(i), i, "g1", ""));
    }
    s
}

fn batch(first: usize, rows: usize, workers: u32, ids: &[String]) -> String {
    let mut s = String::with_capacity(rows * 90);
    s.push_str("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for i in first..first + rows {
        let w = (i as u64).wrapping_mul(2_654_435_761) % u64::from(workers);
        let fen = 100 + (i * 7919) % 9_900;
        let (month, day, hour) = (7 + i % 4, 1 + i % 28, i % 24);
        s.push_str(&format!(
            "o{i},{},{}.{:02},2025-{month:02}-{day:02}T{hour:02}:30:00+08:00,instant_delivery,g1\n",
            ids[w as usize],
            fen / 100,
            fen % 100
        ));
    }
    s
}

fn post(agent: &ureq::Agent, base: &str, key: &str, body: &str) -> Result<u64, String> {
    let ts = chrono::Utc::now().timestamp().to_string();
    let mut r = agent
        .post(format!("{base}/api/v1/platform/earnings"))
        .header("authorization", &format!("Bearer {key}"))
        .header("content-type", "text/csv")
        .header(TIMESTAMP_HEADER, &ts)
        .header(SIGNATURE_HEADER, &sign(key, &ts, body.as_bytes()))
        .send(body.as_bytes())
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let text = r.body_mut().with_config().limit(64 << 20).read_to_string().map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{status}: {e}: {text}"))?;
    match (status, v["accepted"].as_u64(), v["rejected"].as_u64(), v["conflicting"].as_u64()) {
        (200, Some(a), Some(0), Some(0)) => Ok(a),
        _ => Err(format!("{status}: {}", text.chars().take(400).collect::<String>())),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let num = |i: usize, default: usize| arg(i).parse::<usize>().unwrap_or(default);
    match arg(0) {
        "workers" => {
            print!("{}", workers(num(1, 1000) as u32));
            ExitCode::SUCCESS
        }
        "post" => {
            let (base, key) = (arg(1).to_string(), arg(2).to_string());
            let (rows, per, threads, nworkers) = (num(3, 100_000), num(4, 5_000).max(1), num(5, 1).max(1), num(6, 1000) as u32);
            let ids: Vec<String> = (0..nworkers).map(distinct_resident_id).collect();
            // Bodies are made before the clock starts: the figure is the server's.
            let bodies: Vec<String> = (0..rows.div_ceil(per)).map(|b| batch(b * per, per.min(rows - b * per), nworkers, &ids)).collect();
            let next = std::sync::atomic::AtomicUsize::new(0);
            let start = Instant::now();
            let result: Result<u64, String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        s.spawn(|| {
                            let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
                            let mut accepted = 0;
                            loop {
                                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let Some(body) = bodies.get(i) else { return Ok(accepted) };
                                accepted += post(&agent, &base, &key, body)?;
                            }
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a client thread panicked".into()))).sum()
            });
            let secs = start.elapsed().as_secs_f64();
            match result {
                Ok(n) if n as usize == rows => {
                    println!("rows={rows} batch={per} concurrency={threads} seconds={secs:.3} rows_per_s={:.0}", rows as f64 / secs);
                    ExitCode::SUCCESS
                }
                Ok(n) => {
                    eprintln!("only {n} of {rows} rows were accepted (is the store fresh?)");
                    ExitCode::FAILURE
                }
                Err(e) => {
                    eprintln!("a batch failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: ingest_client workers N | ingest_client post BASE KEY ROWS BATCH [CONCURRENCY] [WORKERS]");
            ExitCode::from(2)
        }
    }
}
