//! `/officer/fund`: the provincial special fund of the officer's region for one budget year
//! (the latest with data unless asked): appropriated, committed, paid and balance in all and
//! per city (the figures of `flexpension fund report --json`), the subsidies granted by month
//! and city as a chart, what the shortfall rule did (subsidies queued for the next
//! appropriation or cut by pro-rating) and the same figures as CSV (`/officer/fund.csv`). Cities
//! are named from the region's list (`params::cities`, GB/T 2260) in the page's language, their
//! keys beside the names.

use super::workers::csv_response;
use super::{failed, region_name, short_month};
use crate::AppState;
use crate::guard::AsOfficer;
use crate::web::people::{Base, denied_with, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_chart::{Chart, Series};
use flexpension_rules::money::yuan_grouped;
use flexpension_rules::{Fen, YearMonth};
use flexpension_store::{FUND_YEARS, FundFigures, FundMonthCity, FundReport, Store};
use flexpension_text::Lang;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct FundQuery {
    year: Option<String>,
    lang: Option<String>,
}

/// One line of money figures, formatted: a city's or the region's.
pub struct Line {
    pub city: String,
    /// The city's name in the page's language (empty: the parameters do not know the key).
    pub name: String,
    pub appropriated: String,
    pub committed: String,
    pub paid: String,
    pub balance: String,
    pub queued: String,
    pub prorated: String,
}

/// A month and city where the fund did not grant all that was asked.
pub struct Short {
    pub month: String,
    pub city: String,
    pub name: String,
    pub workers: i64,
    pub requested: String,
    pub granted: String,
    pub queued: String,
    pub prorated: String,
}

#[derive(Template)]
#[template(path = "people/fund.html")]
struct FundPage {
    base: Base,
    year: i32,
    years: Vec<i32>,
    heading: String,
    /// (id, label key, definition key, value) of the region's totals.
    figures: Vec<(&'static str, &'static str, &'static str, String)>,
    /// Each city's line, then the region's (its city empty).
    cities: Vec<Line>,
    chart: String,
    shortfalls: Vec<Short>,
    rule: String,
    rule_source: String,
    csv_href: String,
}

/// What pro-rating cut (asked, not granted and not waiting in the queue).
fn prorated(requested: Fen, granted: Fen, queued: Fen) -> Fen {
    (requested - granted - queued).max(0)
}

fn line(city: &str, name: String, f: &FundFigures) -> Line {
    Line {
        city: city.to_string(),
        name,
        appropriated: yuan_grouped(f.appropriated_fen),
        committed: yuan_grouped(f.committed_fen),
        paid: yuan_grouped(f.paid_fen),
        balance: yuan_grouped(f.balance_fen),
        queued: yuan_grouped(f.queued_fen),
        prorated: yuan_grouped((f.unfunded_fen - f.queued_fen).max(0)),
    }
}

/// The totals as the page's figures.
fn figures(t: Line) -> Vec<(&'static str, &'static str, &'static str, String)> {
    vec![
        ("appropriated", "fundpage.fig_appropriated", "fundpage.def_appropriated", t.appropriated),
        ("committed", "fundpage.fig_committed", "fundpage.def_committed", t.committed),
        ("paid", "fundpage.fig_paid", "fundpage.def_paid", t.paid),
        ("balance", "fundpage.fig_balance", "fundpage.def_balance", t.balance),
        ("queued", "fundpage.fig_queued", "fundpage.def_queued", t.queued),
        ("prorated", "fundpage.fig_prorated", "fundpage.def_prorated", t.prorated),
    ]
}

/// The region's totals as one line (the report's top fields).
fn total(r: &FundReport) -> FundFigures {
    let unfunded = r.cities.values().map(|f| f.unfunded_fen).sum();
    FundFigures {
        appropriated_fen: r.appropriated_fen,
        committed_fen: r.committed_fen,
        paid_fen: r.paid_fen,
        balance_fen: r.balance_fen,
        queued_fen: r.queued_fen,
        unfunded_fen: unfunded,
    }
}

/// The year shown: the one asked for, else the latest with data, else this year. Err when the
/// one asked for is not a year from 2000 to 2100.
async fn year_shown(store: &Store, region: &str, asked: Option<&str>, this: i32) -> Result<Option<(i32, Vec<i32>)>, ()> {
    let Ok(years) = store.fund_years(region).await else { return Ok(None) };
    let year = match asked.map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y.parse::<i32>().ok().filter(|y| FUND_YEARS.contains(y)).ok_or(())?,
        None => years.last().copied().unwrap_or(this),
    };
    Ok(Some((year, years)))
}

/// The report of the year asked for, or the refusal to answer with.
async fn report_of(s: &AppState, region: &str, q: &FundQuery) -> Result<(i32, Vec<i32>, FundReport), Response> {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return Err(failed(lang_q)) };
    let (year, years) = match year_shown(store, region, q.year.as_deref(), s.this_month().year()).await {
        Ok(Some(y)) => y,
        Ok(None) => return Err(failed(lang_q)),
        Err(()) => return Err(denied_with(StatusCode::BAD_REQUEST, lang_q, "fundpage.err_year")),
    };
    let Ok(r) = store.fund_report(region, Some(year)).await else { return Err(failed(lang_q)) };
    Ok((year, years, r))
}

/// Subsidies granted by month (January to December) and city, one series per city.
fn chart(lang: Lang, year: i32, r: &FundReport, names: &Names) -> String {
    let months: Vec<YearMonth> = (1..=12).filter_map(|m| YearMonth::new(year, m)).collect();
    let mut c = Chart::new(lang.f("fundpage.chart_title", &[("year", &year.to_string())]))
        .desc(lang.t("fundpage.chart_desc"))
        .y_label(lang.t("console.unit_yuan"))
        .x_labels(months.iter().map(|m| short_month(lang, *m)))
        .id("fund-chart")
        .size(390, 240);
    for city in r.cities.keys() {
        let granted = |m: &YearMonth| r.months.iter().find(|x| x.month == *m && x.city == *city).map_or(0, |x| x.granted_fen);
        let label = Some(names.of(city)).filter(|n| !n.is_empty()).unwrap_or_else(|| city.clone());
        c = c.series(Series::new(label, months.iter().map(|m| granted(m) as f64 / 100.0).collect()));
    }
    c.bars()
}

fn shortfall(m: &FundMonthCity, names: &Names) -> Option<Short> {
    (m.requested_fen > m.granted_fen).then(|| Short {
        month: m.month.to_string(),
        city: m.city.clone(),
        name: names.of(&m.city),
        workers: m.workers,
        requested: yuan_grouped(m.requested_fen),
        granted: yuan_grouped(m.granted_fen),
        queued: yuan_grouped(m.queued_fen),
        prorated: yuan_grouped(prorated(m.requested_fen, m.granted_fen, m.queued_fen)),
    })
}

/// The day a year's figures are read at: its last day, or today when earlier.
fn day_of(s: &AppState, year: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, 12, 31).map_or(s.today(), |d| d.min(s.today()))
}

/// The names of the region's cities in one language (`params::cities`): a fund city key (the
/// grid code before '-') to its name, empty when the parameters do not know it.
pub struct Names<'a> {
    cities: Option<&'a flexpension_rules::params::Cities>,
    lang: Lang,
}

impl Names<'_> {
    pub fn of(&self, key: &str) -> String {
        self.cities.and_then(|c| c.find(key)).map(|c| c.name(self.lang).to_string()).unwrap_or_default()
    }
}

fn names<'a>(s: &'a AppState, region: &str, lang: Lang, year: i32) -> Names<'a> {
    Names { cities: s.params().cities(region, day_of(s, year)).map(|(c, _)| c), lang }
}

/// The shortfall rule in force at the end of `year` (or today, when earlier), and its source.
fn rule(s: &AppState, lang: Lang, year: i32) -> (String, String) {
    let day = day_of(s, year);
    match s.params().fund_rules(day) {
        Ok(f) => {
            let source = f.uses.first().map(|u| u.source.clone()).unwrap_or_default();
            let from = f.uses.first().map(|u| u.effective_from.to_string()).unwrap_or_default();
            let key = format!("fundpage.rule_{}", f.shortfall.as_str());
            (lang.f("fundpage.rule_in_force", &[("rule", lang.t(&key)), ("from", &from)]), source)
        }
        Err(_) => (lang.t("fundpage.rule_unknown").to_string(), String::new()),
    }
}

pub async fn page(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, Query(q): Query<FundQuery>) -> Response {
    let (year, years, r) = match report_of(&s, &region, &q).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let mut base = Base::of(&v, q.lang.as_deref(), "fundpage.title", &format!("/officer/fund?year={year}"));
    let lang = base.lang;
    base.subject = region_name(&s, lang, &region);
    base.console("officer");
    let (rule, rule_source) = rule(&s, lang, year);
    let names = names(&s, &region, lang, year);
    let page = FundPage {
        year,
        years,
        heading: lang.f("fundpage.year_figures", &[("year", &year.to_string())]),
        figures: figures(line("", String::new(), &total(&r))),
        cities: r.cities.iter().map(|(c, f)| line(c, names.of(c), f)).chain(std::iter::once(line("", String::new(), &total(&r)))).collect(),
        chart: chart(lang, year, &r, &names),
        shortfalls: r.months.iter().filter_map(|m| shortfall(m, &names)).collect(),
        rule,
        rule_source,
        csv_href: format!("/officer/fund.csv?year={year}&lang={}", lang.code()),
        base,
    };
    render(StatusCode::OK, page.render())
}

/// The CSV's header: a city's year (month empty), then each month and city. The columns are a
/// contract: new ones go at the end (`city_name`, in the language asked for).
pub const CSV_HEADER: &str = "year,month,city,workers,appropriated_fen,requested_fen,granted_fen,committed_fen,paid_fen,balance_fen,queued_fen,prorated_fen,city_name\n";

/// The year's figures as CSV: one line per city for the year (the month empty), then one per
/// month and city. Amounts in fen; a column that does not apply is empty; the city's name last
/// (empty when the parameters do not know the city).
pub fn fund_csv(year: i32, r: &FundReport, names: &Names) -> String {
    let mut out = String::from(CSV_HEADER);
    for (c, f) in &r.cities {
        let prorated = (f.unfunded_fen - f.queued_fen).max(0);
        out.push_str(&format!(
            "{year},,{},,{},,,{},{},{},{},{prorated},{}\n",
            super::alerts::csv_field(c),
            f.appropriated_fen,
            f.committed_fen,
            f.paid_fen,
            f.balance_fen,
            f.queued_fen,
            super::alerts::csv_field(&names.of(c))
        ));
    }
    for m in &r.months {
        out.push_str(&format!(
            "{year},{},{},{},,{},{},{},{},,{},{},{}\n",
            m.month,
            super::alerts::csv_field(&m.city),
            m.workers,
            m.requested_fen,
            m.granted_fen,
            m.granted_fen - m.paid_fen,
            m.paid_fen,
            m.queued_fen,
            prorated(m.requested_fen, m.granted_fen, m.queued_fen),
            super::alerts::csv_field(&names.of(&m.city))
        ));
    }
    out
}

pub async fn csv(State(s): State<AppState>, AsOfficer(_, region): AsOfficer, Query(q): Query<FundQuery>) -> Response {
    match report_of(&s, &region, &q).await {
        Ok((year, _, r)) => {
            let names = names(&s, &region, Lang::parse(q.lang.as_deref()), year);
            csv_response(fund_csv(year, &r, &names), &format!("fund-{region}-{year}.csv"))
        }
        Err(res) => res,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_line_per_city_then_per_month() {
        let mut r = FundReport {
            region: "zj".into(),
            year: Some(2025),
            appropriated_fen: 1000,
            committed_fen: 100,
            paid_fen: 800,
            balance_fen: 100,
            queued_fen: 50,
            cities: Default::default(),
            months: Vec::new(),
        };
        let f =
            FundFigures { appropriated_fen: 1000, committed_fen: 100, paid_fen: 800, balance_fen: 100, queued_fen: 50, unfunded_fen: 70 };
        r.cities.insert("hz".into(), f);
        let month: YearMonth = "2025-09".parse().expect("month");
        r.months.push(FundMonthCity {
            month,
            city: "hz".into(),
            workers: 3,
            requested_fen: 970,
            granted_fen: 900,
            paid_fen: 800,
            queued_fen: 50,
        });
        let params = flexpension_rules::Params::embedded().expect("params");
        let cities = params.cities("zj", "2025-12-31".parse().expect("day")).map(|c| c.0);
        for (lang, name) in [(Lang::Zh, "杭州市"), (Lang::En, "Hangzhou")] {
            let csv = fund_csv(2025, &r, &Names { cities, lang });
            let lines: Vec<&str> = csv.lines().collect();
            assert_eq!(lines[0], CSV_HEADER.trim_end());
            assert_eq!(lines[1], format!("2025,,hz,,1000,,,100,800,100,50,20,{name}"));
            assert_eq!(lines[2], format!("2025,2025-09,hz,3,,970,900,100,800,,50,20,{name}"));
            assert!(lines.iter().all(|l| l.split(',').count() == 13), "{csv}");
        }
        let unknown = fund_csv(2025, &r, &Names { cities: None, lang: Lang::Zh });
        assert!(unknown.lines().skip(1).all(|l| l.ends_with("20,")), "no name known: the column is empty: {unknown}");
    }
}
