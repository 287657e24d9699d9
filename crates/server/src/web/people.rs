//! The pages of people who log in: a worker's own months and enrolments (`/me`), a platform's
//! workers (`/platform`), an officer's region (`/officer`). Who sees what is decided by the
//! extractors of [`crate::guard`]; these handlers read only through the scope they get.

use super::html;
use crate::guard::{AsOfficer, AsPlatformStaff, AsWorker, Viewer};
use crate::{AppState, assets};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flexpension_rules::YearMonth;
use flexpension_rules::money::yuan;
use flexpension_store::people::{IncomeFilter, IncomeRow, IncomeTotals};
use flexpension_store::{PlatformId, Store};
use flexpension_text::Lang;
use serde::Deserialize;

/// Rows a listing shows at most; the totals always cover all.
pub const MAX_ROWS: i64 = 500;
/// Months a worker's page lists (newest first).
pub const MY_MONTHS: usize = 24;

/// What every page of this kind shows around its content.
pub struct Base {
    pub lang: Lang,
    pub title: String,
    pub css: String,
    pub icon: String,
    pub switch_href: String,
    /// The session's CSRF token (empty: no logout form).
    pub csrf: String,
    pub who: String,
}

impl Base {
    pub fn new(lang: Option<&str>, title_key: &str, path: &str, csrf: &str, who: &str) -> Base {
        let lang = Lang::parse(lang);
        let switch_href = if lang.is_en() { path.to_string() } else { format!("{path}?lang=en") };
        Base {
            lang,
            title: lang.t(title_key).to_string(),
            css: assets::url("app.css"),
            icon: assets::url("icon.svg"),
            switch_href,
            csrf: csrf.to_string(),
            who: who.to_string(),
        }
    }

    fn of(v: &Viewer, lang: Option<&str>, title_key: &str, path: &str) -> Base {
        Base::new(lang, title_key, path, &v.session.csrf, &v.session.person.login)
    }
}

pub fn render(status: StatusCode, body: askama::Result<String>) -> Response {
    match body {
        Ok(b) => {
            let mut res = html(status, b);
            // Personal pages: no cache may keep them.
            res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            res
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    }
}

#[derive(Template)]
#[template(path = "people/denied.html")]
struct Denied {
    base: Base,
    problem: &'static str,
}

/// A refusal as a page: what happened and a link to log in.
pub fn denied_with(status: StatusCode, lang: Option<&str>, problem: &'static str) -> Response {
    render(status, Denied { base: Base::new(lang, "people.login_title", "/login", "", ""), problem }.render())
}

/// The page for a refusal of the guard.
pub fn denied_page(status: StatusCode) -> Response {
    let problem = match status {
        StatusCode::UNAUTHORIZED => "people.err_log_in_first",
        StatusCode::FORBIDDEN => "people.err_not_yours",
        _ => "people.err_try_later",
    };
    denied_with(status, None, problem)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub lang: Option<String>,
    pub month: Option<String>,
    pub grid: Option<String>,
    pub platform: Option<String>,
}

impl ListQuery {
    /// The month asked for (this month when none); Err when it cannot be read.
    fn month(&self, this: YearMonth) -> Result<YearMonth, ()> {
        match self.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            None => Ok(this),
            Some(m) => m.parse().map_err(|_| ()),
        }
    }
    fn grid(&self) -> Option<String> {
        self.grid.as_deref().map(str::trim).filter(|g| !g.is_empty()).map(str::to_string)
    }
}

fn failed(lang: Option<&str>) -> Response {
    denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
}

fn store(s: &AppState) -> Option<&Store> {
    s.store()
}

// ---- worker ----

struct MonthLine {
    month: String,
    income: String,
    orders: i64,
    /// (platform name, income, orders)
    by_platform: Vec<(String, String, i64)>,
    /// (label key, value) of the month close; empty: not closed yet.
    closed: Vec<(&'static str, String)>,
}

/// The account card once a month is closed.
struct AccountLine {
    balance: String,
    years: u32,
    months_paid: u32,
    arrears: String,
    standing: &'static str,
}

fn closed_lines(c: &flexpension_store::StatementMonth) -> Vec<(&'static str, String)> {
    vec![
        ("people.c_base", yuan(c.base_fen)),
        ("people.c_rate", format!("{}.{:02}%", c.rate_bp / 100, c.rate_bp % 100)),
        ("people.c_contribution", yuan(c.contribution_fen)),
        ("people.c_subsidy", yuan(c.subsidy_fen)),
        ("people.c_paid", yuan(c.paid_fen)),
        ("people.c_due", yuan(c.due_fen)),
    ]
}

fn standing_key(s: &flexpension_ledger::Status) -> &'static str {
    use flexpension_ledger::Status;
    match s {
        Status::Uninsured => "people.standing_uninsured",
        Status::Current => "people.standing_current",
        Status::InArrears { .. } => "people.standing_in_arrears",
        Status::Lapsed { .. } => "people.standing_lapsed",
    }
}

#[derive(Template)]
#[template(path = "people/me.html")]
struct MePage {
    base: Base,
    name: String,
    id_masked: String,
    grid: String,
    months: Vec<MonthLine>,
    account: Option<AccountLine>,
    calc_href: String,
    /// (scheme key, months in words)
    enrolments: Vec<(String, String)>,
}

pub async fn me(State(s): State<AppState>, AsWorker(v, worker): AsWorker, q: Query<ListQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = store(&s) else { return failed(lang) };
    let base = Base::of(&v, lang, "people.me_title", "/me");
    let shown = base.lang;
    let Ok(Some(w)) = store.worker(worker).await else { return failed(lang) };
    let Ok(months) = crate::api::people::my_months(store, worker, MY_MONTHS).await else { return failed(lang) };
    let Ok(enrolments) = store.enrolments(worker).await else { return failed(lang) };
    let Ok(st) = crate::api::people::my_statement(&s, store, worker).await else { return failed(lang) };
    let account = (!st.months.is_empty()).then(|| AccountLine {
        balance: yuan(st.personal_account_fen),
        years: st.years_counted,
        months_paid: st.months_paid,
        arrears: yuan(st.arrears_fen),
        standing: standing_key(&st.status),
    });
    // The calculator gets up to 12 of the latest months, oldest first, and the latest as "this month".
    let recent: Vec<String> = months.iter().take(12).rev().map(|m| yuan(m.income_fen)).collect();
    let mut calc_href = format!("/?lang={}", shown.code());
    if let Some(latest) = months.first() {
        calc_href.push_str(&format!("&month={}&income={}&incomes={}", latest.month, yuan(latest.income_fen), recent.join("%2C")));
    }
    let page = MePage {
        name: w.name,
        id_masked: w.id_masked,
        grid: w.home_grid,
        months: months
            .iter()
            .map(|m| MonthLine {
                month: m.month.to_string(),
                income: yuan(m.income_fen),
                orders: m.orders,
                by_platform: m.by_platform.iter().map(|p| (p.platform_name.clone(), yuan(p.income_fen), p.orders)).collect(),
                closed: st.months.iter().find(|c| c.month == m.month).map(closed_lines).unwrap_or_default(),
            })
            .collect(),
        account,
        calc_href,
        enrolments: enrolments
            .iter()
            .map(|e| {
                let to = e.to.map(|t| t.to_string()).unwrap_or_else(|| shown.t("people.open_ended").to_string());
                (format!("people.scheme_{}", e.scheme.as_str()), format!("{} – {}", e.from, to))
            })
            .collect(),
        base,
    };
    render(StatusCode::OK, page.render())
}

// ---- platform and officer ----

struct RowLine {
    name: String,
    id_masked: String,
    grid: String,
    platform_name: String,
    income: String,
    orders: i64,
}

#[derive(Template)]
#[template(path = "people/listing.html")]
struct ListingPage {
    base: Base,
    action: &'static str,
    month: String,
    grid: String,
    grids: Vec<String>,
    /// (id, name); empty for a platform's own page.
    platforms: Vec<(String, String)>,
    platform: String,
    totals: IncomeTotals,
    total_income: String,
    premium: String,
    ledger_note: &'static str,
    rows: Vec<RowLine>,
    more: bool,
}

fn lines(rows: Vec<IncomeRow>) -> Vec<RowLine> {
    rows.into_iter()
        .map(|r| RowLine {
            name: r.name,
            id_masked: r.id_masked,
            grid: r.grid,
            platform_name: r.platform_name,
            income: yuan(r.income_fen),
            orders: r.orders,
        })
        .collect()
}

pub async fn platform(State(s): State<AppState>, AsPlatformStaff(v, platform): AsPlatformStaff, q: Query<ListQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = store(&s) else { return failed(lang) };
    let Ok(month) = q.month(s.this_month()) else { return denied_with(StatusCode::BAD_REQUEST, lang, "common.err_month") };
    let grid = q.grid();
    let filter = IncomeFilter { month, platform: Some(platform), region: None, grid: grid.clone() };
    let (Ok((rows, totals)), Ok(premiums), Ok(grids)) =
        (store.income_rows(&filter, MAX_ROWS).await, store.injury_premiums(platform, month).await, store.grids(None).await)
    else {
        return failed(lang);
    };
    let name = store.platform(platform).await.ok().flatten().map(|p| p.name).unwrap_or_default();
    let mut base = Base::of(&v, lang, "people.platform_title", "/platform");
    base.title = format!("{} · {name}", base.title);
    let page = ListingPage {
        base,
        action: "/platform",
        month: month.to_string(),
        grid: grid.unwrap_or_default(),
        grids: grids.into_iter().map(|g| g.code).collect(),
        platforms: Vec::new(),
        platform: String::new(),
        total_income: yuan(totals.income_fen),
        totals,
        premium: yuan(premiums.iter().map(|p| p.premium_fen).sum()),
        ledger_note: "",
        more: rows.len() as i64 >= MAX_ROWS,
        rows: lines(rows),
    };
    render(StatusCode::OK, page.render())
}

pub async fn officer(State(s): State<AppState>, AsOfficer(v, region): AsOfficer, q: Query<ListQuery>) -> Response {
    let lang = q.lang.as_deref();
    let Some(store) = store(&s) else { return failed(lang) };
    let Ok(month) = q.month(s.this_month()) else { return denied_with(StatusCode::BAD_REQUEST, lang, "common.err_month") };
    let platform = match q.platform.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<i64>() {
            Ok(n) => Some(PlatformId(n)),
            Err(_) => return denied_with(StatusCode::BAD_REQUEST, lang, "people.err_platform"),
        },
    };
    let grid = q.grid();
    let filter = IncomeFilter { month, platform, region: Some(region.clone()), grid: grid.clone() };
    let (Ok((rows, totals)), Ok(grids), Ok(platforms), Ok(trial)) = (
        store.income_rows(&filter, MAX_ROWS).await,
        store.grids(Some(&region)).await,
        store.platforms().await,
        store.trial_balance().await,
    ) else {
        return failed(lang);
    };
    let mut base = Base::of(&v, lang, "people.officer_title", "/officer");
    base.title = format!("{} · {region}", base.title);
    let page = ListingPage {
        base,
        action: "/officer",
        month: month.to_string(),
        grid: grid.unwrap_or_default(),
        grids: grids.into_iter().map(|g| g.code).collect(),
        platforms: platforms.into_iter().map(|p| (p.id.to_string(), p.name)).collect(),
        platform: platform.map(|p| p.to_string()).unwrap_or_default(),
        total_income: yuan(totals.income_fen),
        totals,
        premium: String::new(),
        ledger_note: if trial == 0 { "people.ledger_balanced" } else { "people.ledger_unbalanced" },
        more: rows.len() as i64 >= MAX_ROWS,
        rows: lines(rows),
    };
    render(StatusCode::OK, page.render())
}
