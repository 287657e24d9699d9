//! The scheduled month close: it closes the month that just ended, once.

use chrono::NaiveDate;
use flexpension_rules::{Params, YearMonth};
use flexpension_server::AppState;
use flexpension_server::jobs::{close_due_month, monitor_latest_month};
use flexpension_store::Store;
use std::sync::Arc;

#[test]
fn the_schedule_closes_the_last_month_once() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = std::env::temp_dir().join(format!("flexpension-jobs-test-{}-{}", std::process::id(), chrono::Utc::now().timestamp_micros()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("store.db").display());
    let params = Arc::new(Params::embedded().expect("params"));
    let today = NaiveDate::from_ymd_opt(2025, 4, 10).expect("date");
    rt.block_on(async {
        // Without a store there is nothing to close.
        let bare = AppState::new(params.clone()).with_today(today);
        assert!(close_due_month(&bare).await.expect("no store is fine").is_none());

        let store = Store::open(&url).await.expect("open sqlite store");
        let state = AppState::new(params.clone()).with_today(today).with_store(store.clone());
        let march: YearMonth = "2025-03".parse().expect("month");
        assert!(store.month_close(march).await.expect("read").is_none());
        let first = close_due_month(&state).await.expect("close").expect("a close was due");
        assert_eq!(first.month, march);
        assert_eq!(first.policy, "current");
        assert!(store.month_close(march).await.expect("read").is_some());
        // The next tick finds the month closed and leaves it alone.
        assert!(close_due_month(&state).await.expect("second tick").is_none());
        // A month with no parameters is an error the loop logs, not a crash.
        let early = AppState::new(params.clone()).with_today(NaiveDate::from_ymd_opt(2023, 2, 1).expect("date")).with_store(store.clone());
        assert!(close_due_month(&early).await.is_err());
        // The monitor has no month to look at before any income is stored.
        assert!(monitor_latest_month(&bare).await.expect("no store is fine").is_none());
        assert!(monitor_latest_month(&state).await.expect("no income is fine").is_none());
    });
    let _ = std::fs::remove_dir_all(&dir);
}
