//! `/officer`: the agency's dashboard of one month (the latest with data unless asked): workers
//! billed, contributions due, paid, arrears, lapsed, subsidy drawn and injury premiums, each
//! with what it counts and its trend over 12 months. The billed, due, paid, arrears and subsidy
//! figures come from the same store pass as `flexpension report month` (`Store::month_figures`).

use super::list::ListQuery;
use super::{bad_month, failed, lapse_after, month_shown, region_name, trend, trend_months};
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_ledger::{MonthFigures, MonthReport};
use flexpension_rules::money::yuan_grouped;
use flexpension_text::Lang;

/// One figure of the dashboard.
pub struct Figure {
    /// Element id (tests read the value by it).
    pub id: &'static str,
    pub label: &'static str,
    pub definition: String,
    pub value: String,
    pub unit: &'static str,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "people/officer.html")]
struct Dashboard {
    base: Base,
    month: String,
    latest_note: String,
    heading: String,
    figures: Vec<Figure>,
    population: String,
    ledger_note: &'static str,
    workers_href: String,
}

fn count(n: u64) -> String {
    flexpension_rules::money::group_digits(&n.to_string())
}

pub async fn page(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, q: Query<ListQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let lang = Lang::parse(lang_q);
    let latest = match store.latest_closed_month().await {
        Ok(Some(m)) => Some(m),
        Ok(None) => store.latest_income_month(None).await.ok().flatten(),
        Err(_) => return failed(lang_q),
    };
    let Ok(month) = month_shown(q.month.as_deref(), latest, s.this_month()) else { return bad_month(lang_q) };
    let months = trend_months(month);
    let (Some(first), Some(&last)) = (months.first().copied(), months.last()) else { return failed(lang_q) };
    let lapse = lapse_after(&s, month);
    let (Ok(figs), Ok(premiums), Ok(people), Ok(trial)) = (
        store.month_figures(&months, Some(&region), lapse).await,
        store.premiums_by_month(None, Some(&region), first, last).await,
        store.console_workers(month, Some(&region), None).await,
        store.trial_balance().await,
    ) else {
        return failed(lang_q);
    };
    let premium_of = |m| premiums.iter().find(|p| p.0 == m).map_or(0, |p| p.1);
    let Some(now) = figs.last().copied() else { return failed(lang_q) };
    let yuan_f = |fen: i64| fen as f64 / 100.0;
    let series = |f: &dyn Fn(&MonthFigures) -> f64| figs.iter().map(f).collect::<Vec<f64>>();
    let lapse_s = if lapse == u32::MAX { "-".to_string() } else { lapse.to_string() };
    let mut figures = Vec::new();
    let mut add = |id: &'static str, label: &'static str, def: String, (value, unit, values): (String, &'static str, Vec<f64>)| {
        let chart = trend(lang, &format!("trend-{id}"), lang.t(label), &months, values);
        figures.push(Figure { id, label, definition: def, value, unit, chart });
    };
    let r = now.report;
    // A figure's value, unit and trend: a count of people, or money in yuan.
    let people_of = |n: u64, of: fn(&MonthFigures) -> u64| (count(n), "console.unit_people", series(&|f| of(f) as f64));
    let yuan_of = |of: fn(&MonthReport) -> i64| (yuan_grouped(of(&r)), "console.unit_yuan", series(&|f| yuan_f(of(&f.report))));
    add("billed", "console.fig_billed", lang.t("console.def_billed").into(), people_of(r.workers, |f| f.report.workers));
    add("due", "console.fig_due", lang.t("console.def_due").into(), yuan_of(|r| r.contribution_fen));
    add("paid", "console.fig_paid", lang.t("console.def_paid").into(), yuan_of(|r| r.paid_fen));
    add("arrears", "console.fig_arrears", lang.t("console.def_arrears").into(), yuan_of(|r| r.arrears_fen));
    add("lapsed", "console.fig_lapsed", lang.f("console.def_lapsed", &[("n", &lapse_s)]), people_of(now.lapsed, |f| f.lapsed));
    add("subsidy", "console.fig_subsidy", lang.t("console.def_subsidy").into(), yuan_of(|r| r.subsidy_fen));
    let premiums_trend = months.iter().map(|m| yuan_f(premium_of(*m))).collect();
    add(
        "premiums",
        "console.fig_premiums",
        lang.t("console.def_premiums").into(),
        (yuan_grouped(premium_of(month)), "console.unit_yuan", premiums_trend),
    );
    let with_income = people.iter().filter(|w| w.income_fen > 0).count() as u64;
    let population = lang.f(
        "console.population_note",
        &[("registered", &count(people.len() as u64)), ("income", &count(with_income)), ("billed", &count(r.workers))],
    );
    let name = region_name(&s, lang, &region);
    let mut base = Base::of(&v, lang_q, "people.officer_title", &format!("/officer?month={month}"));
    base.subject = name;
    base.console("officer");
    let page = Dashboard {
        month: month.to_string(),
        latest_note: latest.map(|m| lang.f("console.latest_with_data", &[("month", &m.to_string())])).unwrap_or_default(),
        heading: lang.f("console.month_figures", &[("month", &month.to_string())]),
        figures,
        population,
        ledger_note: if trial == 0 { "people.ledger_balanced" } else { "people.ledger_unbalanced" },
        workers_href: format!("/officer/workers?month={month}&lang={}", lang.code()),
        base,
    };
    render(StatusCode::OK, page.render())
}
