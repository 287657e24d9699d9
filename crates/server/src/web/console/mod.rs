//! The back-office consoles: the agency officer's (`/officer`: the month's dashboard,
//! `/officer/workers`: the list, search and export, `/officer/workers/{id}`: one worker) and the
//! platform's (`/platform`). They open on the latest month with data, not the calendar month.
//!
//! | module | screen |
//! |---|---|
//! | `officer` | the dashboard: the month's figures (those of `flexpension report month`) with 12-month trends |
//! | `outreach` | the policy-fit profile: the model's quality, schemes, the workers most likely to join (`/officer/outreach`) |
//! | `list` | the worker list shared by both consoles: search, filters, sort, paging, CSV |
//! | `workers` | the officer's list and one worker's page (recorded in the access log), voucher on behalf |
//! | `complaints` | the officer's list of open complaints (overdue first) and each evidence package (recorded in the access log); the queue's table |
//! | `desk` | the region desks of labour inspection and union legal aid: the queue, one complaint, their steps, the package (every opening in the access log) |
//! | `platform` | the platform's portal: its workers by status, premiums by month |
//! | `credit` | a platform's own rating (history, notices, the workers behind it, appeals); the agency's appeals and decisions |
//! | `arrears` | platforms' bills unpaid after their due day: the reminder on `/platform`, the officer's list on `/officer/contracts` |
//! | `contracts` | collective contracts in two steps: the platform files (`/platform/contracts`), the officer approves or withdraws (`/officer/contracts`) |
//! | `fund` | the provincial special fund by year and city (`flexpension fund report`), the shortfall rule's effect, CSV (`/officer/fund`) |
//! | `transfers` | the officer's queue of transfers in and out (overdue first), the refusal of one applied for here, and applying for a worker at the counter (`/officer/transfers`) |
//! | `alerts` | the officer's alerts by grid and platform, escalations, conversion by month, CSV; the region's access log |

pub(crate) mod alerts;
pub(crate) mod arrears;
pub(crate) mod complaints;
pub(crate) mod contracts;
pub(crate) mod credit;
pub(crate) mod desk;
pub(crate) mod fund;
pub(crate) mod list;
pub(crate) mod officer;
pub(crate) mod outreach;
pub(crate) mod platform;
pub(crate) mod transfers;
pub(crate) mod union_desk;
pub(crate) mod workers;

use crate::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_chart::{Chart, Series};
use flexpension_rules::YearMonth;
use flexpension_text::Lang;

/// Months a trend shows, the month shown the last.
pub const TREND_MONTHS: i64 = 12;

/// The month a console shows: the one asked for, else the latest with data, else this month.
/// Err when the one asked for cannot be read.
pub fn month_shown(asked: Option<&str>, latest: Option<YearMonth>, this: YearMonth) -> Result<YearMonth, ()> {
    match asked.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => m.parse().map_err(|_| ()),
        None => Ok(latest.unwrap_or(this)),
    }
}

/// The `TREND_MONTHS` months ending with `last`, oldest first.
pub fn trend_months(last: YearMonth) -> Vec<YearMonth> {
    (0..TREND_MONTHS).rev().filter_map(|k| last.add_months(-k)).collect()
}

/// A month as a short axis label: `9月`, `Sep`; January with its year.
pub fn short_month(lang: Lang, m: YearMonth) -> String {
    let name = lang.t("console.month_names").split(',').nth(m.month() as usize - 1).unwrap_or("").trim().to_string();
    if m.month() == 1 { lang.f("console.axis_month_year", &[("name", &name), ("year", &m.year().to_string())]) } else { name }
}

/// A small trend chart of one figure (`what` names it; the chart's title says the period).
pub fn trend(lang: Lang, id: &str, what: &str, months: &[YearMonth], values: Vec<f64>) -> String {
    Chart::new(lang.t("console.last_12_months"))
        .desc(lang.f("console.trend_of", &[("what", what)]))
        .x_labels(months.iter().map(|m| short_month(lang, *m)))
        .series(Series::new(what, values))
        .id(id)
        .size(360, 180)
        .bars()
}

/// The name of a region in `lang` (its code when the parameters do not know it).
pub fn region_name(s: &AppState, lang: Lang, code: &str) -> String {
    s.params()
        .regions
        .values()
        .find(|r| r.code == code)
        .map(|r| if lang.is_en() { r.name_en.clone() } else { r.name_zh.clone() })
        .unwrap_or_else(|| code.to_string())
}

/// The lapse threshold in force in `month` (months unpaid), for the standings.
pub fn lapse_after(s: &AppState, month: YearMonth) -> u32 {
    flexpension_ledger::lapse_after_months(s.params(), month).unwrap_or(u32::MAX)
}

/// A page that cannot be drawn because the store failed.
pub fn failed(lang: Option<&str>) -> Response {
    super::people::denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
}

/// A month that could not be read.
pub fn bad_month(lang: Option<&str>) -> Response {
    super::people::denied_with(StatusCode::BAD_REQUEST, lang, "common.err_month")
}
