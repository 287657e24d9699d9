//! The officer's alerts (`/officer/alerts`, CSV at `/officer/alerts.csv`): the region's open
//! alerts by grid and by platform, the alerts that went up to the officer because nobody
//! handled them in time, the conversion of uninsured alerts into enrolments by month (with
//! charts); and the access log of the region (`/officer/access-log`): who saw whose personal
//! data, when, what and why.

use super::workers::csv_response;
use super::{failed, region_name};
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_chart::{Chart, Series};
use flexpension_store::people::{GridAlert, StatRow};
use flexpension_text::Lang;
use serde::Deserialize;

/// The access log lines the officer's page shows (newest first).
pub const ACCESS_LOG_LINES: i64 = 200;
/// Late alerts the page lists (the oldest first; the CSV has them all).
pub const LATE_SHOWN: usize = 200;

/// One escalated alert in the officer's list.
pub struct Late {
    pub id: i64,
    pub worker: i64,
    pub name: String,
    pub phone_masked: String,
    pub grid_name: String,
    pub risk: String,
    pub opened_on: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "people/alerts.html")]
struct AlertsPage {
    base: Base,
    by_grid: Vec<StatRow>,
    by_platform: Vec<StatRow>,
    /// (month, opened, enrolled, share as text)
    months: Vec<(String, u64, u64, String)>,
    grid_chart: String,
    conversion_chart: String,
    late: Vec<Late>,
    csv_href: String,
    log_href: String,
    rule: String,
}

#[derive(Template)]
#[template(path = "people/access_log.html")]
struct AccessPage {
    base: Base,
    /// (when, login, role key, worker number, what key, why)
    lines: Vec<(String, String, String, i64, String, String)>,
    limit_note: String,
}

#[derive(Deserialize)]
pub struct LangOnly {
    lang: Option<String>,
}

fn share(opened: u64, enrolled: u64) -> String {
    if opened == 0 { "-".into() } else { format!("{:.1}%", enrolled as f64 * 100.0 / opened as f64) }
}

pub async fn page(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, Query(q): Query<LangOnly>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let (Ok(stats), Ok(open)) = (store.alert_stats(s.params(), &region).await, store.region_alerts(s.params(), &region, None).await) else {
        return failed(lang_q);
    };
    let mut base = Base::of(&v, lang_q, "grid.alerts_title", "/officer/alerts");
    let lang = base.lang;
    base.subject = region_name(&s, lang, &region);
    base.console("officer");
    let grid_chart = Chart::new(lang.t("grid.chart_by_grid"))
        .desc(lang.t("grid.chart_by_grid_desc"))
        .x_labels(stats.by_grid.iter().map(|r| r.key.clone()))
        .series(Series::new(lang.t("grid.c_open"), stats.by_grid.iter().map(|r| r.open as f64).collect()))
        .series(Series::new(lang.t("grid.c_escalated"), stats.by_grid.iter().map(|r| r.escalated as f64).collect()))
        .id("chart-by-grid")
        .size(390, 220)
        .bars();
    let conversion_chart = Chart::new(lang.t("grid.chart_conversion"))
        .desc(lang.t("grid.chart_conversion_desc"))
        .x_labels(stats.by_month.iter().map(|m| m.0.clone()))
        .series(Series::new(lang.t("grid.c_opened"), stats.by_month.iter().map(|m| m.1 as f64).collect()))
        .series(Series::new(lang.t("grid.c_enrolled"), stats.by_month.iter().map(|m| m.2 as f64).collect()))
        .id("chart-conversion")
        .size(390, 220)
        .bars();
    let late = open
        .iter()
        .filter(|a| a.escalated)
        .take(LATE_SHOWN)
        .map(|a| Late {
            id: a.id,
            worker: a.worker.0,
            name: a.name.clone(),
            phone_masked: a.phone_masked.clone(),
            grid_name: a.grid_name.clone(),
            risk: format!("grid.risk_{}", a.risk.as_str()),
            opened_on: a.opened_on.to_string(),
            due: a.due.map(|d| d.to_string()).unwrap_or_default(),
        })
        .collect();
    let days = s
        .params()
        .lookup(&s.params().national.monitor.escalate_after_working_days, s.today(), |v| v.to_string())
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|_| "-".into());
    let page = AlertsPage {
        months: stats.by_month.iter().map(|(m, o, e)| (m.clone(), *o, *e, share(*o, *e))).collect(),
        by_grid: stats.by_grid,
        by_platform: stats.by_platform,
        grid_chart,
        conversion_chart,
        late,
        csv_href: format!("/officer/alerts.csv?lang={}", lang.code()),
        log_href: format!("/officer/access-log?lang={}", lang.code()),
        rule: lang.f("grid.escalation_rule", &[("n", &days)]),
        base,
    };
    render(StatusCode::OK, page.render())
}

pub(crate) fn csv_field(s: &str) -> String {
    // A leading =, +, - or @ would be a formula in a spreadsheet.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The open alerts as CSV, one line each: the columns of the officer's list, masked phones.
pub fn alerts_csv(lang: Lang, open: &[GridAlert]) -> String {
    let mut out = String::from("alert,worker,name,phone_masked,grid,risk,opened_on,due,escalated,outcome,reason,why\n");
    for a in open {
        let cols = [
            a.id.to_string(),
            a.worker.0.to_string(),
            a.name.clone(),
            a.phone_masked.clone(),
            a.grid.clone(),
            a.risk.as_str().to_string(),
            a.opened_on.to_string(),
            a.due.map(|d| d.to_string()).unwrap_or_default(),
            a.escalated.to_string(),
            a.outcome.as_ref().map(|o| o.0.as_str().to_string()).unwrap_or_default(),
            a.outcome.as_ref().map(|o| o.1.clone()).unwrap_or_default(),
            if lang.is_en() { a.why_en.clone() } else { a.why_zh.clone() },
        ];
        out.push_str(&cols.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

pub async fn csv(State(s): State<AppState>, AsOfficer(_, region): AsOfficer, Query(q): Query<LangOnly>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let Ok(open) = store.region_alerts(s.params(), &region, None).await else { return failed(lang_q) };
    csv_response(alerts_csv(Lang::parse(lang_q), &open), &format!("alerts-{region}.csv"))
}

pub async fn access_log(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, Query(q): Query<LangOnly>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let Ok(rows) = store.region_accesses(&region, ACCESS_LOG_LINES).await else { return failed(lang_q) };
    let mut base = Base::of(&v, lang_q, "grid.access_title", "/officer/access-log");
    base.subject = region_name(&s, base.lang, &region);
    base.console("officer");
    let lang = base.lang;
    let lines = rows
        .into_iter()
        .map(|a| {
            let at = chrono::DateTime::from_timestamp_micros(a.at_us)
                .map(|t| (t + chrono::TimeDelta::hours(8)).format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default();
            let why = match a.why.strip_prefix("alert ") {
                Some(n) => lang.f("grid.why_alert", &[("n", n)]),
                None => a.why,
            };
            (at, a.login, format!("grid.role_{}", a.role), a.worker.0, format!("grid.what_{}", a.what), why)
        })
        .collect();
    let limit_note = lang.f("grid.access_limit", &[("n", &ACCESS_LOG_LINES.to_string())]);
    render(StatusCode::OK, AccessPage { base, lines, limit_note }.render())
}
