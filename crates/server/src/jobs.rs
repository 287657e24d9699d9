//! Background jobs of the server. The month close runs by itself once a month is over: each
//! tick closes the previous month under the region's policy if nobody has closed it yet. A
//! closed month is left alone (the store's close is idempotent), so ticks can be frequent.

use crate::AppState;
use flexpension_store::{CloseOptions, CloseReport};
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
