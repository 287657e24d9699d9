//! What every request handler shares: the parameters (loaded once) and the clock.

use chrono::{NaiveDate, TimeDelta, Utc};
use flexpension_rules::{Params, YearMonth};
use std::sync::Arc;

/// Shared, cheap to clone. The rules core never reads the clock; the shell does, here.
#[derive(Clone)]
pub struct AppState {
    params: Arc<Params>,
    today: Option<NaiveDate>,
}

impl AppState {
    pub fn new(params: Arc<Params>) -> AppState {
        AppState { params, today: None }
    }

    /// Freeze "today" (tests, demos, reproducing a past month).
    pub fn with_today(mut self, today: NaiveDate) -> AppState {
        self.today = Some(today);
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Today's date in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        // Asia/Shanghai has no daylight saving: UTC+8 all year.
        self.today.unwrap_or_else(|| (Utc::now() + TimeDelta::hours(8)).date_naive())
    }

    pub fn this_month(&self) -> YearMonth {
        YearMonth::of_date(self.today())
    }
}
