//! Background jobs of the server. The month close runs by itself once a month is over: each
//! tick closes the previous month under the region's policy if nobody has closed it yet. A
//! closed month is left alone (the store's close is idempotent), so ticks can be frequent.
//! The risk monitor runs daily over the latest month with income (a rerun changes nothing).

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

/// Run the month close every `every`, for as long as the server runs.
pub async fn month_close_loop(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match close_due_month(&state).await {
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
    loop {
        tick.tick().await;
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
