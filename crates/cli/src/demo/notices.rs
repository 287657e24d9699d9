//! The demo's outreach notices: the day's notices planned for the workers the outreach run found
//! not enrolled (as of a week ago, so they are due now), the platforms pulling their workers'
//! notices through the signed platform API and reporting what became of them, quiz answers, and
//! some workers joining, so the officer's page has an awareness rate and an uplift to show.
//!
//! The shares below are the demo's own draws (what a notice does is what a real deployment
//! measures, not what the demo assumes): no rule value and no finding.

use anyhow::{Context, bail};
use flexpension_rules::{Params, YearMonth};
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_store::people::Scope;
use flexpension_store::{Basis, NewEnrolment, Scheme, Store, WorkerId};

/// The worker who logs in to read a notice and take the quiz.
pub const READER_LOGIN: &str = "newcomer.demo";
pub const READER_PASSWORD: &str = "demo-newcomer-2025";
/// Of the notices a platform delivers, the share opened, and of those the share acted on.
const OPENED: f64 = 0.6;
const ACTED: f64 = 0.5;
/// The chance of each quiz answer being right: for a worker who opened a notice, for the others.
const RIGHT_TOLD: f64 = 0.85;
const RIGHT_OTHERS: f64 = 0.6;
/// The share of workers who take the quiz.
const QUIZ_SHARE: f64 = 0.3;
/// The chance of joining after the notices: having acted on one, and for everyone else.
const JOIN_ACTED: f64 = 0.5;
const JOIN_OTHERS: f64 = 0.05;

/// What the demo did, in one line.
pub async fn run(
    params: &Params,
    store: &Store,
    region: &str,
    base: &str,
    keys: &[String],
    seed: u64,
    last: YearMonth,
) -> anyhow::Result<String> {
    let then = chrono::Utc::now() - chrono::Duration::days(8);
    let d = flexpension_server::notices::schedule(store, params, region, then).await?;
    let (delivered, opened, acted) = deliver(base, keys, seed).await?;

    // The quiz: a share of the workers planned, more often right once they opened a notice.
    let now = chrono::Utc::now().timestamp_micros();
    let lib = flexpension_outreach::card::Library::embedded()?;
    let mut planned = store.planned_workers().await?;
    planned.sort_unstable();
    let (mut quizzed, mut joined) = (0, 0);
    let from = last.add_months(1).context("the month after the demo")?;
    for (w, arm) in &planned {
        let notices = store.worker_notices(WorkerId(*w), now).await?;
        let was_opened = notices.iter().any(|n| n.opened_at_us.is_some());
        let did_act = notices.iter().any(|n| n.acted_at_us.is_some());
        let key = *w as u64;
        if flexpension_testkit::unit(seed, key, 41) < QUIZ_SHARE {
            let p = if was_opened { RIGHT_TOLD } else { RIGHT_OTHERS };
            let answers: Vec<(String, i32, bool)> = lib
                .quiz
                .iter()
                .enumerate()
                .map(|(k, q)| {
                    let right = flexpension_testkit::unit(seed, key, 42 + k as u64) < p;
                    let choice = if right { q.answer } else { (q.answer + 1) % q.options_zh.len() };
                    (q.id.clone(), choice as i32, right)
                })
                .collect();
            store.quiz_answer(WorkerId(*w), &answers).await?;
            quizzed += 1;
        }
        let p = if did_act && arm == "treated" { JOIN_ACTED } else { JOIN_OTHERS };
        if flexpension_testkit::unit(seed, key, 49) < p {
            let e = NewEnrolment { worker: WorkerId(*w), scheme: Scheme::EmployeePension, from, to: None, basis: Basis::PlatformIncome };
            if store.enrol(&e).await.is_ok() {
                joined += 1;
            }
        }
    }
    // The monitor and the credit rating see who joined (as the next daily runs would).
    if joined > 0 {
        store.monitor_run(params, region, last).await?;
        store.credit_run(params, last).await?;
    }
    // The reader: a treated worker with a notice not yet read, who has not taken the quiz.
    let mut reader = None;
    for (w, _) in planned.iter().filter(|(_, a)| a == "treated") {
        if !store.worker_notices(WorkerId(*w), now).await?.is_empty() && store.worker_quiz(WorkerId(*w)).await?.is_empty() {
            reader = Some(*w);
            break;
        }
    }
    let reader = reader.context("no demo worker has a notice to read")?;
    flexpension_server::people::add_person(store, READER_LOGIN, READER_PASSWORD, &Scope::Worker(WorkerId(reader)))
        .await
        .context("making the reader's login")?;
    Ok(format!(
        "{} notices planned for {}, {} held out, {} with no room; platforms delivered {delivered}, opened {opened}, acted on {acted}; {quizzed} took the quiz, {joined} joined",
        d.notices, d.day, d.holdout, d.no_room
    ))
}

/// Each platform pulls its workers' due notices and reports them delivered, some opened and
/// acted on, signed; a report sent twice is kept once (the second counts as replayed).
async fn deliver(base: &str, keys: &[String], seed: u64) -> anyhow::Result<(usize, usize, usize)> {
    let (base, keys) = (base.to_string(), keys.to_vec());
    tokio::task::spawn_blocking(move || -> anyhow::Result<(usize, usize, usize)> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(120)))
            .build()
            .new_agent();
        let (mut delivered, mut opened, mut acted) = (0, 0, 0);
        for (p, key) in keys.iter().enumerate() {
            let mut r = agent
                .get(format!("{base}/api/v1/platform/notices"))
                .header("authorization", &format!("Bearer {key}"))
                .call()
                .context("pulling notices")?;
            let text = r.body_mut().with_config().limit(64 << 20).read_to_string()?;
            if r.status().as_u16() != 200 {
                bail!("the notices API answered {}: {text}", r.status());
            }
            let v: serde_json::Value = serde_json::from_str(&text)?;
            let ids: Vec<i64> = v["notices"].as_array().map(|a| a.iter().filter_map(|n| n["id"].as_i64()).collect()).unwrap_or_default();
            for chunk in ids.chunks(flexpension_store::MAX_REPORTS / 3) {
                let at = chrono::Utc::now().to_rfc3339();
                let mut reports = Vec::new();
                for id in chunk {
                    reports.push(serde_json::json!({"report_id": format!("d{id}"), "notice_id": id, "event": "delivered", "at": at}));
                    delivered += 1;
                    if flexpension_testkit::unit(seed, *id as u64, 51) < OPENED {
                        reports.push(serde_json::json!({"report_id": format!("o{id}"), "notice_id": id, "event": "opened", "at": at}));
                        opened += 1;
                        if flexpension_testkit::unit(seed, *id as u64, 52) < ACTED {
                            reports.push(serde_json::json!({"report_id": format!("a{id}"), "notice_id": id, "event": "acted", "at": at}));
                            acted += 1;
                        }
                    }
                }
                let body = serde_json::json!({ "reports": reports }).to_string();
                // The first request is sent twice, as a platform retrying after a lost answer
                // would (signed anew a second later): its reports are kept once.
                let tries = if p == 0 && delivered == chunk.len() { 2 } else { 1 };
                for t in 0..tries {
                    if t > 0 {
                        std::thread::sleep(std::time::Duration::from_millis(1_001));
                    }
                    let ts = chrono::Utc::now().timestamp().to_string();
                    let sig = sign(key, &ts, body.as_bytes());
                    let mut r = agent
                        .post(format!("{base}/api/v1/platform/notices/reports"))
                        .header("authorization", &format!("Bearer {key}"))
                        .header("content-type", "application/json")
                        .header(TIMESTAMP_HEADER, &ts)
                        .header(SIGNATURE_HEADER, &sig)
                        .send(body.as_bytes())
                        .context("reporting notices")?;
                    let text = r.body_mut().read_to_string()?;
                    if r.status().as_u16() != 200 {
                        bail!("platform {p}: the notice reports API answered {}: {text}", r.status());
                    }
                    let v: serde_json::Value = serde_json::from_str(&text)?;
                    if t > 0 && v["kept"].as_i64() != Some(0) {
                        bail!("a report sent again was kept twice: {text}");
                    }
                }
            }
        }
        Ok((delivered, opened, acted))
    })
    .await?
}
