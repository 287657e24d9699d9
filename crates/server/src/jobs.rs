//! Background jobs of the server. The month close runs by itself once a month is over: each
//! tick closes the previous month under the region's policy if nobody has closed it yet. A
//! closed month is left alone (the store's close is idempotent), so ticks can be frequent. The
//! agency outbox is drained by another loop: due messages are posted to their peers, with the
//! attempts and the next attempt kept in the store. The risk monitor runs daily over the latest
//! month with income (a rerun changes nothing). The complaints' 72-hour deadline is checked every
//! few minutes: an unanswered complaint past it is escalated once.

use crate::AppState;
use flexpension_store::{CloseOptions, CloseReport, MonitorReport};
use std::time::Duration;

/// Close the month before `state.today()` unless it is closed. `None` without a store.
pub async fn close_due_month(state: &AppState) -> Result<Option<CloseReport>, String> {
    let Some(store) = state.store() else { return Ok(None) };
    let this = state.this_month();
    let month = this.add_months(-1).ok_or("no previous month")?;
    if store.month_close(month).await.map_err(|e| e.to_string())?.is_some() {
        return Ok(None);
    }
    let scenario = state.params().scenario(state.region(), None, None).map_err(|e| e.to_string())?;
    let report = store.close_month(&scenario, month, &CloseOptions::new(this)).await.map_err(|e| e.to_string())?;
    Ok(Some(report))
}

/// Run the month close every `every` until the server stops (a close under way finishes first).
pub async fn month_close_loop(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    while crate::ops::next_tick(&state, &mut tick).await {
        let started = std::time::Instant::now();
        let done = close_due_month(&state).await;
        if !matches!(done, Ok(None)) {
            crate::ops::metrics::month_close(done.is_ok(), started.elapsed());
        }
        match done {
            Ok(Some(r)) => {
                tracing::info!(month = %r.month, workers = r.workers, entries = r.entries, policy = %r.policy, "month closed by the schedule")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "scheduled month close failed; will try again"),
        }
    }
}

/// Run the risk monitor over the latest month with platform income. `None` without a store or
/// without any income yet.
pub async fn monitor_latest_month(state: &AppState) -> Result<Option<MonitorReport>, String> {
    let Some(store) = state.store() else { return Ok(None) };
    let Some(month) = store.latest_income_month(None).await.map_err(|e| e.to_string())? else { return Ok(None) };
    store.monitor_run(state.params(), state.region(), month).await.map(Some).map_err(|e| e.to_string())
}

/// Run the risk monitor every `every`, the first time after `first`.
pub async fn monitor_loop(state: AppState, first: Duration, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
    while crate::ops::next_tick(&state, &mut tick).await {
        match monitor_latest_month(&state).await {
            Ok(Some(r)) => tracing::info!(
                month = %r.month, uninsured = r.uninsured, lapsed = r.lapsed, at_risk = r.at_risk,
                interrupted = r.interrupted, short_of_years = r.short_of_years, opened = r.opened, closed = r.closed,
                "risk monitor ran"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "risk monitor failed; will try again"),
        }
    }
}

/// Score every worker for the policy-fit profile over the latest month with platform income,
/// once a month (a month already scored is left as it is). `None` without a store, without
/// income, or when the month has its run.
pub async fn outreach_latest_month(state: &AppState) -> Result<Option<flexpension_store::OutreachRun>, String> {
    let Some(store) = state.store() else { return Ok(None) };
    let Some(month) = store.latest_income_month(None).await.map_err(|e| e.to_string())? else { return Ok(None) };
    if store.outreach_run().await.map_err(|e| e.to_string())?.is_some_and(|r| r.month == month.to_string()) {
        return Ok(None);
    }
    crate::outreach::run(store, state.params(), state.region(), month).await.map(Some).map_err(|e| e.to_string())
}

/// Run the policy-fit profile every `every`, the first time after `first`, and plan the day's
/// outreach notices after it.
pub async fn outreach_loop(state: AppState, first: Duration, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
    while crate::ops::next_tick(&state, &mut tick).await {
        match outreach_latest_month(&state).await {
            Ok(Some(r)) => {
                tracing::info!(month = %r.month, workers = r.workers, auc_ppm = r.auc_ppm, trained_on = %r.trained_on, "policy-fit profile scored")
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "policy-fit profile failed; will try again"),
        }
        // Then the day's notices for the run's workers not enrolled (once per day: a rerun adds nothing).
        if let Some(store) = state.store() {
            match crate::notices::schedule(store, state.params(), state.region(), state.now()).await {
                Ok(d) => {
                    tracing::info!(day = %d.day, notices = d.notices, holdout = d.holdout, no_room = d.no_room, added = d.added, "outreach notices planned")
                }
                Err(e) => tracing::warn!(error = %e, "outreach notices failed; will try again"),
            }
        }
    }
}

/// How many outbox messages one delivery round takes at most.
pub const DELIVERY_BATCH: i64 = 100;

/// Post each due outbox message to its peer (`POST {url}/api/v1/agency/messages`); a 2xx
/// acknowledgement of that message marks it delivered, anything else counts a failed attempt
/// and sets the next one later (the store's backoff). Gives how many were delivered.
pub async fn deliver_agency_messages(state: &AppState) -> Result<usize, String> {
    let Some(store) = state.store() else { return Ok(0) };
    let due = store.due_agency_messages(DELIVERY_BATCH).await.map_err(|e| e.to_string())?;
    let mut delivered = 0;
    for m in due {
        let url = format!("{}/api/v1/agency/messages", m.url);
        let body = serde_json::json!({ "message": m.signed }).to_string();
        let answer = tokio::task::spawn_blocking(move || post_json(&url, body)).await.map_err(|e| e.to_string())?;
        let outcome = match answer {
            Ok((code, text)) if (200..300).contains(&code) => match serde_json::from_str::<crate::api::agency::AgencyAckAnswer>(&text) {
                Ok(ack) if ack.id == m.id && ack.receiver == m.receiver && ack.sender == state.region() => Ok(()),
                Ok(ack) => Err(format!("HTTP {code}: the acknowledgement is for {} from {} to {}", ack.id, ack.sender, ack.receiver)),
                Err(e) => Err(format!("HTTP {code}: not an acknowledgement: {e}")),
            },
            Ok((code, text)) => Err(format!("HTTP {code}: {}", text.trim())),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                store.agency_message_delivered(m.row).await.map_err(|e| e.to_string())?;
                delivered += 1;
            }
            Err(why) => {
                tracing::warn!(id = %m.id, receiver = %m.receiver, attempts = m.attempts + 1, error = %why, "agency message not delivered; will try again");
                store.agency_delivery_failed(m.row, &why).await.map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(delivered)
}

fn post_json(url: &str, body: String) -> Result<(u16, String), String> {
    post_json_within(url, body, Duration::from_secs(10))
}

/// POST a JSON body and read at most 64 KiB of the answer, all within `wait`.
pub(crate) fn post_json_within(url: &str, body: String, wait: Duration) -> Result<(u16, String), String> {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(wait)).build().new_agent();
    let mut res = agent.post(url).header("content-type", "application/json").send(body).map_err(|e| format!("{url}: {e}"))?;
    let code = res.status().as_u16();
    let text = res.body_mut().with_config().limit(64 * 1024).read_to_string().map_err(|e| e.to_string())?;
    Ok((code, text))
}

/// Handle the inbox and deliver due agency messages every `every`, and at once when a peer's
/// message arrives, for as long as the server runs. One task does both, so the handlers of one
/// store never run side by side. A batch of the inbox is handled, then what it caused is
/// delivered, before the next batch: under a thousand requests at once the first transfers move
/// on while the later ones wait, rather than all waiting for the last to be handled.
pub async fn agency_delivery_loop(state: AppState, every: Duration) {
    let mut more = false;
    while !state.ops().stopping() {
        // A peer's message wakes the job at once; otherwise it looks every `every`; a stop
        // ends the wait (and the loop) at once. A full batch handled: no wait.
        if !more {
            tokio::select! {
                _ = tokio::time::timeout(every, state.agency_wake().notified()) => {}
                _ = state.ops().stopped() => return,
            }
        }
        more = match handle_agency_batch(&state).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(handled = n, "agency messages handled");
                }
                n >= flexpension_store::TRANSFER_HANDLE_BATCH as usize
            }
            Err(e) => {
                tracing::warn!(error = %e, "handling agency messages failed; will try again");
                false
            }
        };
        if state.ops().stopping() {
            return;
        }
        match deliver_agency_messages(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(delivered = n, "agency messages delivered"),
            Err(e) => tracing::warn!(error = %e, "delivering agency messages failed; will try again"),
        }
    }
}

/// Handle one batch of the peers' messages in the inbox (the transfer's steps,
/// `Store::handle_agency_messages`); gives how many were handled.
async fn handle_agency_batch(state: &AppState) -> Result<usize, String> {
    let Some(store) = state.store() else { return Ok(0) };
    store.handle_agency_messages(state.params()).await.map_err(|e| e.to_string())
}

/// Run the complaints' response deadline at the server's time: every complaint unanswered past
/// its deadline is breached, and escalated to labour inspection once. `None` without a store.
pub async fn complaint_deadlines(state: &AppState) -> Result<Option<flexpension_store::SlaReport>, String> {
    let Some(store) = state.store() else { return Ok(None) };
    store.complaint_sla(state.now().timestamp_micros()).await.map(Some).map_err(|e| e.to_string())
}

/// Run the complaints' deadline every `every`, for as long as the server runs.
pub async fn complaint_deadline_loop(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    while crate::ops::next_tick(&state, &mut tick).await {
        match complaint_deadlines(&state).await {
            Ok(Some(r)) if !r.escalated.is_empty() => {
                tracing::info!(escalated = r.escalated.len(), breached = r.breached.len(), "complaints past their deadline escalated")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "the complaints' deadline run failed; will try again"),
        }
    }
}
