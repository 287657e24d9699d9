//! The months' orders as platforms would send them: signed CSV batches posted to the real
//! `POST /api/v1/platform/earnings` of the running server.

use super::cast::DemoWorker;
use anyhow::{Context, bail};
use flexpension_rules::YearMonth;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_sim::{PopParams, Population};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Rows per request: well under the API's 50,000 and 16 MiB.
pub const BATCH_ROWS: usize = 5_000;
/// A platform settles a worker's orders a few times a month; each settlement is one row (the
/// orders of those days summed), which keeps a year for 10,000 workers near a million rows.
pub const SETTLEMENTS_PER_MONTH: u32 = 6;

/// One platform's signed batch, ready to post.
pub struct Batch {
    pub platform: usize,
    pub rows: usize,
    pub body: String,
}

/// Totals of what was sent and what the server accepted.
#[derive(Default)]
pub struct Sent {
    pub rows: u64,
    pub accepted: u64,
    pub income_fen: i64,
    pub premium_fen: i64,
    pub requests: u64,
}

/// Every settlement row of the months, as CSV batches per platform (`platform` indexes
/// `platform_names`), at most `settlements` rows per worker, platform and month.
pub fn batches(
    pop: &Population,
    pp: &PopParams,
    workers: &[DemoWorker],
    platform_names: &[String],
    months: &[YearMonth],
    settlements: u32,
) -> Vec<Batch> {
    let index: HashMap<&str, usize> = platform_names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let header = "order_id,id_number,amount_yuan,settled_at,order_type,grid\n";
    let mut open: Vec<(usize, String)> = vec![(0, String::from(header)); platform_names.len()];
    let mut out = Vec::new();
    for &month in months {
        let days = (month.add_months(1).map(|n| n.first_day()).unwrap_or(month.first_day()) - month.first_day()).num_days().max(28) as u32;
        for (k, w) in workers.iter().enumerate() {
            let Some(wm) = pop.worker_month(pp, w.sim_index, month) else { continue };
            let Some(order_type) = wm.order_type else { continue };
            for pm in &wm.platforms {
                let Some(&p) = index.get(pm.platform.as_str()) else { continue };
                if pm.income_fen <= 0 {
                    continue;
                }
                let n = i64::from(settlements.min(pm.orders.max(1))).min(pm.income_fen);
                let mut left = pm.income_fen;
                for s in 0..n {
                    // The last settlement takes what is left, so the rows add up to the month.
                    let amount = if s + 1 == n { left } else { pm.income_fen / n };
                    left -= amount;
                    let day = 1 + (s as u32 * days) / n as u32;
                    let (rows, body) = &mut open[p];
                    let _ = writeln!(
                        body,
                        "D{p}-{k}-{}{:02}-{s},{},{}.{:02},{}-{:02}-{day:02}T{:02}:{:02}:00,{},{}",
                        month.year(),
                        month.month(),
                        w.id_number,
                        amount / 100,
                        amount % 100,
                        month.year(),
                        month.month(),
                        18 + (k % 5),
                        (k * 7) % 60,
                        order_type.as_str(),
                        w.grid
                    );
                    *rows += 1;
                    if *rows == BATCH_ROWS {
                        out.push(Batch { platform: p, rows: *rows, body: std::mem::replace(body, String::from(header)) });
                        *rows = 0;
                    }
                }
            }
        }
    }
    for (p, (rows, body)) in open.into_iter().enumerate() {
        if rows > 0 {
            out.push(Batch { platform: p, rows, body });
        }
    }
    out
}

/// Post the batches on `clients` connections at once; any rejected row or error stops the demo.
pub async fn post_all(base: &str, keys: &[String], batches: Vec<Batch>, clients: usize) -> anyhow::Result<Sent> {
    let queue = std::sync::Arc::new(std::sync::Mutex::new(batches));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (queue, base, keys) = (queue.clone(), base.to_string(), keys.to_vec());
        tasks.spawn_blocking(move || -> anyhow::Result<Sent> {
            let agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(std::time::Duration::from_secs(120)))
                .build()
                .new_agent();
            let mut sent = Sent::default();
            loop {
                let next = queue.lock().map_err(|_| anyhow::anyhow!("batch queue poisoned"))?.pop();
                let Some(b) = next else { return Ok(sent) };
                let key = keys.get(b.platform).context("a batch names an unknown platform")?;
                let ts = chrono::Utc::now().timestamp().to_string();
                let sig = sign(key, &ts, b.body.as_bytes());
                let mut r = agent
                    .post(format!("{base}/api/v1/platform/earnings"))
                    .header("authorization", &format!("Bearer {key}"))
                    .header("content-type", "text/csv")
                    .header(TIMESTAMP_HEADER, &ts)
                    .header(SIGNATURE_HEADER, &sig)
                    .send(b.body.as_bytes())
                    .context("posting an earnings batch")?;
                let status = r.status().as_u16();
                let text = r.body_mut().with_config().limit(64 << 20).read_to_string().context("reading the earnings answer")?;
                if status != 200 {
                    bail!("the earnings API answered {status}: {text}");
                }
                let v: serde_json::Value = serde_json::from_str(&text).context("the earnings answer is not JSON")?;
                let n = |k: &str| v.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
                if n("rejected") > 0 || n("conflicting") > 0 {
                    bail!("the earnings API refused rows of a demo batch: {text}");
                }
                sent.rows += b.rows as u64;
                sent.accepted += n("accepted") as u64;
                sent.income_fen += n("income_fen");
                sent.premium_fen += n("premium_fen");
                sent.requests += 1;
            }
        });
    }
    let mut total = Sent::default();
    while let Some(r) = tasks.join_next().await {
        let s = r.context("an ingest client panicked")??;
        total.rows += s.rows;
        total.accepted += s.accepted;
        total.income_fen += s.income_fen;
        total.premium_fen += s.premium_fen;
        total.requests += s.requests;
    }
    Ok(total)
}
