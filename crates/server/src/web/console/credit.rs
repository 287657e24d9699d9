//! A platform's own credit rating (`/platform/credit`): the latest month rated (or one asked
//! for), its share, grade and years under the floor, the notices its ratings give it, the share
//! month by month, the workers behind the month (masked IDs), and its appeals with the agency's
//! decisions; an appeal is filed by `POST /platform/credit/appeal`. No other platform's detail is
//! read: every query takes the platform of the session. The agency's list of appeals and its
//! decisions: `/officer/appeals`, `POST /officer/appeals/{id}/decision`.

use super::failed;
use crate::AppState;
use crate::guard::{AsOfficer, AsPlatformStaff};
use crate::web::people::{Base, denied_with, render};
use crate::web::reply::see_other;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_chart::{Chart, Series};
use flexpension_rules::YearMonth;
use flexpension_rules::money::{trim_decimal, yuan_grouped};
use flexpension_store::{Appeal, StoreError};
use flexpension_text::Lang;
use serde::Deserialize;

/// Months of shares the chart shows, the month shown the last.
pub const HISTORY_MONTHS: usize = 36;
/// Workers the page lists under the month's figures (the figures count them all).
pub const WORKERS_SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "people/platform_credit.html")]
struct CreditPage {
    base: Base,
    month: String,
    rated: bool,
    share: String,
    grade: String,
    /// Complaints left unanswered past their deadline in the month (and the steps they took off).
    breaches: String,
    counts: String,
    standing: String,
    sanctioned: bool,
    /// (month, text)
    notices: Vec<(String, String)>,
    chart: String,
    /// (name, masked ID, income, insured)
    workers: Vec<(String, String, String, bool)>,
    workers_note: String,
    appeals: Vec<AppealLine>,
    problem: &'static str,
}

pub struct AppealLine {
    pub id: i64,
    pub platform: String,
    pub month: String,
    pub filed: String,
    pub grounds: String,
    /// Label key of the decision, empty while open.
    pub decision: String,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "people/appeals.html")]
struct AppealsPage {
    base: Base,
    appeals: Vec<AppealLine>,
}

#[derive(Deserialize)]
pub struct MonthQuery {
    lang: Option<String>,
    month: Option<String>,
}

#[derive(Deserialize)]
pub struct AppealForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    month: String,
    #[serde(default)]
    grounds: String,
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    lang: Option<String>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reasons: String,
}

fn pct(bp: u32) -> String {
    trim_decimal(i64::from(bp), 2) + "%"
}

/// A stored time as its day in China (UTC+8).
pub(crate) fn day(at_us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(at_us)
        .map(|t| (t + chrono::TimeDelta::hours(8)).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn lines(appeals: Vec<Appeal>) -> Vec<AppealLine> {
    appeals
        .into_iter()
        .map(|a| AppealLine {
            id: a.id,
            platform: a.platform_name,
            month: a.month,
            filed: day(a.filed_at_us),
            grounds: a.grounds,
            decision: a.decision.map(|d| format!("ratings.decision_{d}")).unwrap_or_default(),
            reasons: a.reasons.unwrap_or_default(),
        })
        .collect()
}

async fn draw(
    s: &AppState,
    v: &crate::guard::Viewer,
    platform: flexpension_store::PlatformId,
    q: &MonthQuery,
    status: StatusCode,
    problem: &'static str,
) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let (Ok(history), Ok(notices), Ok(appeals)) =
        (store.credit_history(platform).await, store.credit_notices(s.params(), platform).await, store.appeals(Some(platform)).await)
    else {
        return failed(lang_q);
    };
    let asked: Option<YearMonth> = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => match m.parse() {
            Ok(m) => Some(m),
            Err(_) => return super::bad_month(lang_q),
        },
        None => None,
    };
    let shown = match asked {
        Some(m) => history.iter().find(|r| r.month == m),
        None => history.last(),
    };
    let mut base = Base::of(v, lang_q, "ratings.p_title", "/platform/credit");
    let lang = base.lang;
    base.subject = store.platform(platform).await.ok().flatten().map(|p| p.name).unwrap_or_default();
    base.console("platform");
    let all = match shown {
        Some(r) => match store.credit_workers(s.params(), platform, r.month).await {
            Ok(ws) => ws,
            Err(_) => return failed(lang_q),
        },
        None => Vec::new(),
    };
    let workers_note =
        lang.f("ratings.p_workers_note", &[("shown", &all.len().min(WORKERS_SHOWN).to_string()), ("all", &all.len().to_string())]);
    let workers = all.into_iter().take(WORKERS_SHOWN).map(|w| (w.name, w.id_masked, yuan_grouped(w.income_fen), w.insured)).collect();
    let recent: Vec<_> = history.iter().rev().take(HISTORY_MONTHS).rev().collect();
    let floor = s.params().credit_rules(shown.map_or(s.this_month(), |r| r.month)).map(|r| r.floor.percent()).unwrap_or_default();
    let chart = Chart::new(lang.t("ratings.p_chart"))
        .desc(lang.f("ratings.p_chart_desc", &[("floor", &floor)]))
        .x_labels(recent.iter().map(|r| r.month.to_string()))
        .series(Series::new(
            lang.t("ratings.col_share"),
            recent.iter().map(|r| r.rating.share_bp.map_or(f64::NAN, |b| f64::from(b) / 100.0)).collect(),
        ))
        .id("chart-share")
        .size(390, 220)
        .lines();
    let page = CreditPage {
        month: shown.map(|r| r.month.to_string()).unwrap_or_default(),
        rated: shown.is_some(),
        share: shown.and_then(|r| r.rating.share_bp).map(pct).unwrap_or_else(|| "—".into()),
        grade: shown.and_then(|r| r.rating.grade).map(|g| g.as_str().to_string()).unwrap_or_else(|| "—".into()),
        breaches: shown
            .map(|r| match r.rating.breach_steps {
                0 => r.rating.breaches.to_string(),
                steps => lang.f("ratings.breaches_steps", &[("n", &r.rating.breaches.to_string()), ("steps", &steps.to_string())]),
            })
            .unwrap_or_default(),
        counts: shown
            .map(|r| lang.f("ratings.p_counts", &[("insured", &r.rating.insured.to_string()), ("active", &r.rating.active.to_string())]))
            .unwrap_or_default(),
        standing: shown
            .map(|r| {
                if r.rating.sanctioned {
                    lang.t("ratings.status_sanctioned").to_string()
                } else {
                    lang.f("ratings.status_under", &[("floor", &floor), ("n", &r.rating.years_under.to_string())])
                }
            })
            .unwrap_or_default(),
        sanctioned: shown.is_some_and(|r| r.rating.sanctioned),
        notices: notices
            .iter()
            .map(|n| {
                let share = n.share_bp.map(pct).unwrap_or_default();
                (n.month.clone(), lang.f(&format!("ratings.notice_{}", n.kind.as_str()), &[("floor", &floor), ("share", &share)]))
            })
            .collect(),
        chart,
        workers,
        workers_note,
        appeals: lines(appeals),
        problem,
        base,
    };
    render(status, page.render())
}

pub async fn page(State(s): State<AppState>, AsPlatformStaff(v, platform): AsPlatformStaff, Query(q): Query<MonthQuery>) -> Response {
    draw(&s, &v, platform, &q, StatusCode::OK, "").await
}

/// `POST /platform/credit/appeal`: the platform appeals the rating of a month.
pub async fn appeal(State(s): State<AppState>, AsPlatformStaff(v, platform): AsPlatformStaff, Form(f): Form<AppealForm>) -> Response {
    let lang_q = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    let q = MonthQuery { lang: f.lang.clone(), month: Some(f.month.clone()) };
    let Ok(month) = f.month.trim().parse::<YearMonth>() else { return super::bad_month(lang_q) };
    match store.file_appeal(platform, v.session.person.id, month, &f.grounds).await {
        Ok(_) => see_other(format!("/platform/credit?lang={}&month={month}#appeals", Lang::parse(lang_q).code())),
        Err(StoreError::Invalid { .. }) => draw(&s, &v, platform, &q, StatusCode::UNPROCESSABLE_ENTITY, "ratings.err_grounds").await,
        Err(StoreError::Exists { .. }) => draw(&s, &v, platform, &q, StatusCode::CONFLICT, "ratings.err_open_appeal").await,
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang_q, "ratings.err_not_rated"),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "an appeal could not be filed");
            failed(lang_q)
        }
    }
}

pub async fn appeals(State(s): State<AppState>, AsOfficer(v, _): AsOfficer, Query(q): Query<MonthQuery>) -> Response {
    let lang_q = q.lang.as_deref();
    let Some(store) = s.store() else { return failed(lang_q) };
    let Ok(all) = store.appeals(None).await else { return failed(lang_q) };
    let mut base = Base::of(&v, lang_q, "ratings.appeals_title", "/officer/appeals");
    base.console("officer");
    render(StatusCode::OK, AppealsPage { base, appeals: lines(all) }.render())
}

/// `POST /officer/appeals/{id}/decision`: uphold or reject an open appeal, with the reasons.
pub async fn decide(State(s): State<AppState>, AsOfficer(v, _): AsOfficer, Path(id): Path<i64>, Form(f): Form<DecisionForm>) -> Response {
    let lang_q = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang_q, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return failed(lang_q) };
    let upheld = match f.decision.trim() {
        "upheld" => true,
        "rejected" => false,
        _ => return denied_with(StatusCode::UNPROCESSABLE_ENTITY, lang_q, "ratings.err_decision"),
    };
    match store.decide_appeal(v.session.person.id, id, upheld, &f.reasons).await {
        Ok(()) => see_other(format!("/officer/appeals?lang={}", Lang::parse(lang_q).code())),
        Err(StoreError::Invalid { .. }) => denied_with(StatusCode::UNPROCESSABLE_ENTITY, lang_q, "ratings.err_decision"),
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang_q, "ratings.err_no_appeal"),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "a decision could not be recorded");
            failed(lang_q)
        }
    }
}
